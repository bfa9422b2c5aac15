package org.canvaslake.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The floor for the events job: plain Java doing the least any reader must do with the landed objects — gunzip
 * every object and parse every envelope line and every event body with Jackson (default settings, tree model),
 * on all cores through a thread pool. No Spark, no output.
 */
public final class FloorReader {

    /** What one pass read. */
    public record Result(long objects, long lines, long events, long bytes, long nanos) {
        public double eventsPerSecond() {
            return lines / (nanos / 1e9);
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FloorReader() {
    }

    public static Result read(Path root, int threads) throws IOException, InterruptedException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".")
                            && !p.getFileName().toString().startsWith("_"))
                    .toList();
        }
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> parts = new ArrayList<>();
            int slice = Math.max(1, files.size() / (threads * 16));
            for (int i = 0; i < files.size(); i += slice) {
                List<Path> mine = files.subList(i, Math.min(files.size(), i + slice));
                parts.add(pool.submit(() -> readAll(mine)));
            }
            long lines = 0;
            long events = 0;
            long bytes = 0;
            for (Future<long[]> f : parts) {
                long[] r = f.get();
                lines += r[0];
                events += r[1];
                bytes += r[2];
            }
            return new Result(files.size(), lines, events, bytes, System.nanoTime() - start);
        } catch (ExecutionException e) {
            throw new IOException("The floor reader failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** {lines, events parsed, bytes} of some files. */
    private static long[] readAll(List<Path> files) {
        long lines = 0;
        long events = 0;
        long bytes = 0;
        for (Path file : files) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
                 BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
                bytes += Files.size(file);
                String line;
                while ((line = reader.readLine()) != null) {
                    lines++;
                    try {
                        JsonNode envelope = MAPPER.readTree(line);
                        JsonNode body = MAPPER.readTree(envelope.path("body").asText());
                        if (body != null && !body.isMissingNode()) {
                            events++;
                        }
                    } catch (IOException malformed) {
                        // malformed bodies are part of the input; the floor only has to try them
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": " + e.getMessage(), e);
            }
        }
        return new long[]{lines, events, bytes};
    }
}
