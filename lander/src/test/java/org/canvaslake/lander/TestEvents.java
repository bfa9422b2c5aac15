package org.canvaslake.lander;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.canvaslake.common.testing.Fixtures;

/** Message bodies to send through the lander, with the event_name attribute Canvas sets on each. */
final class TestEvents {

    /** One message to send: its event_name attribute and its body. */
    record Event(String eventName, String body) {
    }

    private TestEvents() {
    }

    /**
     * The published Canvas and Caliper example events (../shared/fixtures), each file's text as the body, as
     * pretty-printed as Instructure published it. Skips the calling test when the fixtures are absent.
     */
    static List<Event> published() {
        List<Event> out = new ArrayList<>();
        for (String folder : List.of("canvas", "caliper")) {
            for (Path file : Fixtures.list(folder, ".json")) {
                // "05_logged_in.json" -> "logged_in"
                String name = file.getFileName().toString().replaceFirst("^\\d+_", "").replaceFirst("\\.json$", "");
                try {
                    out.add(new Event(name, Files.readString(file)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    /**
     * Canvas-shaped bodies that need no fixtures, each with what a lander could spoil: irregular spacing and key
     * order, a line break, non-ASCII text, a global id beyond double precision; every fifth one is not JSON at all
     * (the lander keeps bodies verbatim and leaves judging them to the compaction).
     */
    static List<Event> synthetic(int count) {
        List<Event> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String body = i % 5 == 4
                    ? "not json {" + i + "}\ttab"
                    : "{\"body\" : {\"n\": " + i + ", \"text\": \"Zoë ✓ line\\nbreak\"},\n  \"metadata\":{"
                            + "\"event_name\":\"logged_in\",\"user_id\":\"2107000000000" + (1000 + i) + "\"}}";
            out.add(new Event(i % 2 == 0 ? "logged_in" : "asset_accessed", body));
        }
        return out;
    }
}
