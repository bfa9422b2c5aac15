package org.canvaslake.common.http;

/**
 * A request that did not succeed, after retries where retrying made sense. The URL is already redacted and the
 * body is a short, redacted excerpt, so the message is safe to log and to put in a run report.
 */
public class HttpFailure extends RuntimeException {

    private final int status;
    private final String url;
    private final String body;
    private final int attempts;

    public HttpFailure(String message, int status, String url, String body, int attempts, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.url = url;
        this.body = body;
        this.attempts = attempts;
    }

    /** The HTTP status, or -1 when no response came (network error, timeout). */
    public int status() {
        return status;
    }

    public String url() {
        return url;
    }

    /** A redacted excerpt of the response body (empty when there was none). */
    public String body() {
        return body;
    }

    public int attempts() {
        return attempts;
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
