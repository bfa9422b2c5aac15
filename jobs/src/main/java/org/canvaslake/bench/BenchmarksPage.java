package org.canvaslake.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * {@code docs/benchmarks.md}: a hand-written introduction, then the results of the last {@code bench all}. Only the
 * part after {@link #MARKER} is replaced, so the introduction stays as written; a page without the marker keeps all
 * of its text and gets the results appended after a marker.
 */
final class BenchmarksPage {

    static final String MARKER = "<!-- Everything below this line is written by `canvaslake bench all`; edit the text "
            + "above it. -->";

    /** Where and when the results were measured. */
    record Run(String command, Instant started, Instant finished, String machine, double loadAtStart,
               double loadAtEnd) {
    }

    private BenchmarksPage() {
    }

    /** The generated section: when, where, how, then one table per benchmark. */
    static String render(Run run, List<BenchmarkResult> results) {
        StringBuilder out = new StringBuilder();
        out.append("## Results\n\n");
        out.append("Measured by `").append(run.command()).append("` on ")
                .append(run.started().truncatedTo(ChronoUnit.SECONDS)).append(" (")
                .append(Math.round((run.finished().toEpochMilli() - run.started().toEpochMilli()) / 1000.0))
                .append(" s in all).\n\n");
        out.append(String.format(Locale.ROOT, "Machine: %s; load average %.1f at the start and %.1f at the end "
                + "(other work on the machine slows both sides of each ratio, not always equally).%n", run.machine(),
                run.loadAtStart(), run.loadAtEnd()));
        for (BenchmarkResult result : results) {
            BenchmarkResult.Table t = result.table();
            out.append("\n### ").append(t.title()).append("\n\n");
            out.append("`").append(t.command()).append("`\n\n");
            out.append(row(t.header()));
            out.append(row(IntStream.range(0, t.header().size()).mapToObj(i -> i == 0 ? "---" : "---:").toList()));
            t.rows().forEach(r -> out.append(row(r)));
            if (!t.notes().isEmpty()) {
                out.append('\n');
                t.notes().forEach(n -> out.append("- ").append(n).append('\n'));
            }
        }
        return out.toString();
    }

    /** Replaces the generated part of the page (or appends it); returns the page's new text. */
    static String merge(String existing, String generated) {
        int at = existing.indexOf(MARKER);
        String intro = at >= 0 ? existing.substring(0, at) : existing.stripTrailing() + "\n\n";
        return intro + MARKER + "\n\n" + generated;
    }

    static void write(Path page, String generated) throws IOException {
        String existing = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8)
                : "# Benchmarks\n\nWritten by `canvaslake bench all`.\n";
        Files.writeString(page, merge(existing, generated), StandardCharsets.UTF_8);
    }

    private static String row(List<String> cells) {
        return "| " + String.join(" | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()) + " |\n";
    }
}
