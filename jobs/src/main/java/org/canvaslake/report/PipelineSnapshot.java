package org.canvaslake.report;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Everything the pipeline report page shows, read from the lake once ({@link PipelineSnapshotReader}) and rendered
 * without Spark ({@link ReportPage}), so the page can be tested from plain values.
 */
public record PipelineSnapshot(Instant generatedAt, String lake, List<Run> latestRuns, List<Run> recentRuns,
                               List<TableRows> tables, List<DayCount> eventsPerDay, List<Unmatched> unmatched) {

    public PipelineSnapshot {
        latestRuns = List.copyOf(latestRuns);
        recentRuns = List.copyOf(recentRuns);
        tables = List.copyOf(tables);
        eventsPerDay = List.copyOf(eventsPerDay);
        unmatched = List.copyOf(unmatched);
    }

    /** One run of one job as {@code _meta.runs} holds it. */
    public record Run(String job, String runId, String status, Instant startedAt, long durationMs,
                      Map<String, Map<String, Long>> tables, List<String> notes, List<String> failures) {
        public Run {
            tables = Map.copyOf(tables);
            notes = List.copyOf(notes);
            failures = List.copyOf(failures);
        }
    }

    public record TableRows(String table, long rows) {
    }

    public record DayCount(LocalDate day, String eventName, long events) {
    }

    /** Of the product's events that name the entity, how many found it not. */
    public record Unmatched(String entity, long referenced, long unmatched) {
        public double share() {
            return referenced == 0 ? 0 : (double) unmatched / referenced;
        }
    }
}
