package org.canvaslake.dap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A DAP query job as {@code POST .../data} and {@code GET /dap/job/{id}} describe it. A complete snapshot job has
 * {@code at} (the table state it shows); a complete incremental job has {@code since} and {@code until}; either one's
 * position is where the next incremental starts.
 */
public record DapJob(String id, Status status, List<String> objectIds, Integer schemaVersion, String at,
                     String since, String until, Instant expiresAt, String errorType, String errorMessage,
                     String errorUuid) {

    public enum Status {
        WAITING, RUNNING, COMPLETE, FAILED;

        static Status of(String text) {
            return switch (text == null ? "" : text.toLowerCase()) {
                case "waiting" -> WAITING;
                case "running" -> RUNNING;
                case "complete" -> COMPLETE;
                case "failed" -> FAILED;
                default -> throw new DapApiException("DAP returned a job with unknown status '" + text + "'", -1, null,
                        null, null);
            };
        }
    }

    public DapJob {
        objectIds = List.copyOf(objectIds);
    }

    static DapJob fromJson(JsonNode json) {
        String id = json.path("id").asText(null);
        if (id == null) {
            throw new DapApiException("DAP returned a job without an id: " + json, -1, null, null, null);
        }
        List<String> objects = new ArrayList<>();
        json.path("objects").forEach(o -> objects.add(o.path("id").asText()));
        JsonNode error = json.path("error");
        Instant expires = null;
        try {
            expires = json.hasNonNull("expires_at") ? Instant.parse(json.get("expires_at").asText()) : null;
        } catch (RuntimeException unreadable) {
            // only used to avoid a job that is about to vanish; an odd format must not fail the query
        }
        return new DapJob(id, Status.of(json.path("status").asText(null)), objects,
                json.hasNonNull("schema_version") ? json.get("schema_version").asInt() : null,
                text(json, "at"), text(json, "since"), text(json, "until"), expires,
                error.isObject() ? error.path("type").asText(null) : null,
                error.isObject() ? error.path("message").asText(null) : null,
                error.isObject() ? error.path("uuid").asText(null) : null);
    }

    private static String text(JsonNode json, String field) {
        return json.hasNonNull(field) ? json.get(field).asText() : null;
    }

    public boolean isTerminal() {
        return status == Status.COMPLETE || status == Status.FAILED;
    }

    /** Where the next incremental query starts: {@code until} of an incremental, {@code at} of a snapshot. */
    public String position() {
        return until != null ? until : at;
    }
}
