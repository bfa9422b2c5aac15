package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanvasIdTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // global ids: shard * 10^13 + local; 17 digits (shard 2107), 18 digits (shard 21070), and the published
            // 15-digit "210700001234567", which by the same rule is shard 21, local 700001234567
            "21070000000000565, 565",
            "21070000000000001, 1",
            "210700001234567, 700001234567",
            "210700000000101907, 101907",
            "17070000000005003, 5003",
            // short local ids stay as they are
            "565, 565",
            "98765, 98765",
            // the shard~local form Canvas uses in URLs
            "412~17342, 17342",
            // Caliper URNs
            "urn:instructure:canvas:user:21070000000000001, 1",
            "urn:instructure:canvas:course:565, 565",
            "urn:instructure:canvas:discussionEntry:2134567, 2134567"})
    void extractsTheLocalId(String id, long local) {
        assertThat(CanvasId.localId(id)).isEqualTo(local);
    }

    @Test
    void isNullForWhatIsNotANumericId() {
        assertThat(CanvasId.localId("a1b2c3c4-z9x8-a1s2-q5w6-p9o8i7u6y5t6")).isNull();
        assertThat(CanvasId.localId("urn:uuid:2b6d64bf-5b31-4e2f-b389-c6ebcb232407")).isNull();
        // compound URNs (memberships, sections) do not name one entity
        assertThat(CanvasId.localId("urn:instructure:canvas:course:565:Instructor:21070000000000001")).isNull();
        assertThat(CanvasId.localId("1234567890123456789012")).isNull();
        assertThat(CanvasId.localId("")).isNull();
        assertThat(CanvasId.localId(null)).isNull();
    }

    @Test
    void readsTypesAndSegmentsOfUrns() {
        assertThat(CanvasId.urnType("urn:instructure:canvas:assignment:21070000000000355")).isEqualTo("assignment");
        assertThat(CanvasId.urnEntity("urn:instructure:canvas:assignment:21070000000000355"))
                .isEqualTo("21070000000000355");
        assertThat(CanvasId.urnSegment("urn:instructure:canvas:course:21070000000000565:section:21070000000004811",
                "course")).isEqualTo("21070000000000565");
        assertThat(CanvasId.urnEntity("http://oxana.instructure.com/")).isNull();
    }
}
