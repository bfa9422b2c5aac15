package org.canvaslake.report;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pipeline run report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched, so
 * it opens straight from the lake. The markup is also well-formed XML, which keeps it checkable without a
 * browser.
 */
public final class ReportPage {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private static final String CSS = String.join("\n",
            "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}",
            "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}",
            ".meta{color:#666;font-size:13px}",
            "table{border-collapse:collapse;font-size:13px;margin-top:6px}",
            "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}",
            "th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}td.time{white-space:nowrap}",
            ".succeeded{color:#2a7a2a;font-weight:600}.failed{color:#b00020;font-weight:600}",
            "svg text{font-size:12px;fill:#333}svg .empty{fill:#888}",
            "ul.notes{font-size:12px;color:#444;margin:2px 0 0 0;padding-left:18px}");

    private ReportPage() {
    }

    public static String render(PipelineSnapshot s) {
        boolean failed = s.latestRuns().stream().anyMatch(r -> !"succeeded".equals(r.status()));
        StringBuilder out = new StringBuilder(16_384);
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
                .append("<title>Canvas Lake pipeline report</title><style>").append(CSS).append("</style></head><body>");
        out.append("<h1>Canvas Lake pipeline report</h1><p class=\"meta\">Generated ")
                .append(TIME.format(s.generatedAt())).append(" from the lake ").append(Html.escape(s.lake()))
                .append(". Overall: <span id=\"overall\" class=\"").append(failed ? "failed\">FAILED" : "succeeded\">OK")
                .append("</span> (latest run of each job).</p>");

        out.append("<h2>Latest run of each job</h2>").append(latestRunsTable(s.latestRuns()));
        out.append("<h2>Events per day by type</h2>").append(SvgCharts.stackedDays("chart-events-per-day",
                "Events per day by type", byDay(s.eventsPerDay())));
        out.append("<h2>Unmatched joins in product.learning_events</h2>")
                .append("<p class=\"meta\">Share of the events naming a user, course or assignment that the entity "
                        + "tables do not know (yet).</p>")
                .append(SvgCharts.horizontalBars("chart-unmatched", "Unmatched share per entity", unmatchedBars(s), 1.0));
        out.append("<h2>Rows per table</h2>").append(SvgCharts.horizontalBars("chart-rows", "Rows per table",
                s.tables().stream().map(t -> new SvgCharts.Bar(t.table(), t.rows(),
                        String.format(Locale.ROOT, "%,d", t.rows()))).toList(), 0));
        out.append("<h2>Durations (latest run of each job)</h2>").append(SvgCharts.horizontalBars("chart-durations",
                "Duration of the latest run per job", s.latestRuns().stream().map(r -> new SvgCharts.Bar(r.job(),
                        r.durationMs() / 1000.0, String.format(Locale.ROOT, "%.1f s", r.durationMs() / 1000.0)))
                        .toList(), 0));
        out.append("<h2>Recent runs</h2>").append(recentRunsTable(s.recentRuns()));
        out.append("</body></html>\n");
        return out.toString();
    }

    private static List<SvgCharts.Bar> unmatchedBars(PipelineSnapshot s) {
        List<SvgCharts.Bar> bars = new ArrayList<>();
        for (PipelineSnapshot.Unmatched u : s.unmatched()) {
            bars.add(new SvgCharts.Bar(u.entity(), u.share(), String.format(Locale.ROOT, "%.1f%% (%,d of %,d)",
                    100 * u.share(), u.unmatched(), u.referenced())));
        }
        return bars;
    }

    static Map<LocalDate, Map<String, Long>> byDay(List<PipelineSnapshot.DayCount> counts) {
        Map<LocalDate, Map<String, Long>> out = new TreeMap<>();
        if (counts.isEmpty()) {
            return out;
        }
        LocalDate first = counts.stream().map(PipelineSnapshot.DayCount::day).min(LocalDate::compareTo).orElseThrow();
        LocalDate last = counts.stream().map(PipelineSnapshot.DayCount::day).max(LocalDate::compareTo).orElseThrow();
        // days without events still get their (empty) slot so the time axis is honest
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            out.put(d, new TreeMap<>());
        }
        counts.forEach(c -> out.get(c.day()).merge(c.eventName(), c.events(), Long::sum));
        return out;
    }

    private static String latestRunsTable(List<PipelineSnapshot.Run> runs) {
        if (runs.isEmpty()) {
            return "<p class=\"meta\">No runs recorded in _meta.runs yet.</p>";
        }
        StringBuilder t = new StringBuilder("<table id=\"latest-runs\"><tr><th>job</th><th>status</th><th>started</th>"
                + "<th>duration</th><th>tables (metrics)</th><th>notes and failures</th></tr>");
        for (PipelineSnapshot.Run r : runs) {
            t.append("<tr><td>").append(Html.escape(r.job())).append("</td><td class=\"")
                    .append("succeeded".equals(r.status()) ? "succeeded" : "failed").append("\">")
                    .append(Html.escape(r.status())).append("</td><td class=\"time\">").append(time(r.startedAt()))
                    .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.1f s", r.durationMs() / 1000.0))
                    .append("</td><td>");
            r.tables().forEach((table, metrics) -> {
                t.append("<b>").append(Html.escape(table)).append("</b> ");
                List<String> parts = new ArrayList<>();
                new TreeMap<>(metrics).forEach((k, v) -> parts.add(k + "=" + String.format(Locale.ROOT, "%,d", v)));
                t.append(Html.escape(String.join(", ", parts))).append("<br/>");
            });
            t.append("</td><td>");
            if (!r.notes().isEmpty() || !r.failures().isEmpty()) {
                t.append("<ul class=\"notes\">");
                r.failures().forEach(f -> t.append("<li class=\"failed\">").append(Html.escape(f)).append("</li>"));
                r.notes().forEach(n -> t.append("<li>").append(Html.escape(n)).append("</li>"));
                t.append("</ul>");
            }
            t.append("</td></tr>");
        }
        return t.append("</table>").toString();
    }

    private static String recentRunsTable(List<PipelineSnapshot.Run> runs) {
        if (runs.isEmpty()) {
            return "<p class=\"meta\">No runs recorded yet.</p>";
        }
        StringBuilder t = new StringBuilder("<table id=\"recent-runs\"><tr><th>started</th><th>job</th><th>run id</th>"
                + "<th>status</th><th>duration</th></tr>");
        for (PipelineSnapshot.Run r : runs) {
            t.append("<tr><td class=\"time\">").append(time(r.startedAt())).append("</td><td>").append(Html.escape(r.job()))
                    .append("</td><td>").append(Html.escape(r.runId())).append("</td><td class=\"")
                    .append("succeeded".equals(r.status()) ? "succeeded" : "failed").append("\">")
                    .append(Html.escape(r.status())).append("</td><td class=\"num\">")
                    .append(String.format(Locale.ROOT, "%.1f s", r.durationMs() / 1000.0)).append("</td></tr>");
        }
        return t.append("</table>").toString();
    }

    private static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }
}
