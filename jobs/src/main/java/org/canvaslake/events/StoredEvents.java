package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.canvaslake.common.delta.DeltaTables;

/**
 * Which of a run's events the lake already holds (redeliveries from earlier runs, a re-run after a crash), found with
 * one join against {@code events.live_stream}, so that each table of an hourly run can be appended to instead of
 * being checked and MERGEd on its own: a Delta MERGE's fixed cost, paid by ~20 tables, made an hour on a month of
 * history cost several times the same hour alone.
 *
 * <p>Sound because a per-type table never holds an event the live stream lacks: the live stream commits first in
 * every run, and a run whose live stream fails writes no per-type table ({@code EventsJob.writeAll}). Which stored
 * copy of an event MERGE keeps depends only on the arrival columns ({@link Deduplication#EARLIER_ARRIVAL}), so a
 * table holding an event with the same arrival as the live stream's copy would be left alone by MERGE exactly when
 * the live stream's copy would.
 */
final class StoredEvents {

    /** More stored events than this in one run (a re-read of old objects): every table MERGEs as usual. */
    static final int MAX_CHECKED = 10_000;

    private static final String[] ARRIVAL = {"received_at", "source_object", "source_line", "source_index"};

    /** The live stream's copy of one of the run's events, and whether the run's copy would replace it. */
    private record Copy(String name, List<Object> arrival, boolean replaced) {
    }

    private final Map<String, Copy> byId;

    private StoredEvents(Map<String, Copy> byId) {
        this.byId = byId;
    }

    /**
     * Joins the run's events with the live stream's rows that {@code targetFilter} (over {@code t.}) leaves; empty
     * when more than {@link #MAX_CHECKED} of them are there.
     */
    static Optional<StoredEvents> find(SparkSession spark, Dataset<Row> events, String livePath, String targetFilter) {
        Dataset<Row> live = storedCopies(spark, livePath, targetFilter);
        List<Column> out = new ArrayList<>(List.of(col("s.event_id"), col("s.event_name"),
                functions.expr("coalesce(" + Deduplication.EARLIER_ARRIVAL + ", FALSE)")));
        Arrays.stream(ARRIVAL).map(c -> col("t." + c)).forEach(out::add);
        List<Row> rows = events.as("s").join(live.as("t"), functions.expr("t.event_id <=> s.event_id"), "inner")
                .select(out.toArray(Column[]::new)).limit(MAX_CHECKED + 1).collectAsList();
        if (rows.size() > MAX_CHECKED) {
            return Optional.empty();
        }
        Map<String, Copy> byId = new HashMap<>();
        for (Row r : rows) {
            byId.put(r.getString(0), new Copy(r.getString(1), arrival(r, 3), r.getBoolean(2)));
        }
        return Optional.of(new StoredEvents(byId));
    }

    /** The ids of the run's events with one of {@code names} that the live stream holds. */
    Set<String> ids(Collection<String> names) {
        Set<String> ids = new TreeSet<>();
        byId.forEach((id, copy) -> {
            if (names.contains(copy.name())) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** Whether the run's copy of any of these events arrived before the stored one (MERGE would replace it). */
    boolean replacesAny(Set<String> ids) {
        return ids.stream().anyMatch(id -> byId.get(id).replaced());
    }

    /**
     * Which of {@code ids} the table at {@code path} holds, reading only those rows (within {@code targetFilter});
     * empty when it holds one with another arrival than the live stream's copy, so that only MERGE can tell what to
     * do with it.
     */
    Optional<Set<String>> heldAlike(SparkSession spark, String path, String targetFilter, Set<String> ids) {
        List<Row> rows = storedCopies(spark, path, targetFilter).where(col("event_id").isin(ids.toArray()))
                .collectAsList();
        Set<String> held = new TreeSet<>();
        for (Row r : rows) {
            Copy live = byId.get(r.getString(0));
            if (live == null || !live.arrival().equals(arrival(r, 1))) {
                return Optional.empty();
            }
            held.add(r.getString(0));
        }
        return Optional.of(held);
    }

    /** The event id and the arrival columns of the table's rows that {@code targetFilter} (over {@code t.}) leaves. */
    private static Dataset<Row> storedCopies(SparkSession spark, String path, String targetFilter) {
        List<Column> columns = new ArrayList<>(List.of(col("event_id")));
        Arrays.stream(ARRIVAL).map(c -> col(c)).forEach(columns::add);
        return DeltaTables.read(spark, path).as("t").where(functions.expr(targetFilter))
                .select(columns.toArray(Column[]::new));
    }

    private static List<Object> arrival(Row r, int from) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < ARRIVAL.length; i++) {
            values.add(r.get(from + i));
        }
        return values;
    }
}
