package org.canvaslake.lander;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The lake on S3: objects go to {@code s3://bucket/prefix/<key>}. A PutObject is atomic (a reader sees the whole
 * object or none) and replaces an object of the same key, which is what makes a retried batch overwrite itself.
 */
public final class S3ObjectStore implements ObjectStore {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    /** {@code prefix} may be empty (the bucket root); leading and trailing slashes are ignored. */
    public S3ObjectStore(S3Client s3, String bucket, String prefix) {
        this.s3 = Objects.requireNonNull(s3, "s3 client");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("S3 bucket name is empty");
        }
        this.bucket = bucket;
        this.prefix = trimSlashes(prefix == null ? "" : prefix);
    }

    /** The store for a lake URI {@code s3://bucket/prefix} (or {@code s3a://}, as Spark names the same place). */
    public static S3ObjectStore at(String lakeUri, S3Client s3) {
        URI uri = parse(lakeUri);
        return new S3ObjectStore(s3, uri.getAuthority(), uri.getPath());
    }

    /** True for the URI schemes this store serves. */
    public static boolean isS3(String location) {
        String lower = location == null ? "" : location.trim().toLowerCase(Locale.ROOT);
        return lower.startsWith("s3://") || lower.startsWith("s3a://");
    }

    static URI parse(String lakeUri) {
        if (!isS3(lakeUri)) {
            throw new IllegalArgumentException("Not an S3 lake URI: '" + lakeUri + "'; expected s3://bucket/prefix");
        }
        URI uri;
        try {
            uri = URI.create(lakeUri.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Malformed S3 lake URI '" + lakeUri + "': " + e.getMessage()
                    + "; expected s3://bucket/prefix", e);
        }
        // the authority, not the host: legacy bucket names may hold underscores, which are no valid host name
        if (uri.getAuthority() == null || uri.getAuthority().isBlank()) {
            throw new IllegalArgumentException("S3 lake URI '" + lakeUri + "' names no bucket; expected s3://bucket/prefix"
                    + " (bucket names are lower case letters, digits, dots and hyphens)");
        }
        return uri;
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        String objectKey = objectKey(key);
        try {
            // not Content-Encoding: gzip, which makes some clients unpack on download; readers expect .gz as is
            s3.putObject(r -> r.bucket(bucket).key(objectKey).contentType("application/gzip"),
                    RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw new IOException("Cannot write s3://" + bucket + "/" + objectKey + " (" + bytes.length + " bytes): "
                    + e.getMessage() + ". Check that the bucket exists and the role may s3:PutObject there.", e);
        }
    }

    /** The full S3 key of a lake-relative key. */
    public String objectKey(String key) {
        String relative = trimSlashes(Objects.requireNonNull(key, "key"));
        if (relative.isEmpty()) {
            throw new IllegalArgumentException("Object key is empty");
        }
        return prefix.isEmpty() ? relative : prefix + "/" + relative;
    }

    public String bucket() {
        return bucket;
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static String trimSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }
}
