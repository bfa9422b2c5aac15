package org.canvaslake.common.s3;

import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3's conditional writes, as Delta's commits ({@code S3ConditionalLogStore}) and the lake's leases
 * ({@code LakeLease}) use them: a PUT with {@code If-None-Match: *} creates a key only when it is absent, one with
 * {@code If-Match: <etag>} replaces it only when it is still that version (S3 has honoured both since late 2024).
 */
public final class S3Conditional {

    /**
     * Set as headers rather than through the request's {@code ifNoneMatch}/{@code ifMatch} (SDK 2.27-2.29, late
     * 2024): on Glue and EMR the platform's own AWS SDK comes first on the classpath, and an older one would fail.
     */
    public static final String IF_NONE_MATCH = "If-None-Match";
    public static final String IF_MATCH = "If-Match";

    private S3Conditional() {
    }

    /** What an S3 error on a conditional PUT means. */
    public enum Refusal {
        /** 412: the condition failed: the key exists ({@code If-None-Match}), or is another version ({@code If-Match}). */
        EXISTS,
        /** 409: another conditional PUT of the same key was in progress; S3 says to try again. */
        CONFLICT,
        /** 501, or an error code saying so: the store cannot do conditional PUTs at all. */
        NOT_IMPLEMENTED,
        /** Anything else (403, 404, 5xx past the SDK's retries). */
        OTHER;

        public static Refusal of(S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (e.statusCode() == 412 || "PreconditionFailed".equals(code)) {
                return EXISTS;
            }
            if (e.statusCode() == 409 || "ConditionalRequestConflict".equals(code)) {
                return CONFLICT;
            }
            if (e.statusCode() == 501 || "NotImplemented".equals(code)) {
                return NOT_IMPLEMENTED;
            }
            return OTHER;
        }
    }
}
