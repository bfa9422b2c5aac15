package org.canvaslake.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.canvaslake.common.io.FileTrees;

/**
 * The benchmarks' work directory: generated input is made once and reused (a {@code _COMPLETE} marker says it was
 * finished, so an interrupted generation is redone rather than half used), lakes are copied and removed.
 */
final class BenchFiles {

    static final String COMPLETE = "_COMPLETE";

    /** Makes generated input. */
    interface Generation {
        String generate(Path dir) throws Exception;
    }

    private BenchFiles() {
    }

    /**
     * Generates into {@code dir} unless a finished generation is there already. The returned text (what was
     * generated) is kept in the marker.
     */
    static void cached(Path dir, String what, PrintStream log, Generation generation) throws Exception {
        if (Files.exists(dir.resolve(COMPLETE))) {
            log.printf("Reusing %s in %s%n", what, dir);
            return;
        }
        log.printf("Generating %s into %s (once; reused afterwards) ...%n", what, dir);
        FileTrees.delete(dir);
        Files.createDirectories(dir);
        long t = System.nanoTime();
        String made = generation.generate(dir);
        Files.writeString(dir.resolve(COMPLETE), made + "\n");
        log.printf("  generated in %.1f s: %s%n", (System.nanoTime() - t) / 1e9, made);
    }

    /** Regular files under {@code dir}, sorted. */
    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
