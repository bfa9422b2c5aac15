package org.canvaslake.common.report;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.text.Redaction;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one run of a job did: per table counts (in, out, inserted, updated, deleted, ...), free counters, failed
 * units and notes. Every job returns one; it is printed, stored in {@code _meta.runs} and handed to the notifier.
 * Thread-safe, because tables of one run are processed in parallel.
 */
public final class RunReport {

    public record Failure(String unit, String message) {
    }

    /** The report JSON's field for {@link #scope()}, absent for a run of the whole job. */
    public static final String SCOPE = "scope";

    private final String job;
    private final String runId;
    private final Instant startedAt;
    private Instant finishedAt;
    private final Map<String, Map<String, Long>> tables = new LinkedHashMap<>();
    private final Map<String, Long> counters = new TreeMap<>();
    private final List<Failure> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String scope;

    public RunReport(String job, String runId, Instant startedAt) {
        this.job = job;
        this.runId = runId;
        this.startedAt = startedAt;
    }

    public static RunReport start(String job) {
        return new RunReport(job, newRunId(), Instant.now());
    }

    /** Sortable and unique: start time to the second, then a random suffix. */
    public static String newRunId() {
        String time = Instant.now().toString().replaceAll("[-:]", "").replaceAll("\\.\\d+", "");
        return time + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String job() {
        return job;
    }

    public String runId() {
        return runId;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public synchronized Instant finishedAt() {
        return finishedAt;
    }

    /**
     * What part of its job this run did, when a job is run in parts that are scheduled apart (the canvas job one
     * entity per task): the report page keeps the latest run of each part, not only of the job. Null: the whole job.
     */
    public synchronized RunReport scope(String scope) {
        this.scope = scope;
        return this;
    }

    public synchronized String scope() {
        return scope;
    }

    /** How a run is named to people: its job, then its scope when it has one ("canvas (users)"). */
    public static String title(String job, String scope) {
        return scope == null ? job : job + " (" + scope + ")";
    }

    /** Adds {@code n} to a table's metric (e.g. "inserted"). */
    public synchronized RunReport count(String table, String metric, long n) {
        tables.computeIfAbsent(table, t -> new LinkedHashMap<>()).merge(metric, n, Long::sum);
        return this;
    }

    /** Adds {@code n} to a run-wide counter (e.g. "raw_objects", "quarantined.broken_json"). */
    public synchronized RunReport counter(String name, long n) {
        counters.merge(name, n, Long::sum);
        return this;
    }

    public synchronized RunReport fail(String unit, String message) {
        failures.add(new Failure(unit, Redaction.redact(message == null ? "(no message)" : message)));
        return this;
    }

    public synchronized RunReport note(String note) {
        notes.add(Redaction.redact(note));
        return this;
    }

    public synchronized RunReport finish() {
        if (finishedAt == null) {
            finishedAt = Instant.now();
        }
        return this;
    }

    public synchronized boolean succeeded() {
        return failures.isEmpty();
    }

    public String status() {
        return succeeded() ? "succeeded" : "failed";
    }

    public int exitCode() {
        return succeeded() ? 0 : 1;
    }

    public synchronized Map<String, Map<String, Long>> tables() {
        Map<String, Map<String, Long>> copy = new LinkedHashMap<>();
        tables.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
        return copy;
    }

    public synchronized long tableCount(String table, String metric) {
        return tables.getOrDefault(table, Map.of()).getOrDefault(metric, 0L);
    }

    public synchronized Map<String, Long> counters() {
        return Map.copyOf(counters);
    }

    public synchronized long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    public synchronized List<Failure> failures() {
        return List.copyOf(failures);
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    public synchronized Duration duration() {
        return Duration.between(startedAt, finishedAt == null ? Instant.now() : finishedAt);
    }

    public synchronized ObjectNode toJson() {
        ObjectNode root = Json.object();
        root.put("job", job);
        if (scope != null) {
            root.put(SCOPE, scope);
        }
        root.put("run_id", runId);
        root.put("status", status());
        root.put("started_at", startedAt.toString());
        root.put("finished_at", finishedAt == null ? null : finishedAt.toString());
        root.put("duration_ms", duration().toMillis());
        ObjectNode t = root.putObject("tables");
        tables.forEach((name, metrics) -> {
            ObjectNode m = t.putObject(name);
            metrics.forEach(m::put);
        });
        ObjectNode c = root.putObject("counters");
        counters.forEach(c::put);
        ArrayNode f = root.putArray("failures");
        failures.forEach(x -> f.addObject().put("unit", x.unit()).put("message", x.message()));
        ArrayNode n = root.putArray("notes");
        notes.forEach(n::add);
        return root;
    }

    /** The human-readable form printed at the end of a run. */
    public synchronized String toText() {
        StringBuilder out = new StringBuilder();
        out.append("== ").append(title(job, scope)).append(" run ").append(runId).append(": ")
                .append(status().toUpperCase())
                .append(" in ").append(String.format("%.1f s", duration().toMillis() / 1000.0)).append('\n');
        tables.forEach((name, metrics) -> {
            out.append("  ").append(name).append(": ");
            List<String> parts = new ArrayList<>();
            metrics.forEach((k, v) -> parts.add(k + "=" + v));
            out.append(String.join(", ", parts)).append('\n');
        });
        if (!counters.isEmpty()) {
            out.append("  counters: ");
            List<String> parts = new ArrayList<>();
            counters.forEach((k, v) -> parts.add(k + "=" + v));
            out.append(String.join(", ", parts)).append('\n');
        }
        notes.forEach(x -> out.append("  note: ").append(x).append('\n'));
        failures.forEach(x -> out.append("  FAILED ").append(x.unit()).append(": ").append(x.message()).append('\n'));
        return out.toString();
    }
}
