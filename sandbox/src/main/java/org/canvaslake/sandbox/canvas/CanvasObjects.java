package org.canvaslake.sandbox.canvas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The sandbox institution's entities in the shapes the Canvas REST API returns them (the documented User, Course,
 * Assignment and Enrollment objects, a representative subset of their fields). Kept close to the real payloads in
 * {@code shared/fixtures/canvas_api}: numeric ids, ISO-8601 times in UTC ("Z") except courses, which Canvas renders
 * in the course's zone with an offset ("-06:00"), arrays for submission types, an embedded user in enrollments,
 * and a course calendar feed URL that carries a token (so raw pages must be redacted on the way in).
 */
final class CanvasObjects {

    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    private static final ZoneOffset DENVER_SUMMER = ZoneOffset.ofHours(-6);

    private CanvasObjects() {
    }

    static ObjectNode user(Institution.User u, boolean withEmail) {
        ObjectNode o = Json.object();
        o.put("id", u.id());
        o.put("name", u.name());
        o.put("created_at", utc(u.createdAt()));
        o.put("sortable_name", u.sortableName());
        o.put("short_name", u.shortName());
        String[] parts = u.sortableName().split(", ", 2);
        o.put("last_name", parts[0]);
        o.put("first_name", parts.length > 1 ? parts[1] : u.shortName());
        o.put("sis_user_id", u.sisUserId());
        o.putNull("integration_id");
        o.putNull("sis_import_id");
        o.put("login_id", u.loginId());
        if (withEmail) {
            // list users only returns email with include[]=email, as Canvas does
            o.put("email", u.email());
        }
        return o;
    }

    static ObjectNode course(Institution.Course c, String baseUrl) {
        ObjectNode o = Json.object();
        o.put("id", c.id());
        o.put("name", c.name());
        o.put("account_id", c.accountId());
        o.put("uuid", uuid("course", c.id()));
        o.put("start_at", zoned(c.startAt()));
        o.putNull("grading_standard_id");
        o.put("is_public", false);
        o.put("created_at", zoned(c.createdAt()));
        o.put("course_code", c.courseCode());
        o.put("default_view", "modules");
        o.put("root_account_id", Institution.ROOT_ACCOUNT_ID);
        o.put("enrollment_term_id", c.termId());
        o.put("license", "private");
        o.putNull("grade_passback_setting");
        o.put("end_at", zoned(c.endAt()));
        o.put("public_syllabus", false);
        o.put("public_syllabus_to_auth", false);
        o.put("storage_quota_mb", 500);
        o.put("is_public_to_auth_users", false);
        o.put("homeroom_course", false);
        o.putNull("course_color");
        o.putNull("friendly_name");
        o.put("apply_assignment_group_weights", false);
        o.putObject("calendar").put("ics", baseUrl + "/feeds/calendars/course_" + uuid("feed", c.id()) + ".ics");
        o.put("time_zone", "America/Denver");
        o.put("blueprint", false);
        o.put("template", false);
        o.put("sis_course_id", c.sisCourseId());
        o.putNull("integration_id");
        o.putNull("sis_import_id");
        o.putArray("enrollments");
        o.put("hide_final_grades", false);
        o.put("workflow_state", c.workflowState());
        o.put("restrict_enrollments_to_course_dates", false);
        return o;
    }

