package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class EventDecoderTest {

    private final EventDecoder decoder = new EventDecoder();

    private LiveEvent canvas(String fixture) {
        String body = Fixtures.read("canvas/" + fixture);
        EventDecoder.Result r = decoder.decode(new IncomingMessage("m1", null, Map.of(), body, null));
        assertThat(r.problem()).isNull();
        assertThat(r.events()).hasSize(1);
        return r.events().get(0);
    }

    private LiveEvent caliper(String fixture) {
        String body = Fixtures.read("caliper/" + fixture);
        String name = RawInput.nameOf(Path.of(fixture));
        EventDecoder.Result r = decoder.decode(new IncomingMessage("m1", null, Map.of("event_name", name), body, null));
        assertThat(r.problem()).isNull();
        assertThat(r.events()).hasSize(1);
        return r.events().get(0);
    }

    @Test
    void everyCanvasFixtureDecodesWithNameTimeAndContentHashId() throws Exception {
        for (Path file : Fixtures.list("canvas", ".json")) {
            LiveEvent e = canvas(file.getFileName().toString());
            JsonNode node = Json.parse(RawInput.read(file));
            assertThat(e.format()).isEqualTo("canvas");
            assertThat(e.eventName()).isEqualTo(node.path("metadata").path("event_name").asText());
            assertThat(e.eventTimeRaw()).isEqualTo(node.path("metadata").path("event_time").asText());
            assertThat(e.timeParsed()).as(file.toString()).isTrue();
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Json.canonical(node).getBytes(StandardCharsets.UTF_8)));
            assertThat(e.eventId()).isEqualTo(sha);
        }
    }

    @Test
    void aRedeliveryReserialisedWithOtherKeyOrderAndSpacingHasTheSameId() {
        String original = Fixtures.read("canvas/11_grade_change.json");
        String compactSorted = Json.canonical(Json.parse(original));
        EventDecoder.Result a = decoder.decode(new IncomingMessage("a", null, Map.of(), original, null));
        EventDecoder.Result b = decoder.decode(new IncomingMessage("b", null, Map.of(), compactSorted, null));
        assertThat(compactSorted).isNotEqualTo(original);
        assertThat(a.events().get(0).eventId()).isEqualTo(b.events().get(0).eventId());
    }

    @Test
    void picksUserContextCourseAssignmentAndAccountFromCanvasEvents() {
        LiveEvent grade = canvas("11_grade_change.json");
        assertThat(grade.userId()).isEqualTo("21070000000000987");
        assertThat(grade.contextType()).isEqualTo("Course");
        assertThat(grade.contextId()).isEqualTo("21070000000000565");
        assertThat(grade.courseId()).isEqualTo("21070000000000565");
        assertThat(grade.assignmentId()).isEqualTo("21070000000000355");
        assertThat(grade.rootAccountId()).isEqualTo("21070000000000001");

        // LTI grade passback: no user metadata, the body says whose submission it is
        LiveEvent lti = canvas("08_submission_created.json");
        assertThat(lti.userId()).isEqualTo("21070000000014012");
        assertThat(lti.contextId()).isNull();
        assertThat(lti.assignmentId()).isEqualTo("21070000001234012");

        // job-generated, Ruby-style time
        LiveEvent course = canvas("15_course_updated.json");
        assertThat(course.userId()).isNull();
        assertThat(course.courseId()).isEqualTo("12340000000056");
        assertThat(EventTime.toInstant(course.eventTimeMicros())).hasToString("2019-11-05T15:38:00Z");

        // ids as JSON numbers
        assertThat(canvas("31_assignment_override_created.json").assignmentId()).isEqualTo("1");
        // the body's own context when the metadata has none
        assertThat(canvas("34_discussion_topic_created.json").courseId()).isEqualTo("1234560");
    }

    @Test
    void caliperEventsAreNamedByTheMessageAttributeAndIdentifiedByIdAndName() {
        LiveEvent grade = caliper("03_grade_change.json");
        assertThat(grade.format()).isEqualTo("caliper");
        assertThat(grade.eventName()).isEqualTo("grade_change");
        assertThat(grade.eventId()).isEqualTo("urn:uuid:319f0132-0584-4efd-9489-4959b7101731#grade_change");
        assertThat(EventTime.toInstant(grade.eventTimeMicros())).hasToString("2019-11-01T19:11:05.222Z");
        // the actor has no extensions here: the id comes from its URN
        assertThat(grade.userId()).isEqualTo("21070000000000987");
        assertThat(grade.contextType()).isEqualTo("Course");
        assertThat(grade.courseId()).isEqualTo("21070000000000565");
        assertThat(grade.assignmentId()).isEqualTo("21070000000000355");

        // the same data id under another event name is another event
        String body = Fixtures.read("caliper/08_assignment_created.json");
        String a = decoder.decode(new IncomingMessage("1", null, Map.of("event_name", "assignment_created"), body,
                null)).events().get(0).eventId();
        String b = decoder.decode(new IncomingMessage("2", null, Map.of("event_name", "assignment_override_created"),
                body, null)).events().get(0).eventId();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void picksIdsFromTheShapesCaliperEventsComeIn() {
        LiveEvent enrollment = caliper("11_enrollment_created.json");
        assertThat(enrollment.contextId()).isEqualTo("21070000000000565");
        assertThat(enrollment.courseId()).isEqualTo("21070000000000565");
        assertThat(enrollment.rootAccountId()).isEqualTo("21070000000000001");

        assertThat(caliper("13_group_category_created.json").courseId()).isEqualTo("565");
        LiveEvent app = caliper("07_asset_accessed.json");
        assertThat(app.userId()).isNull();
        assertThat(app.courseId()).isEqualTo("21070000000000565");
        assertThat(caliper("10_course_updated.json").courseId()).isEqualTo("21070000000000056");
        LiveEvent submission = caliper("16_submission_created.json");
        assertThat(submission.assignmentId()).isEqualTo("21070000001234012");
        assertThat(submission.userId()).isEqualTo("21070000000014012");
        assertThat(caliper("04_quiz_submitted.json").assignmentId()).isNull();
        assertThat(caliper("08_assignment_created.json").assignmentId()).isEqualTo("21070000000000371");
    }

    @Test
    void aCaliperEventWithoutItsEventNameAttributeIsRefused() {
        EventDecoder.Result r = decoder.decode(new IncomingMessage("m", null, Map.of(),
                Fixtures.read("caliper/01_logged_in.json"), null));
        assertThat(r.events()).isEmpty();
        assertThat(r.problem().reason()).isEqualTo(Quarantine.NO_EVENT_NAME);
    }

    @Test
    void refusesWhatIsNoEvent() {
        assertThat(decoder.decode(new IncomingMessage("m", null, Map.of(), "{\"metadata\": {", null)).problem().reason())
                .isEqualTo(Quarantine.BROKEN_BODY);
        assertThat(decoder.decode(new IncomingMessage("m", null, Map.of(), "{\"ping\": 1}", null)).problem().reason())
                .isEqualTo(Quarantine.UNKNOWN_SHAPE);
        assertThat(decoder.decode(new IncomingMessage("m", null, Map.of(), "[1,2]", null)).problem().reason())
                .isEqualTo(Quarantine.UNKNOWN_SHAPE);
        assertThat(decoder.decode(new IncomingMessage("m", null, Map.of("event_name", "a b; DROP TABLE"),
                Fixtures.read("caliper/01_logged_in.json"), null)).problem().reason())
                .isEqualTo(Quarantine.BAD_EVENT_NAME);
    }

    @Test
    void aCaliperEnvelopeWithSeveralEventsGivesOneEventEach() {
        JsonNode one = Json.parse(Fixtures.read("caliper/01_logged_in.json"));
        JsonNode two = Json.parse(Fixtures.read("caliper/05_asset_accessed.json"));
        com.fasterxml.jackson.databind.node.ObjectNode both = one.deepCopy();
        both.withArray("data").add(two.path("data").get(0));
        EventDecoder.Result r = decoder.decode(new IncomingMessage("m", null, Map.of("event_name", "logged_in"),
                Json.write(both), null));
        assertThat(r.events()).hasSize(2);
        assertThat(r.events()).extracting(LiveEvent::eventId).doesNotHaveDuplicates();
        assertThat(Json.parse(r.events().get(1).eventJson()).path("data")).hasSize(1);
    }
}
