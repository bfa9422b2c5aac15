package org.canvaslake.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Live events of the sandbox institution as SQS would deliver them, deterministic from a seed: a realistic mix of
 * event types, in the Canvas format and in Caliper, with global ids of the {@link Institution}'s users, courses and
 * assignments, the {@code event_name}/{@code event_time} message attributes, and what real queues bring:
 * <ul>
 *   <li>redeliveries (at-least-once): the same message again minutes later, or the same event re-published with its
 *       keys in another order or pretty-printed;</li>
 *   <li>late arrivals: a small share received hours to days after the event happened;</li>
 *   <li>a small share of malformed messages: truncated JSON, a proxy's HTML error page, an unknown shape, a Caliper
 *       event without its event_name attribute.</li>
 * </ul>
 * Messages come out in the order the queue received them; memory stays small however many are asked for.
 */
public final class LiveEventGenerator {

    /** One message as the queue holds it. */
    public record Message(String messageId, Instant receivedAt, Map<String, String> attributes, String body) {
    }

    /** The event types and how often each happens (weights); page views dominate, as in real institutions. */
    static final String[] TYPES = {"asset_accessed", "logged_in", "logged_out", "submission_created",
            "submission_updated", "grade_change", "assignment_created", "assignment_updated",
            "discussion_entry_created", "discussion_topic_created", "enrollment_created", "enrollment_updated",
            "course_updated", "user_updated", "wiki_page_updated", "attachment_created", "quiz_submitted",
            "conversation_message_created"};
    static final int[] WEIGHTS = {420, 70, 30, 60, 40, 60, 8, 15, 70, 6, 10, 6, 5, 15, 20, 25, 30, 20};

    private final Institution institution;
    private final long seed;
    private final Map<Long, Institution.Course> courses = new HashMap<>();
    private final Map<Long, Institution.User> users = new HashMap<>();
    private final Map<Long, List<Institution.Assignment>> assignmentsByCourse = new HashMap<>();
    private final Map<Long, Institution.Enrollment> teachers = new HashMap<>();
    private double caliperShare = 0.3;
    private double duplicateShare = 0.03;
    private double lateShare = 0.01;
    private double malformedShare = 0.005;
    private int days = 0;
    private List<String> only = List.of();

    public LiveEventGenerator(Institution institution, long seed) {
        this.institution = institution;
        this.seed = seed;
        if (institution.courses().isEmpty() || institution.enrollments().isEmpty()) {
            throw new IllegalArgumentException("The institution needs courses and enrollments to generate events");
        }
        institution.courses().forEach(c -> courses.put(c.id(), c));
        institution.users().forEach(u -> users.put(u.id(), u));
        institution.assignments().forEach(a -> assignmentsByCourse.computeIfAbsent(a.courseId(),
                k -> new ArrayList<>()).add(a));
        institution.enrollments().stream().filter(e -> e.type().equals("TeacherEnrollment"))
                .forEach(e -> teachers.putIfAbsent(e.courseId(), e));
    }

    public LiveEventGenerator caliperShare(double share) {
        this.caliperShare = share(share, "caliper share");
        return this;
    }

    public LiveEventGenerator duplicateShare(double share) {
        this.duplicateShare = share(share, "duplicate share");
        return this;
    }

    public LiveEventGenerator lateShare(double share) {
        this.lateShare = share(share, "late share");
        return this;
    }

    public LiveEventGenerator malformedShare(double share) {
        this.malformedShare = share(share, "malformed share");
        return this;
    }

    /** Over how many days the events happen (0: one day per 5,000 messages, at most 30). */
    public LiveEventGenerator days(int days) {
        if (days < 0) {
            throw new IllegalArgumentException("days must be 0 or more, got " + days);
        }
        this.days = days;
        return this;
    }

    /** Generates only these event types (in their usual proportions); empty means all of {@link #TYPES}. */
    public LiveEventGenerator only(String... types) {
        for (String t : types) {
            if (!List.of(TYPES).contains(t)) {
                throw new IllegalArgumentException("The generator has no event type '" + t + "'; it has "
                        + List.of(TYPES));
            }
        }
        this.only = List.of(types);
        return this;
    }

