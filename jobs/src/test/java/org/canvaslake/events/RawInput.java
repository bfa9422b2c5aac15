package org.canvaslake.events;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;

import com.fasterxml.jackson.databind.JsonNode;

/** Builds raw input for the events job tests: fixtures as SQS would deliver them, landed by the lander's code. */
final class RawInput {

    private RawInput() {
    }

    /**
     * Every fixture of a folder as one message, the body verbatim. Canvas events get the attributes Canvas sets
     * (event_name, event_time from the metadata); Caliper files carry no event name, so the attribute is supplied the
     * way SQS would deliver it, from the fixture's name ({@code 03_grade_change.json} → {@code grade_change}).
     */
    static List<LiveEventMessage> fixtureMessages(String folder, Instant receivedAt) {
        List<LiveEventMessage> out = new ArrayList<>();
        int i = 0;
        for (Path file : Fixtures.list(folder, ".json")) {
            String body = read(file);
            JsonNode node = Json.parse(body);
            Map<String, String> attributes = new LinkedHashMap<>();
            if (folder.equals("caliper")) {
                attributes.put("event_name", nameOf(file));
                attributes.put("event_time", node.path("data").path(0).path("eventTime").asText());
            } else {
                attributes.put("event_name", node.path("metadata").path("event_name").asText());
                attributes.put("event_time", node.path("metadata").path("event_time").asText());
            }
            out.add(new LiveEventMessage(folder + "-" + file.getFileName(), receivedAt.plusMillis(i++), attributes, body));
        }
        return out;
    }

    /** {@code 03_grade_change.json} → {@code grade_change}. */
    static String nameOf(Path fixture) {
        String name = fixture.getFileName().toString();
        return name.substring(name.indexOf('_') + 1, name.length() - ".json".length());
    }

    /** Lands the messages in batches of {@code batchSize}, as the Lambda handler does; returns the object keys. */
    static List<String> land(Path lakeRoot, List<LiveEventMessage> messages, int batchSize) {
        BatchLander lander = new BatchLander(new LocalObjectStore(lakeRoot));
        List<String> keys = new ArrayList<>();
        try {
            for (int i = 0; i < messages.size(); i += batchSize) {
                keys.add(lander.land(messages.subList(i, Math.min(messages.size(), i + batchSize))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
