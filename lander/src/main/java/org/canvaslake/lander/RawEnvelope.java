package org.canvaslake.lander;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The raw layout of landed live events: one gzip JSON-lines object per batch under
 * {@code raw/live_events/dt=YYYY-MM-DD/hour=HH/}, one line per message:
 * {@code {"message_id", "received_at", "attributes": {...}, "body": "<verbatim body string>"}}.
 */
public final class RawEnvelope {

    public static final String PREFIX = "raw/live_events";

    private RawEnvelope() {
    }

    /** One envelope line (no newline). */
    public static String line(LiveEventMessage m) {
        ObjectNode o = Json.object();
        o.put("message_id", m.messageId());
        o.put("received_at", m.receivedAt().toString());
        ObjectNode attrs = o.putObject("attributes");
        m.attributes().forEach(attrs::put);
        o.put("body", m.body());
        return Json.write(o);
    }

    /** The gzip JSON-lines object for a batch. */
    public static byte[] gzip(List<LiveEventMessage> batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes, 1 << 16)) {
            for (LiveEventMessage m : batch) {
                out.write(line(m).getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The object key (relative to the lake root) for a batch. Partitioned by the receive time of the batch's first
     * message; the name is a hash of the batch's message ids, so a retried delivery of the same batch overwrites
     * its object instead of adding a second copy.
     */
    public static String key(List<LiveEventMessage> batch) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("Cannot name an empty batch");
        }
        Instant first = batch.stream().map(LiveEventMessage::receivedAt).min(Instant::compareTo).orElseThrow();
        ZonedDateTime t = first.atZone(ZoneOffset.UTC);
        return String.format("%s/dt=%s/hour=%02d/%s.jsonl.gz", PREFIX, t.toLocalDate(), t.getHour(), batchId(batch));
    }

    static String batchId(List<LiveEventMessage> batch) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            batch.stream().map(LiveEventMessage::messageId).sorted().forEach(id -> {
                sha.update(id.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
