package org.canvaslake.dap;

import org.canvaslake.common.http.HttpFailure;
import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The DAP API refused a request. DAP errors come as {@code {"error": {"type", "uuid", "message", ...}}}; the type
 * and message are surfaced (the uuid too: Instructure support asks for it). The message never holds a secret: the
 * request URL is redacted and error bodies carry none.
 */
public class DapApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String uuid;

    public DapApiException(String message, int status, String type, String uuid, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.uuid = uuid;
    }

    /** Reads the DAP error object out of a failed request, if the body holds one. */
    static DapApiException from(HttpFailure failure, String action) {
        String type = null;
        String message = null;
        String uuid = null;
        try {
            JsonNode error = Json.parse(failure.body()).path("error");
            if (error.isObject()) {
                type = error.path("type").asText(null);
                message = error.path("message").asText(null);
                uuid = error.path("uuid").asText(null);
            }
        } catch (RuntimeException notJson) {
            // a gateway error page or a cut excerpt: the HttpFailure message says enough
        }
        String text = type == null
                ? action + " failed: " + failure.getMessage()
                : action + " failed with HTTP " + failure.status() + " " + type + ": " + message
                        + (uuid == null ? "" : " (error uuid " + uuid + ")");
        return new DapApiException(text, failure.status(), type, uuid, failure);
    }

    /** HTTP status, or -1 when no response came. */
    public int status() {
        return status;
    }

    /** The DAP error type (e.g. {@code SnapshotRequiredError}), or null when the body had none. */
    public String type() {
        return type;
    }

    public String uuid() {
        return uuid;
    }

    /** DAP no longer has the history an incremental query needs: the table must be snapshotted again. */
    public boolean snapshotRequired() {
        return "SnapshotRequiredError".equals(type);
    }
}
