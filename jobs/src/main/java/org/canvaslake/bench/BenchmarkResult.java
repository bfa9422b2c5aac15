package org.canvaslake.bench;

import java.util.List;
import java.util.Locale;

/**
 * What one benchmark measured, as values rather than printed text, so that {@code bench all} can put every result
 * into {@code docs/benchmarks.md} and tests can check the ratios.
 */
public interface BenchmarkResult {

    /** The benchmark as a table: a title, the command that reproduces it, a header, rows, and notes under it. */
    Table table();

    /** Measured in the same run side by side; the ratios are the point, absolute numbers depend on the machine. */
    record Table(String title, String command, List<String> header, List<List<String>> rows, List<String> notes) {

        public Table {
            for (List<String> row : rows) {
                if (row.size() != header.size()) {
                    throw new IllegalArgumentException("Table '" + title + "': row " + row + " has " + row.size()
                            + " cells for " + header.size() + " columns " + header);
                }
            }
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            notes = List.copyOf(notes);
        }
    }

    /** {@code 1234567.8} as {@code 1,234,568}. */
    static String countText(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    /** Seconds with two decimals. */
    static String secondsText(double s) {
        return String.format(Locale.ROOT, "%.2f", s);
    }

    /** A ratio with three significant decimals; "n/a" when not measured. */
    static String ratioText(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.3f", r) : "n/a";
    }
}
