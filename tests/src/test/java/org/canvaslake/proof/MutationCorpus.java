package org.canvaslake.proof;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.RawEnvelope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Bad input for the events job, made at test time from the published fixtures by mutation: one raw object per
 * variant, so every variant can be followed to the rows it produced. Each fixture is first stamped with the variant
 * number (a metadata field for Canvas, the event id for Caliper), so that no two variants are the same event and
 * in-run de-duplication cannot hide one.
 */
final class MutationCorpus {

    /** What a variant is expected to do; {@code ANY} variants are only held to the accounting. */
    enum Expect { LANDS, QUARANTINED, ANY, EMPTY, UNREADABLE }

    record Variant(int number, String kind, String fixture, Path object, Expect expect, int minEvents) {
    }

    static final int ROUNDS = 3;

    private final Path rawRoot;
    private final Random random = new Random(20261123L);
    private final List<Variant> variants = new ArrayList<>();
    private final Instant receivedAt = Instant.parse("2026-09-01T10:00:00Z");

    MutationCorpus(Path rawRoot) {
        this.rawRoot = rawRoot;
    }

    List<Variant> variants() {
        return variants;
    }

    /** Generates every variant; returns them. */
    List<Variant> generate() {
        // a few event types, mutated in several rounds: every table the job writes costs a commit, and the point
        // here is the many ways a record can be broken, not the many event types
        List<Path> fixtures = new ArrayList<>(Fixtures.list("canvas", ".json").subList(0, 8));
        fixtures.addAll(Fixtures.list("caliper", ".json").subList(0, 4));
        for (int round = 0; round < ROUNDS; round++) {
            for (Path f : fixtures) {
                String folder = f.getParent().getFileName().toString();
                String text = read(f);
                bodyVariants(folder, f, text);
            }
        }
        // objects that are not envelope lines at all
        for (int i = 0; i + 1 < fixtures.size(); i += 2) {
            Path a = fixtures.get(i);
            Path b = fixtures.get(i + 1);
            if (isCanvas(a) && isCanvas(b)) {
                String one = compact(stamp(Json.parse(read(a)), true, next()));
                String two = compact(stamp(Json.parse(read(b)), true, next()));
                rawObject("concatenated", a, (one + two).getBytes(StandardCharsets.UTF_8), Expect.LANDS, 2, ".jsonl");
                rawObject("concatenated-envelopes", a, (envelope(a, one) + envelope(b, two))
                        .getBytes(StandardCharsets.UTF_8), Expect.LANDS, 2, ".jsonl");
            }
        }
        for (int i = 0; i < 5; i++) {
            rawObject("empty-file", null, new byte[0], Expect.EMPTY, 0, i % 2 == 0 ? ".jsonl.gz" : ".jsonl");
        }
        for (Path f : fixtures) {
            String body = compact(stamp(Json.parse(read(f)), isCanvas(f), next()));
            // plain text under a .gz name: the job goes by magic bytes, not by name
            rawObject("not-gzip-named-gz", f, (envelope(f, body) + "\n").getBytes(StandardCharsets.UTF_8),
                    Expect.LANDS, 1, ".jsonl.gz");
            // invalid UTF-8 bytes inside the envelope line
            byte[] line = (envelope(f, compact(stamp(Json.parse(read(f)), isCanvas(f), next()))) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            int at = line.length / 2 + random.nextInt(Math.max(1, line.length / 3));
            byte[] bad = new byte[line.length + 2];
            System.arraycopy(line, 0, bad, 0, at);
            bad[at] = (byte) 0xC3;
            bad[at + 1] = (byte) 0xFF;
            System.arraycopy(line, at, bad, at + 2, line.length - at);
            rawObject("invalid-utf8", f, bad, Expect.ANY, 0, ".jsonl");
            // a bare event cut short, no envelope
            String bare = compact(stamp(Json.parse(read(f)), isCanvas(f), next()));
            rawObject("bare-truncated", f, bare.substring(0, 1 + random.nextInt(bare.length() - 2))
                    .getBytes(StandardCharsets.UTF_8), Expect.QUARANTINED, 0, ".jsonl");
        }
        for (int i = 0; i < 3; i++) {
            Path f = fixtures.get(i);
            byte[] gz = gzip((envelope(f, compact(stamp(Json.parse(read(f)), isCanvas(f), next()))) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            byte[] cut = java.util.Arrays.copyOf(gz, gz.length / 2);
            rawObject("truncated-gzip", f, cut, Expect.UNREADABLE, 0, ".jsonl.gz");
        }
        return variants;
    }

    private void bodyVariants(String folder, Path f, String text) {
        boolean canvas = folder.equals("canvas");
        // truncated body
        String t = compact(stamp(Json.parse(text), canvas, next()));
        message("truncated", f, t.substring(0, 1 + random.nextInt(t.length() - 2)), Expect.QUARANTINED, 0);
        // wrong types: a scalar leaf becomes an object, array or another scalar type
        for (int i = 0; i < 2; i++) {
            JsonNode n = stamp(Json.parse(text), canvas, next());
            replaceRandomLeaf(n, i == 0 ? JsonNodeFactory.instance.objectNode().put("x", 1)
                    : JsonNodeFactory.instance.arrayNode().add(true).add(3.5));
            message("wrong-type", f, compact(n), Expect.ANY, 0);
        }
        JsonNode numbers = stamp(Json.parse(text), canvas, next());
        replaceRandomLeaf(numbers, JsonNodeFactory.instance.numberNode(-987654321012345678L));
        message("wrong-type", f, compact(numbers), Expect.ANY, 0);
        // huge string in a field the event keeps
        JsonNode huge = stamp(Json.parse(text), canvas, next());
        payload(huge, canvas).put("proof_huge", "h".repeat(200_000));
        message("huge-string", f, compact(huge), Expect.LANDS, 1);
        // deep nesting: moderate (readable) and beyond any parser's limit
        JsonNode deep = stamp(Json.parse(text), canvas, next());
        payload(deep, canvas).set("proof_nested", nest(200));
        message("deep-nesting", f, compact(deep), Expect.LANDS, 1);
        String deeper = compact(stamp(Json.parse(text), canvas, next()));
        message("deep-nesting-5000", f, deeper.substring(0, deeper.length() - 1) + ",\"proof_nested\":"
                + "[".repeat(5000) + "]".repeat(5000) + "}", Expect.QUARANTINED, 0);
        // unknown event name (two names only, to keep the number of tables small)
        JsonNode unknown = stamp(Json.parse(text), canvas, next());
        String unknownName = "proof_unknown_" + (variants.size() % 2 == 0 ? "alpha" : "beta");
        if (canvas) {
            ((ObjectNode) unknown.path("metadata")).put("event_name", unknownName);
        }
        message("unknown-event-name", f, compact(unknown), Map.of("event_name", unknownName), Expect.LANDS, 1);
        // an event name that cannot name a table
        JsonNode badName = stamp(Json.parse(text), canvas, next());
        String unusable = "bad\u0001name" + "x".repeat(300);
        if (canvas) {
            ((ObjectNode) badName.path("metadata")).put("event_name", unusable);
        }
        message("unusable-event-name", f, compact(badName), Map.of("event_name", unusable), Expect.QUARANTINED, 0);
        // missing fields: a random field anywhere, and the event's name
        JsonNode missing = stamp(Json.parse(text), canvas, next());
        removeRandomField(missing);
        message("missing-field", f, compact(missing), Expect.ANY, 0);
        JsonNode noName = stamp(Json.parse(text), canvas, next());
        if (canvas) {
            ((ObjectNode) noName.path("metadata")).remove("event_name");
        }
        message("missing-event-name", f, compact(noName), Map.of(), Expect.QUARANTINED, 0);
        // duplicated keys, textually
        String dup = compact(stamp(Json.parse(text), canvas, next()));
        message("duplicated-keys", f, "{\"proof_dup\":1,\"proof_dup\":\"two\"," + dup.substring(1), Expect.ANY, 0);
        // `}{` inside one body, an empty body, a body that is not an object
        message("empty-body", f, "", Expect.QUARANTINED, 0);
        message("scalar-body", f, random.nextBoolean() ? "42" : "null", Expect.QUARANTINED, 0);
        message("garbage-body", f, "}{" + t.substring(0, t.length() / 3), Expect.QUARANTINED, 0);
    }

    // ---- building blocks ----

    private int next() {
        return variants.size() + 1;
    }

    private static boolean isCanvas(Path f) {
        return f.getParent().getFileName().toString().equals("canvas");
    }

    /** Makes the fixture a distinct event for this variant. */
    static JsonNode stamp(JsonNode event, boolean canvas, int variant) {
        if (canvas && event.path("metadata").isObject()) {
            ((ObjectNode) event.path("metadata")).put("proof_variant", variant);
        } else if (event.path("data").isArray()) {
            for (JsonNode d : event.path("data")) {
                if (d.isObject()) {
                    ((ObjectNode) d).put("id", d.path("id").asText() + "-v" + variant);
                }
            }
        } else if (event.isObject() && event.has("id")) {
            ((ObjectNode) event).put("id", event.path("id").asText() + "-v" + variant);
        }
        return event;
    }

    private static ObjectNode payload(JsonNode event, boolean canvas) {
        if (canvas && event.path("body").isObject()) {
            return (ObjectNode) event.path("body");
        }
        if (event.path("data").isArray() && event.path("data").path(0).isObject()) {
            ObjectNode d = (ObjectNode) event.path("data").path(0);
            return d.path("extensions").isObject() ? (ObjectNode) d.path("extensions") : d;
        }
        return (ObjectNode) event;
    }

    private static JsonNode nest(int depth) {
        JsonNode n = TextNode.valueOf("bottom");
        for (int i = 0; i < depth; i++) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            a.add(n);
            n = a;
        }
        return n;
    }

    private void replaceRandomLeaf(JsonNode root, JsonNode with) {
        List<Map.Entry<ObjectNode, String>> leaves = new ArrayList<>();
        collectLeaves(root, leaves);
        if (!leaves.isEmpty()) {
            Map.Entry<ObjectNode, String> e = leaves.get(random.nextInt(leaves.size()));
            e.getKey().set(e.getValue(), with);
        }
    }

    private void removeRandomField(JsonNode root) {
        List<Map.Entry<ObjectNode, String>> fields = new ArrayList<>();
        collectFields(root, fields);
        if (!fields.isEmpty()) {
            Map.Entry<ObjectNode, String> e = fields.get(random.nextInt(fields.size()));
            e.getKey().remove(e.getValue());
        }
    }

    private static void collectLeaves(JsonNode n, List<Map.Entry<ObjectNode, String>> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getValue().isValueNode()) {
                    out.add(Map.entry((ObjectNode) n, f.getKey()));
                } else {
                    collectLeaves(f.getValue(), out);
                }
            }
        } else if (n.isArray()) {
            n.forEach(c -> collectLeaves(c, out));
        }
    }

    private static void collectFields(JsonNode n, List<Map.Entry<ObjectNode, String>> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                out.add(Map.entry((ObjectNode) n, f.getKey()));
                collectFields(f.getValue(), out);
            }
        } else if (n.isArray()) {
            n.forEach(c -> collectFields(c, out));
        }
    }

    private void message(String kind, Path fixture, String body, Expect expect, int minEvents) {
        message(kind, fixture, body, null, expect, minEvents);
    }

    /** One variant: one lander envelope line (the way the Lambda lands it) holding the body. */
    private void message(String kind, Path fixture, String body, Map<String, String> attributes, Expect expect,
                         int minEvents) {
        String line = envelope(fixture, body, attributes);
        rawObject(kind, fixture, gzip((line + "\n").getBytes(StandardCharsets.UTF_8)), expect, minEvents, ".jsonl.gz");
    }

    private String envelope(Path fixture, String body) {
        return envelope(fixture, body, null);
    }

    private String envelope(Path fixture, String body, Map<String, String> attributes) {
        Map<String, String> attrs = new LinkedHashMap<>();
        if (attributes != null) {
            attrs.putAll(attributes);
        } else {
            String name = fixture.getFileName().toString();
            attrs.put("event_name", isCanvas(fixture)
                    ? Json.parse(read(fixture)).path("metadata").path("event_name").asText()
                    : name.substring(name.indexOf('_') + 1, name.length() - ".json".length()));
        }
        return RawEnvelope.line(new LiveEventMessage("proof-" + next() + "-" + random.nextInt(1_000_000),
                receivedAt.plusMillis(next()), attrs, body));
    }

    private void rawObject(String kind, Path fixture, byte[] bytes, Expect expect, int minEvents, String suffix) {
        int n = next();
        Path object = rawRoot.resolve("dt=2026-09-01").resolve("hour=10")
                .resolve(String.format("variant-%04d-%s%s", n, kind, suffix));
        try {
            Files.createDirectories(object.getParent());
            Files.write(object, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        variants.add(new Variant(n, kind, fixture == null ? "" : fixture.getFileName().toString(), object, expect,
                minEvents));
    }

    private static String compact(JsonNode n) {
        try {
            return Json.MAPPER.writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
