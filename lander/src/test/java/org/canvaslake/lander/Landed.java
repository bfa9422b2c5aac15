package org.canvaslake.lander;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads back what the lander wrote to a bucket: object keys, and the envelope lines of a gzip object. */
final class Landed {

    private Landed() {
    }

    static List<String> keys(S3Client s3, String bucket) {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
    }

    static List<JsonNode> lines(S3Client s3, String bucket, String key) {
        return lines(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray());
    }

    static List<JsonNode> allLines(S3Client s3, String bucket) {
        List<JsonNode> out = new ArrayList<>();
        keys(s3, bucket).forEach(k -> out.addAll(lines(s3, bucket, k)));
        return out;
    }

    /** Gunzips and parses one JSON document per line; fails on anything else. */
    static List<JsonNode> lines(byte[] gzip) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!text.endsWith("\n")) {
                throw new AssertionError("object does not end with a newline");
            }
            List<JsonNode> out = new ArrayList<>();
            for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
                out.add(Json.parse(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
