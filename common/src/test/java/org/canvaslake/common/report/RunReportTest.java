package org.canvaslake.common.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class RunReportTest {

    @Test
    void countsAddUpAndFailuresMakeTheRunFail() {
        RunReport r = new RunReport("events", "run-1", Instant.parse("2026-11-01T00:00:00Z"));
        r.count("events.live_stream", "inserted", 5).count("events.live_stream", "inserted", 2)
                .counter("quarantined.broken_json", 1);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.exitCode()).isZero();
        assertThat(r.tableCount("events.live_stream", "inserted")).isEqualTo(7);

        r.fail("course 12", "HTTP 404 for https://x/api?access_token=abc");
        r.finish();
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.failures().get(0).message()).doesNotContain("abc");

        JsonNode json = r.toJson();
        assertThat(json.get("tables").get("events.live_stream").get("inserted").asLong()).isEqualTo(7);
        assertThat(json.get("counters").get("quarantined.broken_json").asLong()).isEqualTo(1);
        assertThat(json.get("failures").get(0).get("unit").asText()).isEqualTo("course 12");
        assertThat(r.toText()).contains("FAILED course 12").contains("inserted=7");
        assertThat(json.has(RunReport.SCOPE)).as("a run of the whole job has no scope").isFalse();
    }

    @Test
    void aRunOfPartOfItsJobNamesThePart() {
        RunReport r = new RunReport("canvas", "run-2", Instant.parse("2026-11-01T05:00:00Z")).scope("users");
        assertThat(r.toJson().get(RunReport.SCOPE).asText()).isEqualTo("users");
        assertThat(r.toText()).startsWith("== canvas (users) run run-2: SUCCEEDED");
    }
}
