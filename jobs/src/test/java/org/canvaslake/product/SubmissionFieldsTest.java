package org.canvaslake.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.events.EventFields;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The product reads its submission columns from the typed tables the events job writes: the columns it asks for must
 * be the ones {@link EventFields} makes of a submission event's body. (They once were {@code body_<field>}, which no
 * table has: every product row's attempt and score stayed empty, with a note in every run report.)
 */
class SubmissionFieldsTest {

    @Test
    void theColumnsReadAreTheOnesTheEventsJobWritesForPublishedSubmissionEvents() {
        for (String fixture : List.of("canvas/08_submission_created.json", "canvas/09_submission_updated.json")) {
            assertThat(columns(Json.parse(Fixtures.read(fixture)))).as(fixture)
                    .containsAll(SubmissionFields.FIELDS.values());
        }
    }

    @Test
    void theColumnsReadAreTheOnesTheEventsJobWritesForTheSandboxsSubmissionEvents() {
        List<LiveEventGenerator.Message> messages = new LiveEventGenerator(Institution.generate(5,
                Institution.Size.TEST), 5).only("submission_created", "submission_updated").caliperShare(0)
                .malformedShare(0).list(40);
        Set<String> seen = new TreeSet<>();
        for (LiveEventGenerator.Message m : messages) {
            seen.addAll(columns(Json.parse(m.body())));
        }
        assertThat(seen).containsAll(SubmissionFields.FIELDS.values());
    }

    private static List<String> columns(JsonNode event) {
        List<String> columns = new ArrayList<>();
        new EventFields().canvas(event, new EventFields.Visitor() {
            @Override
            public void value(String column, int slot, JsonNode value) {
                columns.add(column);
            }

            @Override
            public void localId(String column, int slot, long localId) {
                columns.add(column);
            }
        });
        return columns;
    }
}
