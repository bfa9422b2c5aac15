package org.canvaslake.common.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real Instructure payloads in {@code ../shared/fixtures/}, read in place. They are absent from a user's fresh
 * clone: tests that need them are skipped with a message saying so; CI always has them.
 */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path root() {
        String configured = System.getProperty("canvaslake.fixtures");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "fixtures");
        assumeTrue(Files.isDirectory(dir), "Skipped: the shared fixtures are not at " + dir.toAbsolutePath()
                + " (they sit beside the project in CI; a fresh clone does not have them)");
        return dir;
    }

    public static Path file(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.isRegularFile(p), "Skipped: fixture " + p + " is missing");
        return p;
    }

    public static String read(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The files of one fixture folder (e.g. "canvas"), sorted by name. */
    public static List<Path> list(String folder, String suffix) {
        try (Stream<Path> s = Files.list(root().resolve(folder))) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
