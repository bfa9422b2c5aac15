package org.canvaslake.events;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code --full} rebuild that has started and not finished, marked by a small file in {@code _meta/}: written
 * before the rebuild's first batch, removed after its last. A rebuild that stops part way leaves tables that hold only
 * the batches it reached, beside a ledger that (when it stopped in the first batch) still lists every object, or
 * tables it never reached that still hold events the rebuilt live stream lacks; a normal run would then leave events
 * out for good, or append them twice. So while the mark is there, normal runs refuse and name the fix: run
 * {@code --full} again.
 */
final class UnfinishedRebuild {

    static final String FILE = "_meta/_events_full_rebuild.json";

    private final Path path;
    private final Configuration hadoop;

    UnfinishedRebuild(Lake lake, Configuration hadoop) {
        this.path = new Path(lake.resolve(FILE));
        this.hadoop = hadoop;
    }

    /** The unfinished rebuild's run id and start, or empty when none is marked. */
    Optional<String> find() {
        try {
            FileSystem fs = fileSystem();
            if (!fs.exists(path)) {
                return Optional.empty();
            }
            try (InputStream in = fs.open(path)) {
                JsonNode mark = Json.MAPPER.readTree(in);
                return Optional.of("run " + mark.path("run_id").asText("?") + ", started "
                        + mark.path("started_at").asText("?"));
            } catch (IOException unreadable) {
                // a mark cut short is still a mark: the rebuild it names did not finish
                return Optional.of("its mark " + path + " is unreadable: " + unreadable.getMessage());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot check for an unfinished --full rebuild at " + path + ": "
                    + e.getMessage(), e);
        }
    }

    /** Marks a rebuild by {@code runId} as started. */
    void start(String runId) {
        byte[] mark = Json.object().put("run_id", runId).put("started_at", Instant.now().toString()).toString()
                .getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = fileSystem().create(path, true)) {
            out.write(mark);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot mark the --full rebuild as started at " + path + ": "
                    + e.getMessage(), e);
        }
    }

    /** Removes the mark: the rebuild finished. */
    void finish() {
        try {
            fileSystem().delete(path, false);
        } catch (IOException e) {
            throw new UncheckedIOException("The --full rebuild finished, but its mark " + path + " could not be"
                    + " removed (" + e.getMessage() + "): remove it, or normal runs refuse as after an unfinished one",
                    e);
        }
    }

    private FileSystem fileSystem() throws IOException {
        return FileSystem.get(URI.create(path.toString()), hadoop);
    }
}
