package org.canvaslake.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic Canvas institution, deterministic from a seed: users, courses, assignments and enrollments. The
 * event generator, the fake Canvas REST API and the fake DAP API all serve this same institution, so the ids in
 * generated events join with the entities the fake APIs return.
 *
 * <p>Ids: the REST API and DAP use local ids; live events use Canvas global ids ({@link #globalId}).
 * {@link #evolve(int)} gives the institution as a later snapshot sees it: some entities renamed, some deleted,
 * some new.
 */
public final class Institution {

    /** The shard of our synthetic Canvas: global id = SHARD * 10^13 + local id. */
    public static final long SHARD = 1707;
    public static final long GLOBAL_ID_BASE = 10_000_000_000_000L;
    public static final long ROOT_ACCOUNT_ID = 1;
    public static final Instant EPOCH = Instant.parse("2026-08-24T00:00:00Z");

    private static final String[] FIRST = {"Ada", "Ben", "Chloe", "Dmitri", "Esra", "Farah", "Gao", "Hana", "Ivan",
            "Jules", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
            "Wen", "Ximena", "Yusuf", "Zoe"};
    private static final String[] LAST = {"Abara", "Berg", "Costa", "Dubois", "Eze", "Fischer", "Garcia", "Haddad",
            "Ito", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi",
            "Santos", "Tanaka", "Usman", "Varga", "Wong", "Xu", "Yilmaz", "Zimmer"};
    private static final String[] SUBJECTS = {"Biology", "Chemistry", "Physics", "History", "Literature",
            "Mathematics", "Economics", "Philosophy", "Statistics", "Computer Science", "Art History", "Psychology"};
    private static final String[] ASSIGNMENT_KINDS = {"Essay", "Problem Set", "Lab Report", "Quiz", "Reading Response",
            "Project Milestone", "Discussion Post", "Midterm", "Final Exam"};

    public record Size(int users, int courses, int assignmentsPerCourse, int studentsPerCourse) {
        public static final Size DEMO = new Size(200, 20, 6, 25);
        public static final Size TEST = new Size(40, 6, 4, 10);
    }

    public record User(long id, String name, String sortableName, String shortName, String loginId, String email,
                       String sisUserId, String workflowState, Instant createdAt) {
    }

    public record Course(long id, String name, String courseCode, String workflowState, long accountId,
                         long termId, String sisCourseId, Instant startAt, Instant endAt, Instant createdAt) {
    }

    public record Assignment(long id, long courseId, String name, Instant dueAt, double pointsPossible,
                             String submissionTypes, String workflowState, Instant createdAt, Instant updatedAt) {
    }

    public record Enrollment(long id, long userId, long courseId, String type, String role, String enrollmentState,
                             Instant createdAt, Instant updatedAt) {
    }

    private final long seed;
    private final int version;
    private final List<User> users;
    private final List<Course> courses;
    private final List<Assignment> assignments;
    private final List<Enrollment> enrollments;

    private Institution(long seed, int version, List<User> users, List<Course> courses, List<Assignment> assignments,
                        List<Enrollment> enrollments) {
        this.seed = seed;
        this.version = version;
        this.users = Collections.unmodifiableList(users);
        this.courses = Collections.unmodifiableList(courses);
        this.assignments = Collections.unmodifiableList(assignments);
        this.enrollments = Collections.unmodifiableList(enrollments);
    }

    public static long globalId(long localId) {
        return SHARD * GLOBAL_ID_BASE + localId;
    }

    public static Institution generate(long seed, Size size) {
        SplittableRandom random = new SplittableRandom(seed);
        List<User> users = new ArrayList<>();
        for (int i = 0; i < size.users(); i++) {
            users.add(user(100 + i, random));
        }
        List<Course> courses = new ArrayList<>();
        List<Assignment> assignments = new ArrayList<>();
        List<Enrollment> enrollments = new ArrayList<>();
        long assignmentId = 5000;
        long enrollmentId = 9000;
        for (int c = 0; c < size.courses(); c++) {
            Course course = course(200 + c, random);
            courses.add(course);
            for (int a = 0; a < size.assignmentsPerCourse(); a++) {
                assignments.add(assignment(assignmentId++, course, a, random));
            }
            // a teacher, then students drawn without repetition
            List<Integer> pool = new ArrayList<>();
            for (int u = 0; u < users.size(); u++) {
                pool.add(u);
            }
            for (int s = 0; s <= Math.min(size.studentsPerCourse(), users.size() - 1); s++) {
                int pick = pool.remove(random.nextInt(pool.size()));
                String type = s == 0 ? "TeacherEnrollment" : "StudentEnrollment";
                Instant at = course.createdAt().plus(Duration.ofHours(1 + random.nextInt(72)));
                enrollments.add(new Enrollment(enrollmentId++, users.get(pick).id(), course.id(), type,
                        type, "active", at, at));
            }
        }
        return new Institution(seed, 0, users, courses, assignments, enrollments);
    }

    /**
     * The institution {@code steps} snapshots later: per step a few courses renamed, user names changed,
     * assignments re-dated, one user and one assignment deleted, and new users/courses/enrollments added.
     * Deterministic: the same seed and steps give the same result.
     */
    public Institution evolve(int steps) {
        Institution current = this;
        for (int s = 0; s < steps; s++) {
            current = current.step();
        }
        return current;
    }

    private Institution step() {
        int next = version + 1;
        SplittableRandom random = new SplittableRandom(seed * 31 + next);
        Instant changedAt = EPOCH.plus(Duration.ofDays(7L * next));
        List<User> u = new ArrayList<>(users);
        List<Course> c = new ArrayList<>(courses);
        List<Assignment> a = new ArrayList<>(assignments);
        List<Enrollment> e = new ArrayList<>(enrollments);
        if (!c.isEmpty()) {
            int i = random.nextInt(c.size());
            Course old = c.get(i);
            c.set(i, new Course(old.id(), old.name() + " (renamed v" + next + ")", old.courseCode(),
                    old.workflowState(), old.accountId(), old.termId(), old.sisCourseId(), old.startAt(), old.endAt(),
                    old.createdAt()));
        }
        if (u.size() > 2) {
            int i = random.nextInt(u.size());
            User old = u.get(i);
            String last = LAST[random.nextInt(LAST.length)];
            String first = old.shortName();
            u.set(i, new User(old.id(), first + " " + last, last + ", " + first, first, old.loginId(), old.email(),
                    old.sisUserId(), old.workflowState(), old.createdAt()));
            long removed = u.remove(random.nextInt(u.size())).id();
            e.removeIf(x -> x.userId() == removed);
        }
        if (!a.isEmpty()) {
            int i = random.nextInt(a.size());
            Assignment old = a.get(i);
            a.set(i, new Assignment(old.id(), old.courseId(), old.name(), old.dueAt().plus(Duration.ofDays(2)),
                    old.pointsPossible(), old.submissionTypes(), old.workflowState(), old.createdAt(), changedAt));
            a.remove(random.nextInt(a.size()));
        }
        long nextUser = u.stream().mapToLong(User::id).max().orElse(99) + 1;
        User added = user(Math.max(nextUser, 100 + 10_000L * next), random);
        u.add(added);
        if (!c.isEmpty()) {
            Course course = c.get(random.nextInt(c.size()));
            long nextEnrollment = e.stream().mapToLong(Enrollment::id).max().orElse(8999) + 1;
            e.add(new Enrollment(nextEnrollment, added.id(), course.id(), "StudentEnrollment", "StudentEnrollment",
                    "active", changedAt, changedAt));
        }
        return new Institution(seed, next, u, c, a, e);
    }

    private static User user(long id, SplittableRandom random) {
        String first = FIRST[random.nextInt(FIRST.length)];
        String last = LAST[random.nextInt(LAST.length)];
        String login = (first.charAt(0) + last).toLowerCase() + id;
        return new User(id, first + " " + last, last + ", " + first, first, login, login + "@example.edu",
                "SIS-U" + id, "registered", EPOCH.minus(Duration.ofDays(30 + random.nextInt(700))));
    }

    private static Course course(long id, SplittableRandom random) {
        String subject = SUBJECTS[random.nextInt(SUBJECTS.length)];
        int level = 100 + 10 * random.nextInt(40);
        String code = subject.substring(0, 3).toUpperCase() + "-" + level;
        Instant created = EPOCH.minus(Duration.ofDays(20 + random.nextInt(20)));
        String state = random.nextInt(10) == 0 ? "completed" : "available";
        return new Course(id, subject + " " + level, code, state, ROOT_ACCOUNT_ID, 1, "SIS-C" + id,
                EPOCH, EPOCH.plus(Duration.ofDays(110)), created);
    }

    private static Assignment assignment(long id, Course course, int index, SplittableRandom random) {
        String kind = ASSIGNMENT_KINDS[random.nextInt(ASSIGNMENT_KINDS.length)];
        Instant due = course.startAt().plus(Duration.ofDays(7L * (index + 1))).plus(Duration.ofHours(23))
                .plus(Duration.ofMinutes(59));
        String types = kind.equals("Quiz") ? "online_quiz" : "online_upload,online_text_entry";
        Instant created = course.createdAt().plus(Duration.ofHours(random.nextInt(48)));
        return new Assignment(id, course.id(), kind + " " + (index + 1), due, 10.0 * (1 + random.nextInt(10)), types,
                "published", created, created);
    }

    public long seed() {
        return seed;
    }

    /** How many snapshots after generation this is (0 = as generated). */
    public int version() {
        return version;
    }

    public List<User> users() {
        return users;
    }

    public List<Course> courses() {
        return courses;
    }

    public List<Assignment> assignments() {
        return assignments;
    }

    public List<Enrollment> enrollments() {
        return enrollments;
    }
}
