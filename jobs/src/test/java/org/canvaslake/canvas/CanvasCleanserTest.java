package org.canvaslake.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The documented Canvas objects (shared/fixtures/canvas_api) through the cleansing. */
class CanvasCleanserTest {

    @Test
    void cleansesTheDocumentedUser() {
        Map<String, Object> row = cleanse(CanvasEntity.USERS, "canvas_api/user.json");

        assertThat(row).containsEntry("user_id", 2L).containsEntry("user_id_str", "2")
                .containsEntry("user_name", "Sheldon Cooper")
                .containsEntry("user_sortable_name", "Cooper, Sheldon")
                .containsEntry("user_short_name", "Shelly")
                .containsEntry("user_first_name", "Sheldon")
                .containsEntry("user_last_name", "Cooper")
                .containsEntry("user_login_id", "sheldon@caltech.example.com")
                .containsEntry("user_email", "sheldon@caltech.example.com")
                .containsEntry("user_sis_id", "SHEL93921")
                .containsEntry("user_integration_id", "ABC59802");
        // the documented User object has no created_at: null, not a guess
        assertThat(row.get("user_created_at")).isNull();
    }

    @Test
    void cleansesTheDocumentedCourseWithItsZoneOffsetsAsUtc() {
        Map<String, Object> row = cleanse(CanvasEntity.COURSES, "canvas_api/course.json");

        assertThat(row).containsEntry("course_id", 370663L).containsEntry("course_id_str", "370663")
                .containsEntry("course_name", "InstructureCon 2012")
                .containsEntry("course_code", "INSTCON12")
                .containsEntry("course_workflow_state", "available")
                .containsEntry("course_account_id", 81259L)
                .containsEntry("course_root_account_id", 81259L)
                .containsEntry("course_term_id", 34L)
                .containsEntry("course_uuid", "WvAHhY5FINzq5IyRIJybGeiXyFkG3SqHUPb7jZY5")
                .containsEntry("course_time_zone", "America/Denver")
                .containsEntry("course_start_at", ts("2012-06-01T06:00:00Z"))
                .containsEntry("course_end_at", ts("2012-09-01T06:00:00Z"))
                .containsEntry("course_created_at", ts("2012-05-01T06:00:00Z"));
        assertThat(row.get("course_sis_id")).isNull();
    }

    @Test
    void cleansesTheDocumentedAssignment() {
        Map<String, Object> row = cleanse(CanvasEntity.ASSIGNMENTS, "canvas_api/assignment.json");

        assertThat(row).containsEntry("assignment_id", 4L)
                .containsEntry("assignment_course_id", 123L)
                .containsEntry("assignment_name", "some assignment")
                .containsEntry("assignment_due_at", ts("2012-07-02T05:59:00Z"))
                .containsEntry("assignment_points_possible", 12.0)
                .containsEntry("assignment_submission_types", "online_text_entry")
                .containsEntry("assignment_grading_type", "points")
                .containsEntry("assignment_group_id", 2L)
                .containsEntry("assignment_published", true)
                .containsEntry("assignment_workflow_state", "unpublished")
                .containsEntry("assignment_updated_at", ts("2012-07-02T05:59:00Z"));
    }

    @Test
    void cleansesTheDocumentedEnrollment() {
        Map<String, Object> row = cleanse(CanvasEntity.ENROLLMENTS, "canvas_api/enrollment.json");

        assertThat(row).containsEntry("enrollment_id", 1L)
                .containsEntry("enrollment_user_id", 1L)
                .containsEntry("enrollment_course_id", 1L)
                .containsEntry("enrollment_section_id", 1L)
                .containsEntry("enrollment_type", "StudentEnrollment")
                .containsEntry("enrollment_role", "StudentEnrollment")
                .containsEntry("enrollment_role_id", 1L)
                .containsEntry("enrollment_state", "active")
                .containsEntry("enrollment_created_at", ts("2012-04-18T23:08:51Z"))
                .containsEntry("enrollment_updated_at", ts("2012-04-18T23:08:51Z"));
    }

    @Test
    void readsStringAndGlobalIdsExactlyAndRefusesWhatIsNoId() {
        JsonNode object = Json.parse("{\"id\": \"21070000000000001\", \"course_id\": 17070000000000203,"
                + " \"user_id\": \"sis_user_id:abc\", \"course_section_id\": 99999999999999999999999}");

        Map<String, Object> row = values(CanvasEntity.ENROLLMENTS, object);

        assertThat(row).containsEntry("enrollment_id", 21070000000000001L)
                .containsEntry("enrollment_id_str", "21070000000000001")
                .containsEntry("enrollment_course_id", 17070000000000203L);
        assertThat(row.get("enrollment_user_id")).isNull();
        assertThat(row.get("enrollment_section_id")).isNull();
    }

    @Test
    void readsEveryTimeFormatCanvasWritesAndCountsTheOthers() {
        assertThat(CanvasCleanser.timestamp("2019-11-05 07:38:00 -0800")).isEqualTo(Instant.parse("2019-11-05T15:38:00Z"));
        assertThat(CanvasCleanser.timestamp("2019-11-01T19:11:01.163Z")).isEqualTo(Instant.parse("2019-11-01T19:11:01.163Z"));
        assertThat(CanvasCleanser.timestamp("2012-07-01T23:59:00-06:00")).isEqualTo(Instant.parse("2012-07-02T05:59:00Z"));

        JsonNode malformed = Json.parse("{\"id\": 5, \"created_at\": \"019-11-01T19:11:01.163Z\","
                + " \"updated_at\": \"\", \"due_at\": \"yesterday\", \"submission_types\": \"none\"}");
        CanvasCleanser.Cleansed c = CanvasCleanser.cleanse(CanvasEntity.ASSIGNMENTS, malformed);
        Map<String, Object> row = values(CanvasEntity.ASSIGNMENTS, malformed);

        assertThat(c.badTimestamps()).isEqualTo(2);
        assertThat(row.get("assignment_created_at")).isNull();
        assertThat(row.get("assignment_updated_at")).isNull();
        assertThat(row).containsEntry("assignment_submission_types", "none");
    }

    private static Map<String, Object> cleanse(CanvasEntity entity, String fixture) {
        return values(entity, Json.parse(Fixtures.read(fixture)));
    }

    private static Map<String, Object> values(CanvasEntity entity, JsonNode object) {
        CanvasCleanser.Cleansed c = CanvasCleanser.cleanse(entity, object);
        List<CanvasEntity.Field> fields = entity.fields();
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            row.put(fields.get(i).column(), c.values()[i]);
        }
        return row;
    }

    private static Timestamp ts(String instant) {
        return Timestamp.from(Instant.parse(instant));
    }
}