    static ObjectNode assignment(Institution.Assignment a, int position, String baseUrl) {
        ObjectNode o = Json.object();
        o.put("id", a.id());
        o.put("description", "<p>" + a.name() + ": see the course page for instructions.</p>");
        o.put("due_at", utc(a.dueAt()));
        o.putNull("unlock_at");
        o.putNull("lock_at");
        o.put("points_possible", a.pointsPossible());
        o.put("grading_type", "points");
        o.put("assignment_group_id", a.courseId() * 10 + 1);
        o.putNull("grading_standard_id");
        o.put("created_at", utc(a.createdAt()));
        o.put("updated_at", utc(a.updatedAt()));
        o.put("peer_reviews", false);
        o.put("automatic_peer_reviews", false);
        o.put("position", position);
        o.put("grade_group_students_individually", false);
        o.put("anonymous_peer_reviews", false);
        o.putNull("group_category_id");
        o.put("post_to_sis", false);
        o.put("moderated_grading", false);
        o.put("omit_from_final_grade", false);
        o.put("intra_group_peer_reviews", false);
        o.put("anonymous_instructor_annotations", false);
        o.put("anonymous_grading", false);
        o.put("graders_anonymous_to_graders", false);
        o.put("grader_count", 0);
        o.put("grader_comments_visible_to_graders", true);
        o.putNull("final_grader_id");
        o.put("grader_names_visible_to_final_grader", true);
        o.put("allowed_attempts", -1);
        o.putNull("annotatable_attachment_id");
        o.put("hide_in_gradebook", false);
        o.put("secure_params", "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.sandbox");
        o.put("lti_context_id", uuid("lti", a.id()));
        o.put("course_id", a.courseId());
        o.put("name", a.name());
        ArrayNode types = o.putArray("submission_types");
        for (String t : a.submissionTypes().split(",")) {
            types.add(t.trim());
        }
        o.put("has_submitted_submissions", false);
        o.put("due_date_required", false);
        o.put("max_name_length", 255);
        o.put("in_closed_grading_period", false);
        o.put("graded_submissions_exist", false);
        o.put("is_quiz_assignment", a.submissionTypes().contains("online_quiz"));
        o.put("can_duplicate", true);
        o.putNull("original_course_id");
        o.putNull("original_assignment_id");
        o.put("workflow_state", a.workflowState());
        o.put("important_dates", false);
        o.put("muted", true);
        o.put("html_url", baseUrl + "/courses/" + a.courseId() + "/assignments/" + a.id());
        o.put("published", "published".equals(a.workflowState()));
        o.put("only_visible_to_overrides", false);
        o.put("locked_for_user", false);
        o.put("submissions_download_url", baseUrl + "/courses/" + a.courseId() + "/assignments/" + a.id()
                + "/submissions?zip=1");
        o.put("post_manually", false);
        o.put("anonymize_students", false);
        o.put("require_lockdown_browser", false);
        return o;
    }

    static ObjectNode enrollment(Institution.Enrollment e, Institution.User user, Institution.Course course,
                                 String baseUrl) {
        ObjectNode o = Json.object();
        o.put("id", e.id());
        o.put("user_id", e.userId());
        o.put("course_id", e.courseId());
        o.put("type", e.type());
        o.put("created_at", utc(e.createdAt()));
        o.put("updated_at", utc(e.updatedAt()));
        o.putNull("associated_user_id");
        o.putNull("start_at");
        o.putNull("end_at");
        o.put("course_section_id", e.courseId() * 10 + 2);
        o.put("root_account_id", Institution.ROOT_ACCOUNT_ID);
        o.put("limit_privileges_to_course_section", false);
        o.put("enrollment_state", e.enrollmentState());
        o.put("role", e.role());
        o.put("role_id", "TeacherEnrollment".equals(e.role()) ? 4 : 3);
        // activity is left unset so that two snapshots of an unchanged enrollment are identical
        o.putNull("last_activity_at");
        o.putNull("last_attended_at");
        o.put("total_activity_time", 0);
        o.putNull("sis_account_id");
        o.put("sis_course_id", course == null ? null : course.sisCourseId());
        o.putNull("course_integration_id");
        o.putNull("sis_section_id");
        o.putNull("section_integration_id");
        o.put("sis_user_id", user == null ? null : user.sisUserId());
        o.put("html_url", baseUrl + "/courses/" + e.courseId() + "/users/" + e.userId());
        if ("StudentEnrollment".equals(e.type())) {
            ObjectNode grades = o.putObject("grades");
            grades.put("html_url", baseUrl + "/courses/" + e.courseId() + "/grades/" + e.userId());
            grades.putNull("current_grade");
            grades.putNull("current_score");
            grades.putNull("final_grade");
            grades.put("final_score", 0.0);
            grades.putNull("unposted_current_score");
        }
        if (user != null) {
            ObjectNode u = o.putObject("user");
            u.put("id", user.id());
            u.put("name", user.name());
            u.put("created_at", utc(user.createdAt()));
            u.put("sortable_name", user.sortableName());
            u.put("short_name", user.shortName());
            u.put("sis_user_id", user.sisUserId());
            u.putNull("integration_id");
            u.put("login_id", user.loginId());
        }
        return o;
    }

    static ObjectNode error(String message) {
        ObjectNode o = Json.object();
        o.putArray("errors").addObject().put("message", message);
        return o;
    }

    static String utc(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String zoned(Instant t) {
        return t == null ? null : OffsetDateTime.ofInstant(t, DENVER_SUMMER).format(ISO);
    }

    /** Stable pseudo-random 40-character identifiers, like Canvas uuids, derived from the id. */
    static String uuid(String kind, long id) {
        UUID a = UUID.nameUUIDFromBytes((kind + ":" + id).getBytes(StandardCharsets.UTF_8));
        UUID b = UUID.nameUUIDFromBytes((kind + ":" + id + ":2").getBytes(StandardCharsets.UTF_8));
        String hex = (a.toString() + b.toString()).replace("-", "");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            char ch = hex.charAt(i);
            out.append(i % 3 == 0 && Character.isLetter(ch) ? Character.toUpperCase(ch) : ch);
        }
        return out.toString();
    }
}
