package org.canvaslake.report;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.to_date;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunLog;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.product.JoinCounts;
import org.canvaslake.product.ProductSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads what the report shows from the lake: {@code _meta.runs}, the row count of every table of the pipeline's
 * databases ({@link Lake#DATABASES}), events, product.
 */
public final class PipelineSnapshotReader {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineSnapshotReader.class);
    static final int RECENT_RUNS = 30;
    static final int DAYS = 30;
    static final int EVENT_TYPES = 8;
    static final String OTHER = "(other types)";

    private PipelineSnapshotReader() {
    }

    public static PipelineSnapshot read(SparkSession spark, Lake lake) {
        List<PipelineSnapshot.Run> recent = recentRuns(spark, lake);
        List<PipelineSnapshot.Run> latest = latestRuns(spark, lake);
        List<PipelineSnapshot.TableRows> tables = new ArrayList<>();
        // database by database: on AWS the report's role may list these folders, not the lake bucket's root
        for (String database : Lake.DATABASES) {
            for (String t : LakeCatalog.discover(spark, lake, database)) {
                tables.add(new PipelineSnapshot.TableRows(t, DeltaTables.read(spark, lake.table(t)).count()));
            }
        }
        return new PipelineSnapshot(Instant.now(), lake.root(), latest, recent, tables,
                eventsPerDay(spark, lake), unmatched(spark, lake));
    }

    /** The last {@link #RECENT_RUNS} runs, newest first. */
    static List<PipelineSnapshot.Run> recentRuns(SparkSession spark, Lake lake) {
        String path = lake.table(RunLog.TABLE);
        if (!DeltaTables.exists(spark, path)) {
            return List.of();
        }
        return runs(DeltaTables.read(spark, path).orderBy(col("started_at").desc()).limit(RECENT_RUNS));
    }

    /**
     * The latest run of each job, newest first, over the whole run log: on an hourly schedule the recent runs are
     * mostly events runs, and a daily job's run would drop out of them within the day. A job run in parts (the
     * canvas DAG's one task per entity, {@link RunReport#scope}) has a latest run per part: one part's failure must
     * not be hidden by the next part's success.
     */
    static List<PipelineSnapshot.Run> latestRuns(SparkSession spark, Lake lake) {
        String path = lake.table(RunLog.TABLE);
        if (!DeltaTables.exists(spark, path)) {
            return List.of();
        }
        Dataset<Row> runs = DeltaTables.read(spark, path)
                .withColumn("__scope", coalesce(get_json_object(col("report"), "$." + RunReport.SCOPE), lit("")));
        return runs(DeltaTables.latestPerKey(runs, List.of("job", "__scope"), col("started_at").desc())
                .orderBy(col("started_at").desc()));
    }

    private static List<PipelineSnapshot.Run> runs(Dataset<Row> runLog) {
        List<PipelineSnapshot.Run> out = new ArrayList<>();
        List<Row> rows = runLog.select("job", "run_id", "status", "started_at", "duration_ms", "report")
                .collectAsList();
        for (Row r : rows) {
            Map<String, Map<String, Long>> tables = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            String job = r.getString(0);
            try {
                JsonNode report = Json.MAPPER.readTree(r.getString(5));
                job = RunReport.title(job, report.hasNonNull(RunReport.SCOPE)
                        ? report.get(RunReport.SCOPE).asText() : null);
                report.path("tables").fields().forEachRemaining(t -> {
                    Map<String, Long> metrics = new LinkedHashMap<>();
                    t.getValue().fields().forEachRemaining(m -> metrics.put(m.getKey(), m.getValue().asLong()));
                    tables.put(t.getKey(), metrics);
                });
                report.path("notes").forEach(n -> notes.add(n.asText()));
                report.path("failures").forEach(f -> failures.add(f.path("unit").asText() + ": "
                        + f.path("message").asText()));
            } catch (Exception e) {
                // one unreadable report must not hide the others; its row still shows job, status and duration
                LOG.warn("Run {} in {} has an unreadable report: {}", r.getString(1), RunLog.TABLE, e.getMessage());
            }
            out.add(new PipelineSnapshot.Run(job, r.getString(1), r.getString(2),
                    r.getTimestamp(3).toInstant(), r.getLong(4), tables, notes, failures));
        }
        return out;
    }

    /** Events per day and type over the last {@link #DAYS} days that have events; the smaller types summed up. */
    static List<PipelineSnapshot.DayCount> eventsPerDay(SparkSession spark, Lake lake) {
        String path = lake.table("events.live_stream");
        List<PipelineSnapshot.DayCount> out = new ArrayList<>();
        if (!DeltaTables.exists(spark, path)) {
            return out;
        }
        Dataset<Row> events = DeltaTables.read(spark, path);
        Set<String> have = new HashSet<>(Arrays.asList(events.columns()));
        Column day = have.contains("dt") && have.contains("event_time")
                ? coalesce(to_date(col("event_time")), col("dt"))
                : have.contains("event_time") ? to_date(col("event_time")) : col("dt");
        Row last = events.select(max(have.contains("dt") ? col("dt") : day)).first();
        if (last.isNullAt(0)) {
            return out;
        }
        LocalDate to = last.getDate(0).toLocalDate();
        LocalDate from = to.minusDays(DAYS - 1L);
        Dataset<Row> window = events.where(have.contains("dt") ? col("dt").geq(lit(java.sql.Date.valueOf(from)))
                : day.geq(lit(java.sql.Date.valueOf(from))));
        List<Row> counts = window.groupBy(day.as("day"), col("event_name")).agg(count(lit(1)).as("n"))
                .where(col("day").between(lit(java.sql.Date.valueOf(from)), lit(java.sql.Date.valueOf(to))))
                .collectAsList();
        Map<String, Long> totals = new LinkedHashMap<>();
        for (Row r : counts) {
            totals.merge(name(r.getString(1)), r.getLong(2), Long::sum);
        }
        Set<String> top = new HashSet<>(totals.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(EVENT_TYPES)
                .map(Map.Entry::getKey).toList());
        Map<String, Long> merged = new LinkedHashMap<>();
        for (Row r : counts) {
            String type = top.contains(name(r.getString(1))) ? name(r.getString(1)) : OTHER;
            merged.merge(r.getDate(0).toLocalDate() + "|" + type, r.getLong(2), Long::sum);
        }
        merged.forEach((k, n) -> {
            String[] parts = k.split("\\|", 2);
            out.add(new PipelineSnapshot.DayCount(LocalDate.parse(parts[0]), parts[1], n));
        });
        return out;
    }

    static List<PipelineSnapshot.Unmatched> unmatched(SparkSession spark, Lake lake) {
        String path = lake.table(ProductSchema.TABLE);
        if (!DeltaTables.exists(spark, path)) {
            return List.of();
        }
        return JoinCounts.of(DeltaTables.read(spark, path)).entities().stream()
                .map(e -> new PipelineSnapshot.Unmatched(e.entity().prefix(), e.referenced(), e.unmatched())).toList();
    }

    private static String name(String eventName) {
        return eventName == null ? "(no name)" : eventName;
    }
}
