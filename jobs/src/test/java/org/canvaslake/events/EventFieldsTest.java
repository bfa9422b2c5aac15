package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class EventFieldsTest {

    /** The flattened columns of an event with their types, as the job's first pass sees them. */
    static Map<String, Object> flatten(String fixture) {
        return flatten(new EventFields(), Json.parse(Fixtures.read(fixture)));
    }

    private static Map<String, Object> flatten(EventFields fields, JsonNode node) {
        Map<String, Object> out = new LinkedHashMap<>();
        EventFields.Visitor v = new EventFields.Visitor() {
            @Override
            public void value(String column, int slot, JsonNode value) {
                out.put(column, FieldType.of(column, value) + ":" + (value.isNull() ? null : FieldType.text(value)));
            }

            @Override
            public void localId(String column, int slot, long localId) {
                out.put(column, localId);
            }
        };
        if (node.has("data")) {
            fields.caliper(node, node.get("data").get(0), v);
        } else {
            fields.canvas(node, v);
        }
        return out;
    }

    @Test
    void oneFlattenerOverManyEventsGivesWhatAFreshOneGivesEach() {
        // a flattener remembers the names of the paths it has met: the second event of a shape reuses them
        EventFields shared = new EventFields();
        List<Path> fixtures = new ArrayList<>(Fixtures.list("canvas", ".json"));
        fixtures.addAll(Fixtures.list("caliper", ".json"));
        assertThat(fixtures).hasSizeGreaterThan(20);
        for (int round = 0; round < 2; round++) {
            for (Path p : fixtures) {
                JsonNode node = Json.parse(Fixtures.read(Fixtures.root().relativize(p).toString()));
                assertThat(flatten(shared, node)).as(p.toString())
                        .containsExactlyEntriesOf(flatten(new EventFields(), node));
            }
        }
    }

    @Test
    void canvasMetadataIsPrefixedBodyIsByNameAndNestedObjectsAreJoined() {
        Map<String, Object> f = flatten("canvas/17_course_progress.json");
        assertThat(f).containsEntry("meta_job_tag", "STRING:ContextModuleProgression#evaluate!")
                .containsEntry("course__id", "STRING:1234567")
                .containsEntry("course__local_id", 1234567L)
                .containsEntry("progress__completed_at", "NULL:null")
                .containsEntry("progress__requirement_count", "BIGINT:123")
                .doesNotContainKeys("meta_event_name", "meta_event_time", "meta_job_local_id");
    }

    @Test
    void idsGetLocalIdsAndValuesKeepTheirTypes() {
        Map<String, Object> f = flatten("canvas/11_grade_change.json");
        assertThat(f).containsEntry("meta_user_id", "STRING:21070000000000987")
                .containsEntry("meta_user_local_id", 987L)
                .containsEntry("student_local_id", 48L)
                .containsEntry("assignment_local_id", 355L)
                .containsEntry("grading_complete", "BOOLEAN:true")
                .containsEntry("score", "BIGINT:5");
        Map<String, Object> s = flatten("canvas/08_submission_created.json");
        assertThat(s).containsEntry("score", "DOUBLE:99.5").containsEntry("submitted_at",
                "TIMESTAMP:2019-11-01T19:11:21.419Z");
        // ids published as JSON numbers
        assertThat(flatten("canvas/31_assignment_override_created.json")).containsEntry("assignment_local_id", 1L);
        // arrays are kept as JSON text
        assertThat(flatten("canvas/18_course_section_created.json")).containsEntry("stuck_sis_fields",
                "STRING:[\"[\\\"course_id\\\"\",\" \\\"name\\\"]\"]");
    }

    @Test
    void caliperPathsAreSnakeCaseWithTheCanvasExtensionShortened() {
        Map<String, Object> f = flatten("caliper/03_grade_change.json");
        assertThat(f).containsEntry("type", "STRING:GradeEvent")
                .containsEntry("action", "STRING:Graded")
                .containsEntry("actor__id", "STRING:urn:instructure:canvas:user:21070000000000987")
                .containsEntry("actor__local_id", 987L)
                .containsEntry("object__ext__grade", "STRING:5")
                .containsEntry("object__ext__entity_local_id", 11086L)
                .containsEntry("generated__score_given", "BIGINT:5")
                .containsEntry("group__ext__context_type", "STRING:Course")
                .containsEntry("membership__roles", "STRING:[\"Instructor\"]")
                .containsEntry("ext__request_url", "STRING:https://oxana.instructure.com/api/v1/courses/565/"
                        + "assignments/355/submissions/48?include%5B%5D=visibility")
                .containsEntry("send_time", "TIMESTAMP:2019-11-16T02:09:06.543Z")
                .doesNotContainKeys("id", "event_time", "@context", "membership__local_id");
        assertThat(flatten("caliper/08_assignment_created.json"))
                .containsEntry("object__date_to_submit", "TIMESTAMP:2018-10-01T05:59:59.000Z")
                .containsEntry("object__max_score", "BIGINT:100");
    }

    @Test
    void typesMergeAcrossValues() {
        assertThat(FieldType.BIGINT.merge(FieldType.DOUBLE)).isEqualTo(FieldType.DOUBLE);
        assertThat(FieldType.NULL.merge(FieldType.BOOLEAN)).isEqualTo(FieldType.BOOLEAN);
        assertThat(FieldType.TIMESTAMP.merge(FieldType.BIGINT)).isEqualTo(FieldType.STRING);
        assertThat(FieldType.STRING.merge(FieldType.NULL)).isEqualTo(FieldType.STRING);
    }
}
