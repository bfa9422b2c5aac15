package org.canvaslake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.canvaslake.common.json.Json;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class LiveEventGeneratorTest {

    private static final Institution INSTITUTION = Institution.generate(7, Institution.Size.DEMO);

    private static List<LiveEventGenerator.Message> messages(long count) {
        return new LiveEventGenerator(INSTITUTION, 7).list(count);
    }

    @Test
    void sameSeedSameMessages() {
        assertThat(messages(500)).isEqualTo(messages(500));
        assertThat(new LiveEventGenerator(INSTITUTION, 8).list(50)).isNotEqualTo(messages(50));
    }

    @Test
    void comesInReceiveOrderWithTheRequestedCount() {
        List<LiveEventGenerator.Message> m = messages(3000);
        assertThat(m).hasSize(3000);
        for (int i = 1; i < m.size(); i++) {
            assertThat(m.get(i).receivedAt()).isAfterOrEqualTo(m.get(i - 1).receivedAt());
        }
    }

    @Test
    void bothFormatsAMixOfTypesAndTheSqsAttributes() {
        Map<String, Integer> names = new HashMap<>();
        int canvas = 0;
        int caliper = 0;
        for (LiveEventGenerator.Message m : messages(5000)) {
            JsonNode body;
            try {
                body = Json.parse(m.body());
            } catch (RuntimeException e) {
                continue;
            }
            if (body.has("metadata")) {
                canvas++;
                String name = body.path("metadata").path("event_name").asText();
                if (!name.isEmpty()) {
                    assertThat(m.attributes()).containsEntry("event_name", name)
                            .containsEntry("event_time", body.path("metadata").path("event_time").asText());
                }
            } else if (body.has("data")) {
                caliper++;
                assertThat(m.attributes()).containsEntry("event_time",
                        body.path("data").get(0).path("eventTime").asText());
            }
            String name = m.attributes().get("event_name");
            if (name != null) {
                names.merge(name, 1, Integer::sum);
            }
        }
        assertThat(canvas).isGreaterThan(caliper).isGreaterThan(500);
        assertThat(caliper).isGreaterThan(500);
        assertThat(names.keySet()).contains("asset_accessed", "logged_in", "submission_created", "submission_updated",
                "grade_change", "assignment_created", "assignment_updated", "discussion_entry_created",
                "enrollment_created", "course_updated");
        assertThat(names.get("asset_accessed")).isGreaterThan(names.get("grade_change"));
    }

    @Test
    void eventsCarryGlobalIdsOfTheInstitution() {
        Set<String> users = new HashSet<>();
        INSTITUTION.users().forEach(u -> users.add(String.valueOf(Institution.globalId(u.id()))));
        Set<String> courses = new HashSet<>();
        INSTITUTION.courses().forEach(c -> courses.add(String.valueOf(Institution.globalId(c.id()))));
        int checked = 0;
        for (LiveEventGenerator.Message m : messages(2000)) {
            JsonNode meta;
            try {
                meta = Json.parse(m.body()).path("metadata");
            } catch (RuntimeException malformed) {
                continue;
            }
            if (meta.has("user_id") && meta.has("context_id")) {
                assertThat(users).contains(meta.get("user_id").asText());
                assertThat(courses).contains(meta.get("context_id").asText());
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(500);
    }

    @Test
    void redeliveriesLateArrivalsAndMalformedMessagesAreThereInSmallShares() {
        List<LiveEventGenerator.Message> m = messages(20_000);
        Set<String> ids = new HashSet<>();
        long sameIdAgain = 0;
        long malformed = 0;
        long late = 0;
        for (LiveEventGenerator.Message x : m) {
            if (!ids.add(x.messageId())) {
                sameIdAgain++;
            }
            try {
                JsonNode b = Json.parse(x.body());
                if (!b.has("metadata") && !b.has("data")) {
                    malformed++;
                }
                String time = x.attributes().get("event_time");
                Instant t = time.contains(" ") ? null : OffsetDateTime.parse(time).toInstant();
                if (t != null && Duration.between(t, x.receivedAt()).toMinutes() > 50) {
                    late++;
                }
            } catch (RuntimeException e) {
                malformed++;
            }
        }
        assertThat(sameIdAgain).isBetween(200L, 800L);
        assertThat(malformed).isBetween(20L, 200L);
        assertThat(late).isBetween(50L, 600L);
    }

    @Test
    void someAccessedUrlsCarryATokenAsRealApiClientsDo() {
        assertThat(messages(20_000)).anySatisfy(x -> assertThat(x.body()).contains("access_token=1707~"));
    }
}