    /** {@code count} messages (duplicates and malformed ones included), in receive order. */
    public Iterator<Message> messages(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be 0 or more, got " + count);
        }
        int span = days > 0 ? days : (int) Math.max(1, Math.min(30, (count + 4999) / 5000));
        return new Stream(count, span);
    }

    /** All messages in a list (for small counts). */
    public List<Message> list(long count) {
        List<Message> out = new ArrayList<>();
        messages(count).forEachRemaining(out::add);
        return out;
    }

    private static double share(double v, String what) {
        if (v < 0 || v > 1) {
            throw new IllegalArgumentException(what + " must be between 0 and 1, got " + v);
        }
        return v;
    }

    private record Pending(long receivedMicros, long order, Message message) {
    }

    private final class Stream implements Iterator<Message> {
        private final SplittableRandom random = new SplittableRandom(seed);
        private final LiveEventTemplates templates = new LiveEventTemplates(random);
        private final PriorityQueue<Pending> queue = new PriorityQueue<>((a, b) -> a.receivedMicros != b.receivedMicros
                ? Long.compare(a.receivedMicros, b.receivedMicros) : Long.compare(a.order, b.order));
        private final long count;
        private final double meanGapMicros;
        private long produced;
        private long order;
        private long clockMicros;
        private final int totalWeight;

        Stream(long count, int spanDays) {
            this.count = count;
            long spanMicros = Duration.ofDays(spanDays).toNanos() / 1000;
            this.meanGapMicros = count == 0 ? 1 : (double) spanMicros / count;
            this.clockMicros = micros(Institution.EPOCH);
            int w = 0;
            for (int i = 0; i < TYPES.length; i++) {
                w += weight(i);
            }
            this.totalWeight = w;
        }

        @Override
        public boolean hasNext() {
            fill();
            return !queue.isEmpty();
        }

        @Override
        public Message next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return queue.poll().message;
        }

        /** Generates events until the earliest pending message is due (nothing later can be received before it). */
        private void fill() {
            while (produced < count && (queue.isEmpty() || queue.peek().receivedMicros > clockMicros)) {
                clockMicros += (long) (-Math.log(1 - random.nextDouble()) * meanGapMicros) + 1;
                generateOne();
            }
        }

        private void generateOne() {
            Instant at = instant(clockMicros);
            String type = pickType();
            boolean caliper = LiveEventTemplates.hasCaliper(type) && random.nextDouble() < caliperShare;
            LiveEventTemplates.Scene scene = scene(type);
            long delay = random.nextDouble() < lateShare
                    ? Duration.ofMinutes(60 + random.nextInt(72 * 60)).toNanos() / 1000
                    : 20_000 + random.nextInt(3_000_000);
            long received = clockMicros + delay;
            LiveEventTemplates.Built built = caliper
                    ? templates.caliper(type, at, instant(clockMicros + random.nextInt(500_000)), scene)
                    : templates.canvas(type, at, scene);
            String body = LiveEventTemplates.compact(built.body());
            Map<String, String> attributes = LiveEventTemplates.attributes(built.eventName(), built.eventTime());
            if (random.nextDouble() < malformedShare) {
                Message bad = malformed(body, built, caliper, received);
                add(received, bad);
                return;
            }
            String id = uuid();
            add(received, new Message(id, instant(received), attributes, body));
            if (produced < count && random.nextDouble() < duplicateShare) {
                if (random.nextInt(10) < 7) {
                    // SQS redelivery after a visibility timeout: same message, later
                    long again = received + 30_000_000L + random.nextInt(900) * 1_000_000L;
                    add(again, new Message(id, instant(again), attributes, body));
                } else {
                    // the same event published again, serialised differently
                    long again = received + random.nextInt(120) * 1_000_000L + 1;
                    String other = LiveEventTemplates.reserialised(built.body(), random.nextBoolean());
                    add(again, new Message(uuid(), instant(again), attributes, other));
                }
            }
        }

        private Message malformed(String body, LiveEventTemplates.Built built, boolean caliper, long received) {
            Map<String, String> attributes = LiveEventTemplates.attributes(built.eventName(), built.eventTime());
            int kind = random.nextInt(5);
            String text;
            switch (kind) {
                case 0, 1 -> text = body.substring(0, 1 + random.nextInt(Math.max(1, body.length() - 2)));
                case 2 -> text = "<html><body><h1>502 Bad Gateway</h1></body></html>";
                case 3 -> text = "{\"ping\":\"healthcheck\",\"at\":\"" + instant(received) + "\"}";
                default -> {
                    if (caliper) {
                        attributes = LiveEventTemplates.attributes(null, built.eventTime());
                        text = body;
                    } else {
                        ObjectNode copy = built.body().deepCopy();
                        ((ObjectNode) copy.get("metadata")).remove("event_name");
                        attributes = LiveEventTemplates.attributes(null, built.eventTime());
                        text = LiveEventTemplates.compact(copy);
                    }
                }
            }
            return new Message(uuid(), instant(received), attributes, text);
        }

        private void add(long receivedMicros, Message m) {
            queue.add(new Pending(receivedMicros, order++, m));
            produced++;
        }

        private String pickType() {
            int r = random.nextInt(totalWeight);
            for (int i = 0; i < TYPES.length; i++) {
                r -= weight(i);
                if (r < 0) {
                    return TYPES[i];
                }
            }
            throw new IllegalStateException("no event type picked");
        }

        /** An enrollment's user in its course; teachers act for grading and course work. */
        private LiveEventTemplates.Scene scene(String type) {
            List<Institution.Enrollment> enrollments = institution.enrollments();
            Institution.Enrollment e = enrollments.get(random.nextInt(enrollments.size()));
            Institution.Course course = courses.get(e.courseId());
            List<Institution.Assignment> assignments = assignmentsByCourse.getOrDefault(course.id(),
                    institution.assignments());
            Institution.Assignment assignment = assignments.get(random.nextInt(assignments.size()));
            Institution.User student = users.get(e.userId());
            boolean teacherActs = type.equals("grade_change") || type.startsWith("assignment_")
                    || type.equals("discussion_topic_created") || type.equals("course_updated")
                    || type.startsWith("enrollment_") || type.equals("wiki_page_updated");
            Institution.User actor = student;
            String role = e.role();
            if (teacherActs) {
                Institution.Enrollment teacher = teachers.getOrDefault(course.id(), e);
                actor = users.get(teacher.userId());
                role = teacher.role();
            }
            return new LiveEventTemplates.Scene(actor, course, assignment, student, e, role);
        }

        private String uuid() {
            return new UUID(random.nextLong(), random.nextLong()).toString();
        }
    }

    private int weight(int type) {
        return only.isEmpty() || only.contains(TYPES[type]) ? WEIGHTS[type] : 0;
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }
}
