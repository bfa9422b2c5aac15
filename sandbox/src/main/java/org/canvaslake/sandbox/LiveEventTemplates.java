package org.canvaslake.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds live events for the sandbox institution in the shapes of Instructure's published examples (field names
 * and order, which metadata a job- or API-triggered event lacks, global ids in metadata, local ids in some bodies,
 * the Ruby-style times of job-generated events), in the Canvas format and in Caliper 1.1. Our own templates: no
 * published payload is read at run time.
 */
final class LiveEventTemplates {

    static final String HOST = "canvas.example.edu";
    static final String SENSOR = "http://" + HOST + "/";
    static final String ROOT_UUID = "Sbx7Lk2mQ9vR4tYw8zPq3nHc6dJf1aGe5uXo0iKs";
    static final String LTI_GUID = ROOT_UUID + "." + HOST;
    static final String CALIPER_CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p1";
    static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/124.0.0.0 Safari/537.36";
    private static final String[] TIME_ZONES = {"America/New_York", "America/Chicago", "America/Denver",
            "America/Los_Angeles", "Europe/London", null};
    private static final DateTimeFormatter RUBY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx", Locale.ROOT);
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx",
            Locale.ROOT);

    /** Who does what where: the actor, the course and (for course work) an assignment and a student. */
    record Scene(Institution.User actor, Institution.Course course, Institution.Assignment assignment,
                 Institution.User student, Institution.Enrollment enrollment, String role) {
    }

    /** A generated event: its name, its time text (as in the event and the event_time attribute) and its body. */
    record Built(String eventName, String eventTime, ObjectNode body) {
    }

    private final SplittableRandom random;

    LiveEventTemplates(SplittableRandom random) {
        this.random = random;
    }

    /** Event types that have a Caliper template here (the others are sent in the Canvas format only). */
    static boolean hasCaliper(String eventName) {
        return switch (eventName) {
            case "asset_accessed", "logged_in", "submission_created", "grade_change", "assignment_created",
                    "assignment_updated", "discussion_entry_created", "enrollment_created", "course_updated",
                    "quiz_submitted" -> true;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ Canvas format

    Built canvas(String name, Instant at, Scene s) {
        ObjectNode event = Json.object();
        ObjectNode meta = event.putObject("metadata");
        ObjectNode body = Json.object();
        String time = eventTimeText(at);
        boolean jobGenerated = false;
        switch (name) {
            case "asset_accessed" -> {
                String[] kind = pick(new String[][]{
                        {"course", "course", null, "home"}, {"assignment", "assignments", null, "assignments"},
                        {"wiki_page", "pages", null, "wiki"}, {"attachment", "files", null, "files"},
                        {"course", "course", "modules", "modules"}, {"discussion_topic", "discussion_topics", null,
                        "topics"}, {"quizzes:quiz", "quizzes", null, "quizzes"}});
                long assetId = kind[0].equals("course") ? s.course().id()
                        : kind[0].equals("assignment") ? s.assignment().id() : 100_000 + random.nextInt(5000);
                String path = "/courses/" + s.course().id() + (kind[0].equals("course")
                        ? (kind[2] == null ? "" : "/" + kind[2]) : "/" + kind[1] + "/" + assetId);
                // one in a hundred page views comes from an API client that put its token in the URL
                String url = "https://" + HOST + path + (random.nextInt(100) == 0
                        ? "?access_token=" + token() : "");
                requestMetadata(meta, s, "GET", url, name, time);
                body.put("asset_name", kind[0].equals("course") ? s.course().name()
                        : kind[0].equals("assignment") ? s.assignment().name() : "Item " + assetId);
                body.put("asset_type", kind[0]);
                body.put("asset_id", gid(assetId));
                body.put("asset_subtype", kind[2]);
                body.put("category", kind[3]);
                body.put("role", s.role());
                body.putNull("level");
            }
            case "logged_in" -> {
                requestMetadata(meta, s, "POST", "https://" + HOST + "/login/canvas", name, time);
                removeContext(meta);
                body.put("redirect_url", "https://" + HOST + "/");
            }
            case "logged_out" -> {
                requestMetadata(meta, s, "DELETE", "https://" + HOST + "/logout", name, time);
                removeContext(meta);
            }
            case "submission_created", "submission_updated" -> {
                boolean lti = random.nextInt(10) == 0;
                requestMetadata(meta, s, "POST", lti ? "https://" + HOST + "/api/lti/v1/tools/4539/grade_passback"
                        : "https://" + HOST + "/courses/" + s.course().id() + "/assignments/" + s.assignment().id()
                        + "/submissions", name, time);
                if (lti) {
                    // LTI grade passback: no user and no context in the metadata, as published
                    removeUser(meta);
                    removeContext(meta);
                }
                submissionBody(body, s, at, name.equals("submission_updated"));
            }
            case "grade_change" -> {
                requestMetadata(meta, s, "PUT", "https://" + HOST + "/api/v1/courses/" + s.course().id()
                        + "/assignments/" + s.assignment().id() + "/submissions/" + s.student().id(), name, time);
                double points = s.assignment().pointsPossible();
                long score = random.nextInt((int) points + 1);
                body.put("assignment_id", gid(s.assignment().id()));
                body.put("grade", String.valueOf(score));
                body.put("grader_id", gid(s.actor().id()));
                body.put("grading_complete", true);
                body.put("muted", false);
                body.put("old_grade", random.nextInt(3) == 0 ? null : String.valueOf(Math.max(0, score - 1)));
                body.put("old_points_possible", points);
                body.put("old_score", random.nextInt(3) == 0 ? null : Math.max(0, score - 1));
                body.put("points_possible", points);
                body.put("score", score);
                body.put("student_id", gid(s.student().id()));
                body.put("student_sis_id", s.student().sisUserId());
                body.put("submission_id", gid(submissionId(s)));
                body.put("user_id", gid(s.student().id()));
            }
            case "assignment_created", "assignment_updated" -> {
                requestMetadata(meta, s, name.endsWith("created") ? "POST" : "PUT", "https://" + HOST
                        + "/api/v1/courses/" + s.course().id() + "/assignments"
                        + (name.endsWith("created") ? "" : "/" + s.assignment().id()), name, time);
                Institution.Assignment a = s.assignment();
                body.put("assignment_group_id", gid(700 + a.courseId()));
                body.put("assignment_id", gid(a.id()));
                body.put("context_id", gid(a.courseId()));
                body.put("context_type", "Course");
                body.put("context_uuid", uuidish(a.courseId()));
                body.put("created_on_blueprint_sync", false);
                body.put("description", "<p>" + a.name() + ": see the course page.</p>");
                body.put("due_at", ISO_SECONDS.format(a.dueAt()));
                body.put("lock_at", ISO_SECONDS.format(a.dueAt().plus(Duration.ofDays(3))));
                body.put("lti_assignment_id", uuid());
                body.put("lti_resource_link_id", hex(40));
                body.putNull("lti_resource_link_id_duplicated_from");
                body.put("points_possible", a.pointsPossible());
                body.put("submission_types", a.submissionTypes());
                body.put("title", a.name());
                body.put("unlock_at", ISO_SECONDS.format(a.createdAt()));
                body.put("updated_at", ISO_SECONDS.format(at));
                body.put("workflow_state", a.workflowState());
            }
            case "discussion_entry_created" -> {
                long topic = 3000 + s.course().id() * 10 + random.nextInt(5);
                requestMetadata(meta, s, "POST", "https://" + HOST + "/api/v1/courses/" + s.course().id()
                        + "/discussion_topics/" + topic + "/entries", name, time);
                // the published example has global ids in metadata and local ids in the body
                body.put("created_at", ISO_SECONDS.format(at));
                body.put("discussion_entry_id", String.valueOf(50_000 + random.nextInt(900_000)));
                body.put("discussion_topic_id", String.valueOf(topic));
                body.put("parent_discussion_entry_id", random.nextBoolean() ? null
                        : String.valueOf(50_000 + random.nextInt(900_000)));
                body.put("text", "<p>" + pick(new String[]{"I think the reading argues", "Good point about",
                        "Could someone explain", "Here is my take on", "Agreed, and also"}) + " week "
                        + (1 + random.nextInt(12)) + ".</p>");
                body.put("user_id", String.valueOf(s.actor().id()));
            }
            case "discussion_topic_created" -> {
                jobGenerated = random.nextInt(3) == 0;
                long topic = 3000 + s.course().id() * 10 + random.nextInt(5);
                requestMetadata(meta, s, "POST", "https://" + HOST + "/courses/" + s.course().id()
                        + "/discussion_topics", name, time);
                body.put("assignment_id", random.nextBoolean() ? gid(s.assignment().id()) : null);
                body.put("body", "<h3>Discuss</h3> What do you think about week " + (1 + random.nextInt(12)) + "?");
                body.put("context_id", gid(s.course().id()));
                body.put("context_type", "Course");
                body.put("discussion_topic_id", gid(topic));
                body.put("is_announcement", random.nextInt(5) == 0);
                body.putNull("lock_at");
                body.put("title", "Week " + (1 + random.nextInt(12)) + " discussion");
                body.put("updated_at", ISO_MILLIS.format(at));
                body.put("workflow_state", "active");
            }
            case "enrollment_created", "enrollment_updated" -> {
                Institution.Enrollment e = s.enrollment();
                requestMetadata(meta, s, "POST", "https://" + HOST + "/api/v1/sections/" + (800 + e.courseId())
                        + "/enrollments?enrollment[user_id]=" + e.userId() + "&amp;enrollment[type]=" + e.type(),
                        name, time);
                jobGenerated = name.equals("enrollment_updated") && random.nextBoolean();
                body.putNull("associated_user_id");
                body.put("course_id", gid(e.courseId()));
                body.put("course_section_id", gid(800 + e.courseId()));
                body.put("created_at", ISO_SECONDS.format(e.createdAt()));
                body.put("enrollment_id", gid(e.id()));
                body.put("limit_privileges_to_course_section", false);
                body.put("type", e.type());
                body.put("updated_at", ISO_SECONDS.format(at));
                body.put("user_id", gid(e.userId()));
                body.put("user_name", s.student().name());
                body.put("workflow_state", name.endsWith("created") ? "invited" : e.enrollmentState());
            }
            case "course_updated" -> {
                // job-generated (SIS import): no user or request metadata, Ruby-style times, as published
                jobGenerated = true;
                time = RUBY.format(at.atOffset(ZoneOffset.ofHours(-7)));
                Institution.Course c = s.course();
                body.put("account_id", gid(c.accountId()));
                body.put("course_id", gid(c.id()));
                body.put("created_at", ISO_MILLIS.format(c.createdAt()));
                body.put("name", c.name());
                body.put("updated_at", time);
                body.put("uuid", uuidish(c.id()));
                body.put("workflow_state", c.workflowState());
            }
            case "user_updated" -> {
                requestMetadata(meta, s, "PUT", "https://" + HOST + "/api/v1/users/" + s.actor().id(), name, time);
                Institution.User u = s.actor();
                body.put("created_at", ISO_SECONDS.format(u.createdAt()));
                body.put("name", u.name());
                body.put("short_name", u.shortName());
                body.put("updated_at", ISO_MILLIS.format(at));
                body.put("user_id", gid(u.id()));
                body.put("user_login", u.loginId());
                body.put("user_sis_id", u.sisUserId());
                body.put("uuid", uuidish(u.id()));
                body.put("workflow_state", u.workflowState());
            }
            case "wiki_page_updated" -> {
                jobGenerated = random.nextInt(4) == 0;
                requestMetadata(meta, s, "PUT", "https://" + HOST + "/courses/" + s.course().id() + "/pages/week",
                        name, time);
                long page = 4000 + s.course().id() * 10 + random.nextInt(8);
                body.put("body", "<p>Week notes, revision " + random.nextInt(20) + "</p>");
                body.put("old_body", "<p>Week notes</p>");
                body.put("old_title", "Week notes");
                body.put("title", "Week notes (updated)");
                body.put("wiki_page_id", gid(page));
            }
            case "attachment_created" -> {
                requestMetadata(meta, s, "POST", "https://" + HOST + "/api/v1/files/capture", name, time);
                removeUser(meta);
                removeContext(meta);
                long id = 60_000 + random.nextInt(900_000);
                String file = pick(new String[]{"notes week 3.pdf", "lab (1).csv", "essay draft.docx"});
                body.put("attachment_id", gid(id));
                body.put("content_type", file.endsWith(".pdf") ? "application/pdf" : file.endsWith(".csv")
                        ? "text/csv" : "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
                body.put("context_id", gid(s.course().id()));
                body.put("context_type", "Course");
                body.put("display_name", file);
                body.put("filename", file.replace(" ", "+").replace("(", "%28").replace(")", "%29"));
                body.put("folder_id", gid(900 + s.course().id()));
                body.putNull("lock_at");
                body.putNull("unlock_at");
                body.put("updated_at", ISO_SECONDS.format(at));
                body.put("user_id", gid(s.actor().id()));
            }
            case "quiz_submitted" -> {
                long quiz = 2_000 + s.assignment().id();
                requestMetadata(meta, s, "POST", "https://" + HOST + "/courses/" + s.course().id() + "/quizzes/"
                        + quiz + "/submissions?user_id=" + s.actor().id(), name, time);
                body.put("quiz_id", gid(quiz));
                body.put("submission_id", gid(submissionId(s)));
            }
            case "conversation_message_created" -> {
                requestMetadata(meta, s, "POST", "https://" + HOST + "/api/v1/conversations", name, time);
                removeContext(meta);
                body.put("author_id", String.valueOf(s.actor().id()));
                body.put("conversation_id", String.valueOf(10_000 + random.nextInt(5000)));
                body.put("created_at", ISO_SECONDS.format(at));
                body.put("message_id", String.valueOf(100_000 + random.nextInt(900_000)));
            }
            default -> throw new IllegalArgumentException("No Canvas template for event " + name);
        }
        if (jobGenerated) {
            jobMetadata(meta, name, time);
        }
        event.set("body", body);
        return new Built(name, time, event);
    }

    private void requestMetadata(ObjectNode m, Scene s, String method, String url, String name, String time) {
        Institution.User u = s.actor();
        Institution.Course c = s.course();
        m.put("client_ip", "198.51.100." + (1 + u.id() % 250));
        m.put("context_account_id", gid(c.accountId()));
        m.put("context_id", gid(c.id()));
        m.put("context_role", s.role());
        m.put("context_sis_source_id", c.sisCourseId());
        m.put("context_type", "Course");
        m.put("event_name", name);
        m.put("event_time", time);
        m.put("hostname", HOST);
        m.put("http_method", method);
        m.put("producer", "canvas");
        m.put("referrer", random.nextInt(4) == 0 ? null : "https://" + HOST + "/courses/" + c.id());
        m.put("request_id", uuid());
        m.put("root_account_id", gid(Institution.ROOT_ACCOUNT_ID));
        m.put("root_account_lti_guid", LTI_GUID);
        m.put("root_account_uuid", ROOT_UUID);
        m.put("session_id", hex(32));
        m.put("time_zone", TIME_ZONES[(int) (u.id() % TIME_ZONES.length)]);
        m.put("url", url);
        m.put("user_account_id", gid(Institution.ROOT_ACCOUNT_ID));
        m.put("user_agent", USER_AGENT);
        m.put("user_id", gid(u.id()));
        m.put("user_login", u.loginId());
        m.put("user_sis_id", u.sisUserId());
    }

    /** Job-generated events carry the job instead of a user, a request or a session. */
    private void jobMetadata(ObjectNode m, String name, String time) {
        m.removeAll();
        m.put("event_name", name);
        m.put("event_time", time);
        m.put("job_id", String.valueOf(1_020_020_000_000_000L + random.nextInt(1_000_000)));
        m.put("job_tag", pick(new String[]{"SIS::CSV::ImportRefactored#run_parallel_importer",
                "Canvas::Migration::Worker::CourseCopyWorker#perform", "ContentMigration#import_content"}));
        m.put("producer", "canvas");
        m.put("root_account_id", gid(Institution.ROOT_ACCOUNT_ID));
        m.put("root_account_lti_guid", LTI_GUID);
        m.put("root_account_uuid", ROOT_UUID);
    }

    private static void removeUser(ObjectNode m) {
        m.remove(List.of("user_id", "user_login", "user_sis_id", "user_account_id", "time_zone"));
    }

    private static void removeContext(ObjectNode m) {
        m.remove(List.of("context_account_id", "context_id", "context_role", "context_sis_source_id", "context_type"));
    }

    private void submissionBody(ObjectNode body, Scene s, Instant at, boolean graded) {
        boolean late = at.isAfter(s.assignment().dueAt());
        body.put("assignment_id", gid(s.assignment().id()));
        body.put("attempt", 1 + random.nextInt(3));
        body.put("body", s.assignment().submissionTypes().contains("online_text_entry") ? "My answer, draft "
                + (1 + random.nextInt(5)) : null);
        body.put("grade", graded ? String.valueOf(random.nextInt((int) s.assignment().pointsPossible() + 1)) : null);
        body.put("graded_at", graded ? ISO_SECONDS.format(at) : null);
        body.putNull("group_id");
        body.put("late", late);
        body.put("lti_assignment_id", uuidish(s.assignment().id()));
        body.putNull("lti_user_id");
        body.put("missing", false);
        if (graded) {
            body.put("score", Math.round(s.assignment().pointsPossible() * (0.5 + random.nextDouble() / 2) * 10) / 10.0);
        } else {
            body.putNull("score");
        }
        body.put("submission_id", gid(submissionId(s)));
        body.put("submission_type", s.assignment().submissionTypes().split(",")[0]);
        body.put("submitted_at", ISO_SECONDS.format(at));
        body.put("updated_at", ISO_SECONDS.format(at));
        body.putNull("url");
        body.put("user_id", gid(s.student().id()));
        body.put("workflow_state", graded ? "graded" : "submitted");
    }

    // ------------------------------------------------------------------ Caliper 1.1

    Built caliper(String name, Instant at, Instant sent, Scene s) {
        ObjectNode envelope = Json.object();
        envelope.put("sensor", SENSOR);
        envelope.put("sendTime", ISO_MILLIS.format(sent));
        envelope.put("dataVersion", CALIPER_CONTEXT);
        ObjectNode e = envelope.putArray("data").addObject();
        e.put("@context", CALIPER_CONTEXT);
        e.put("id", "urn:uuid:" + uuid());
        String time = ISO_MILLIS.format(at);
        String requestUrl;
        switch (name) {
            case "asset_accessed" -> {
                e.put("type", "NavigationEvent");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", "NavigatedTo");
                ObjectNode o = e.putObject("object");
                o.put("id", urn("assignment", s.assignment().id()));
                o.put("type", "Entity");
                o.put("name", "assignment");
                ObjectNode ext = ext(o);
                ext.put("asset_name", s.assignment().name());
                ext.put("asset_type", "assignment");
                ext.put("entity_id", gid(s.assignment().id()));
                ext.put("context_account_id", gid(s.course().accountId()));
                ext.put("http_method", "GET");
                requestUrl = "https://" + HOST + "/courses/" + s.course().id() + "/assignments/" + s.assignment().id();
                e.put("eventTime", time);
                e.put("referrer", "https://" + HOST + "/courses/" + s.course().id());
                common(e, s, requestUrl, true);
            }
            case "logged_in" -> {
                e.put("type", "SessionEvent");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", "LoggedIn");
                ObjectNode o = e.putObject("object");
                o.put("id", SENSOR);
                o.put("type", "SoftwareApplication");
                ext(o).put("redirect_url", "https://" + HOST + "/");
                e.put("eventTime", time);
                e.put("referrer", "https://" + HOST + "/login/canvas");
                common(e, s, "https://" + HOST + "/login/canvas", false);
            }
            case "submission_created" -> {
                e.put("type", "AssignableEvent");
                person(e.putObject("actor"), s.student(), false);
                e.put("action", "Submitted");
                ObjectNode o = e.putObject("object");
                long sub = submissionId(s);
                o.put("id", urn("submission", sub));
                o.put("type", "Attempt");
                o.put("dateCreated", ISO_MILLIS.format(at));
                ObjectNode ext = ext(o);
                ext.put("submission_type", s.assignment().submissionTypes().split(",")[0]);
                ext.putNull("url");
                ext.put("entity_id", gid(sub));
                ObjectNode assignee = o.putObject("assignee");
                assignee.put("id", urn("user", s.student().id()));
                assignee.put("type", "Person");
                ObjectNode assignable = o.putObject("assignable");
                assignable.put("id", urn("assignment", s.assignment().id()));
                assignable.put("type", "AssignableDigitalResource");
                o.put("count", 1 + random.nextInt(3));
                o.put("body", "My answer, draft " + (1 + random.nextInt(5)));
                e.put("eventTime", time);
                common(e, s, "https://" + HOST + "/courses/" + s.course().id() + "/assignments/"
                        + s.assignment().id() + "/submissions", true);
            }
            case "grade_change" -> {
                e.put("type", "GradeEvent");
                ObjectNode actor = e.putObject("actor");
                // the published grade_change actor is a bare Person without extensions
                actor.put("id", urn("user", s.actor().id()));
                actor.put("type", "Person");
                e.put("action", "Graded");
                long sub = submissionId(s);
                long score = random.nextInt((int) s.assignment().pointsPossible() + 1);
                ObjectNode o = e.putObject("object");
                attempt(o, s, sub, score);
                e.put("eventTime", time);
                ObjectNode g = e.putObject("generated");
                g.put("id", urn("submission", sub));
                g.put("type", "Score");
                ObjectNode gext = ext(g);
                gext.put("grade", String.valueOf(score));
                gext.put("entity_id", gid(sub));
                attempt(g.putObject("attempt"), s, sub, score);
                g.put("maxScore", s.assignment().pointsPossible());
                g.put("scoreGiven", score);
                g.put("scoredBy", urn("user", s.actor().id()));
                e.put("referrer", "https://" + HOST + "/courses/" + s.course().id() + "/gradebook");
                common(e, s, "https://" + HOST + "/api/v1/courses/" + s.course().id() + "/assignments/"
                        + s.assignment().id() + "/submissions/" + s.student().id(), true);
            }
            case "assignment_created", "assignment_updated" -> {
                e.put("type", "Event");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", name.endsWith("created") ? "Created" : "Modified");
                Institution.Assignment a = s.assignment();
                ObjectNode o = e.putObject("object");
                o.put("id", urn("assignment", a.id()));
                o.put("type", "AssignableDigitalResource");
                o.put("name", a.name());
                o.put("description", "<p>" + a.name() + ": see the course page.</p>");
                o.put("dateCreated", ISO_MILLIS.format(a.createdAt()));
                ObjectNode ext = ext(o);
                ext.put("lock_at", ISO_MILLIS.format(a.dueAt().plus(Duration.ofDays(3))));
                ext.put("entity_id", gid(a.id()));
                o.put("dateToShow", ISO_MILLIS.format(a.createdAt()));
                o.put("dateToSubmit", ISO_MILLIS.format(a.dueAt()));
                o.put("maxScore", a.pointsPossible());
                e.put("eventTime", time);
                common(e, s, "https://" + HOST + "/api/v1/courses/" + s.course().id() + "/assignments", true);
            }
            case "discussion_entry_created" -> {
                e.put("type", "MessageEvent");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", "Posted");
                long entry = 50_000 + random.nextInt(900_000);
                long topic = 3000 + s.course().id() * 10 + random.nextInt(5);
                ObjectNode o = e.putObject("object");
                o.put("id", "urn:instructure:canvas:discussionEntry:" + entry);
                o.put("type", "Message");
                ext(o).put("entity_id", String.valueOf(entry));
                ObjectNode thread = o.putObject("isPartOf");
                thread.put("id", "urn:instructure:canvas:discussion:" + topic);
                thread.put("type", "Thread");
                o.put("body", "<p>Good point about week " + (1 + random.nextInt(12)) + ".</p>");
                e.put("eventTime", time);
                e.put("referrer", "https://" + HOST + "/courses/" + s.course().id() + "/discussion_topics/" + topic);
                common(e, s, "https://" + HOST + "/api/v1/courses/" + s.course().id() + "/discussion_topics/"
                        + topic + "/entries", true);
            }
            case "enrollment_created" -> {
                e.put("type", "Event");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", "Created");
                Institution.Enrollment en = s.enrollment();
                ObjectNode o = e.putObject("object");
                o.put("id", urn("enrollment", en.id()));
                o.put("type", "Entity");
                o.put("dateCreated", ISO_MILLIS.format(en.createdAt()));
                ObjectNode ext = ext(o);
                ext.put("course_id", urn("course", en.courseId()));
                ext.put("course_section_id", urn("course", en.courseId()) + ":section:" + gid(800 + en.courseId()));
                ext.put("limit_privileges_to_course_section", false);
                ext.put("type", en.type());
                ext.put("user_id", urn("user", en.userId()));
                ext.put("user_name", s.student().name());
                ext.put("workflow_state", "invited");
                ext.put("entity_id", gid(en.id()));
                e.put("eventTime", time);
                common(e, s, "https://" + HOST + "/api/v1/sections/" + (800 + en.courseId()) + "/enrollments", true);
            }
            case "course_updated" -> {
                e.put("type", "Event");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", "Modified");
                Institution.Course c = s.course();
                ObjectNode o = e.putObject("object");
                o.put("id", urn("course", c.id()));
                o.put("type", "CourseOffering");
                o.put("name", c.name());
                ObjectNode ext = ext(o);
                ext.put("entity_id", gid(c.id()));
                ext.put("workflow_state", c.workflowState());
                e.put("eventTime", time);
                e.put("referrer", "https://" + HOST + "/courses/" + c.id() + "/settings");
                common(e, s, "https://" + HOST + "/api/v1/courses/" + c.id(), false);
            }
            case "quiz_submitted" -> {
                e.put("type", "AssessmentEvent");
                person(e.putObject("actor"), s.actor(), true);
                e.put("action", "Submitted");
                long sub = submissionId(s);
                long quiz = 2_000 + s.assignment().id();
                ObjectNode o = e.putObject("object");
                o.put("id", urn("submission", sub));
                o.put("type", "Attempt");
                ext(o).put("entity_id", gid(sub));
                ObjectNode assignee = o.putObject("assignee");
                assignee.put("id", urn("user", s.actor().id()));
                assignee.put("type", "Person");
                ObjectNode assignable = o.putObject("assignable");
                assignable.put("id", urn("quiz", quiz));
                assignable.put("type", "Assessment");
                e.put("eventTime", time);
                e.put("referrer", "https://" + HOST + "/courses/" + s.course().id() + "/quizzes/" + quiz + "/take");
                common(e, s, "https://" + HOST + "/courses/" + s.course().id() + "/quizzes/" + quiz
                        + "/submissions", true);
            }
            default -> throw new IllegalArgumentException("No Caliper template for event " + name);
        }
        return new Built(name, time, envelope);
    }

    private void person(ObjectNode actor, Institution.User u, boolean withLogin) {
        actor.put("id", urn("user", u.id()));
        actor.put("type", "Person");
        ObjectNode ext = ext(actor);
        if (withLogin) {
            ext.put("user_login", u.loginId());
            ext.put("user_sis_id", u.sisUserId());
        }
        ext.put("root_account_id", gid(Institution.ROOT_ACCOUNT_ID));
        ext.put("root_account_lti_guid", LTI_GUID);
        ext.put("root_account_uuid", ROOT_UUID);
        ext.put("entity_id", gid(u.id()));
    }

    private void attempt(ObjectNode o, Scene s, long sub, long score) {
        o.put("id", urn("submission", sub));
        o.put("type", "Attempt");
        ObjectNode ext = ext(o);
        ext.put("grade", String.valueOf(score));
        ext.put("entity_id", gid(sub));
        ObjectNode assignee = o.putObject("assignee");
        assignee.put("id", urn("user", s.student().id()));
        assignee.put("type", "Person");
        ext(assignee).put("sis_id", s.student().sisUserId());
        ObjectNode assignable = o.putObject("assignable");
        assignable.put("id", urn("assignment", s.assignment().id()));
        assignable.put("type", "AssignableDigitalResource");
    }

    /** edApp, group, membership, session and request extensions shared by the Caliper events. */
    private void common(ObjectNode e, Scene s, String requestUrl, boolean withGroup) {
        ObjectNode app = e.putObject("edApp");
        app.put("id", SENSOR);
        app.put("type", "SoftwareApplication");
        if (withGroup) {
            ObjectNode g = e.putObject("group");
            g.put("id", urn("course", s.course().id()));
            g.put("type", "CourseOffering");
            ObjectNode gext = ext(g);
            gext.put("context_type", "Course");
            gext.put("entity_id", gid(s.course().id()));
            ObjectNode m = e.putObject("membership");
            String role = s.role().startsWith("Teacher") ? "Instructor" : "Learner";
            m.put("id", urn("course", s.course().id()) + ":" + role + ":" + gid(s.actor().id()));
            m.put("type", "Membership");
            ObjectNode member = m.putObject("member");
            member.put("id", urn("user", s.actor().id()));
            member.put("type", "Person");
            ObjectNode org = m.putObject("organization");
            org.put("id", urn("course", s.course().id()));
            org.put("type", "CourseOffering");
            m.putArray("roles").add(role);
        }
        ObjectNode session = e.putObject("session");
        session.put("id", "urn:instructure:canvas:session:" + hex(32));
        session.put("type", "Session");
        ObjectNode ext = ext(e);
        ext.put("hostname", HOST);
        ext.put("request_id", uuid());
        ext.put("user_agent", USER_AGENT);
        ext.put("client_ip", "198.51.100." + (1 + s.actor().id() % 250));
        ext.put("request_url", requestUrl);
        ext.put("version", "1.0.0");
    }

    private static ObjectNode ext(ObjectNode node) {
        return node.putObject("extensions").putObject("com.instructure.canvas");
    }

    // ------------------------------------------------------------------ values

    /** Mostly ISO with milliseconds; some without, some with an offset, as the published examples vary. */
    private String eventTimeText(Instant at) {
        int r = random.nextInt(100);
        if (r < 5) {
            return ISO_SECONDS.format(at);
        }
        if (r < 8) {
            return ISO_OFFSET.format(at.atOffset(ZoneOffset.ofHours(-6)));
        }
        return ISO_MILLIS.format(at);
    }

    static String gid(long local) {
        return String.valueOf(Institution.globalId(local));
    }

    static String urn(String type, long local) {
        return "urn:instructure:canvas:" + type + ":" + gid(local);
    }

    private static long submissionId(Scene s) {
        return 1_000_000 + s.assignment().id() * 1000 + s.student().id();
    }

    String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private static String uuidish(long id) {
        return new UUID(0x5a4d_0000_0000_0000L + id, id * 7919).toString();
    }

    String hex(int length) {
        StringBuilder out = new StringBuilder(length);
        while (out.length() < length) {
            out.append(Long.toHexString(random.nextLong() | Long.MIN_VALUE));
        }
        return out.substring(0, length);
    }

    String token() {
        return "1707~" + hex(48);
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    private String[] pick(String[][] options) {
        return options[random.nextInt(options.length)];
    }

    static String compact(ObjectNode node) {
        return Json.write(node);
    }

    /** The event re-serialised as another producer would: keys in another order, or pretty-printed. */
    static String reserialised(ObjectNode node, boolean pretty) {
        try {
            return pretty ? Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node)
                    : Json.canonical(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> attributes(String name, String time) {
        return name == null ? Map.of("event_time", time) : Map.of("event_name", name, "event_time", time);
    }
}
