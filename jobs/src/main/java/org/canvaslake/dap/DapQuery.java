package org.canvaslake.dap;

import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The body of {@code POST /dap/query/{namespace}/table/{table}/data}: a snapshot (format only) or an incremental
 * from {@code since} (the previous job's {@code at} or {@code until}), with {@code until} left out as DAP
 * recommends so it defaults to the latest commit. We always ask for JSON Lines: it keeps nesting and nulls, and
 * Spark reads it without a format-specific reader.
 */
public record DapQuery(String format, String since, String until) {

    public static DapQuery snapshot() {
        return new DapQuery("jsonl", null, null);
    }

    public static DapQuery incremental(String since) {
        if (since == null || since.isBlank()) {
            throw new IllegalArgumentException("An incremental DAP query needs 'since' (the previous until)");
        }
        return new DapQuery("jsonl", since, null);
    }

    public boolean isSnapshot() {
        return since == null;
    }

    ObjectNode toJson() {
        ObjectNode out = Json.object().put("format", format);
        if (since != null) {
            out.put("since", since);
        }
        if (until != null) {
            out.put("until", until);
        }
        return out;
    }
}
