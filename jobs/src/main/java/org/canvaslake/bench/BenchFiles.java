package org.canvaslake.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

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
        deleteTree(dir);
        Files.createDirectories(dir);
        long t = System.nanoTime();
        String made = generation.generate(dir);
        Files.writeString(dir.resolve(COMPLETE), made + "\n");
        log.printf("  generated in %.1f s: %s%n", (System.nanoTime() - t) / 1e9, made);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Copies the tree under {@code from} into {@code to} (created), files and directories alike. */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Regular files under {@code dir}, sorted. */
    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
