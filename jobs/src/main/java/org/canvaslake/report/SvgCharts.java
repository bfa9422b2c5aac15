package org.canvaslake.report;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Small inline SVG charts for the report page: no script, no font or file from anywhere, so the page opens from
 * the lake (a local folder or a downloaded S3 object) exactly as written. Every bar carries a {@code <title>} with
 * its exact value (the browser shows it on hover).
 */
final class SvgCharts {

    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac"};
    private static final int WIDTH = 760;

    /** One labelled value of a horizontal bar chart. */
    record Bar(String label, double value, String text) {
    }

    private SvgCharts() {
    }

    /** Horizontal bars, one per item, scaled to the largest (or to {@code max} when it is positive). */
    static String horizontalBars(String id, String title, List<Bar> bars, double max) {
        int rowHeight = 24;
        int labelWidth = 230;
        int height = Math.max(1, bars.size()) * rowHeight + 10;
        double top = max > 0 ? max : bars.stream().mapToDouble(Bar::value).max().orElse(0);
        StringBuilder svg = open(id, title, height);
        if (bars.isEmpty()) {
            return empty(svg, "nothing to show yet");
        }
        int span = WIDTH - labelWidth - 110;
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int y = 5 + i * rowHeight;
            double w = top <= 0 ? 0 : Math.max(b.value() > 0 ? 1 : 0, span * b.value() / top);
            svg.append("<text class=\"label\" x=\"").append(labelWidth - 8).append("\" y=\"").append(y + 16)
                    .append("\" text-anchor=\"end\">").append(Html.escape(b.label())).append("</text>");
            svg.append("<rect class=\"bar\" x=\"").append(labelWidth).append("\" y=\"").append(y + 3)
                    .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(rowHeight - 8)
                    .append("\" fill=\"").append(PALETTE[0]).append("\"><title>").append(Html.escape(b.label()))
                    .append(": ").append(Html.escape(b.text())).append("</title></rect>");
            svg.append("<text class=\"value\" x=\"").append(fmt(labelWidth + w + 6)).append("\" y=\"").append(y + 16)
                    .append("\">").append(Html.escape(b.text())).append("</text>");
        }
        return svg.append("</svg>").toString();
    }

    /** Stacked vertical bars: one bar per day, one coloured segment per series, with a legend. */
    static String stackedDays(String id, String title, Map<LocalDate, Map<String, Long>> byDay) {
        int chartHeight = 200;
        int legendRows;
        List<String> series = new ArrayList<>(new TreeSet<>(byDay.values().stream()
                .flatMap(m -> m.keySet().stream()).toList()));
        legendRows = (series.size() + 2) / 3;
        int height = chartHeight + 40 + legendRows * 18;
        StringBuilder svg = open(id, title, height);
        if (byDay.isEmpty()) {
            return empty(svg, "no events yet");
        }
        Map<String, String> colour = new LinkedHashMap<>();
        for (int i = 0; i < series.size(); i++) {
            colour.put(series.get(i), PALETTE[i % PALETTE.length]);
        }
        long top = byDay.values().stream().mapToLong(m -> m.values().stream().mapToLong(Long::longValue).sum())
                .max().orElse(1);
        int left = 50;
        int plotWidth = WIDTH - left - 10;
        double slot = (double) plotWidth / byDay.size();
        double barWidth = Math.max(2, slot * 0.8);
        svg.append("<line class=\"axis\" x1=\"").append(left).append("\" y1=\"").append(chartHeight + 5)
                .append("\" x2=\"").append(WIDTH - 10).append("\" y2=\"").append(chartHeight + 5)
                .append("\" stroke=\"#999\"/>");
        svg.append("<text class=\"tick\" x=\"").append(left - 6).append("\" y=\"15\" text-anchor=\"end\">")
                .append(String.format(Locale.ROOT, "%,d", top)).append("</text>");
        int i = 0;
        for (Map.Entry<LocalDate, Map<String, Long>> day : byDay.entrySet()) {
            double x = left + i * slot + (slot - barWidth) / 2;
            double y = chartHeight + 5;
            for (String s : series) {
                long n = day.getValue().getOrDefault(s, 0L);
                if (n == 0) {
                    continue;
                }
                double h = (double) chartHeight * n / top;
                y -= h;
                svg.append("<rect class=\"bar\" data-series=\"").append(Html.escape(s)).append("\" x=\"")
                        .append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" width=\"").append(fmt(barWidth))
                        .append("\" height=\"").append(fmt(h)).append("\" fill=\"").append(colour.get(s))
                        .append("\"><title>").append(day.getKey()).append(' ').append(Html.escape(s)).append(": ")
                        .append(String.format(Locale.ROOT, "%,d", n)).append("</title></rect>");
            }
            boolean labelled = byDay.size() <= 10 || i % Math.max(1, byDay.size() / 8) == 0;
            if (labelled) {
                svg.append("<text class=\"tick\" x=\"").append(fmt(x + barWidth / 2)).append("\" y=\"")
                        .append(chartHeight + 20).append("\" text-anchor=\"middle\">")
                        .append(day.getKey().toString().substring(5)).append("</text>");
            }
            i++;
        }
        int legendTop = chartHeight + 34;
        for (int k = 0; k < series.size(); k++) {
            int lx = left + (k % 3) * 240;
            int ly = legendTop + (k / 3) * 18;
            svg.append("<rect class=\"legend\" x=\"").append(lx).append("\" y=\"").append(ly - 10)
                    .append("\" width=\"12\" height=\"12\" fill=\"").append(colour.get(series.get(k))).append("\"/>");
            svg.append("<text class=\"label\" x=\"").append(lx + 18).append("\" y=\"").append(ly).append("\">")
                    .append(Html.escape(series.get(k))).append("</text>");
        }
        return svg.append("</svg>").toString();
    }

    private static StringBuilder open(String id, String title, int height) {
        return new StringBuilder("<svg id=\"").append(Html.escape(id)).append("\" role=\"img\" width=\"")
                .append(WIDTH).append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH)
                .append(' ').append(height).append("\"><title>").append(Html.escape(title)).append("</title>");
    }

    private static String empty(StringBuilder svg, String message) {
        return svg.append("<text class=\"empty\" x=\"10\" y=\"20\">").append(Html.escape(message))
                .append("</text></svg>").toString();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
