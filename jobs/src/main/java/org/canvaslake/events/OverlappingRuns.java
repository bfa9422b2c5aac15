package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;

/**
 * Two events runs on one lake at the same time, found after the fact. Each run takes the raw objects the ledger does
 * not hold yet and asks the live stream which of their events it holds; when a second run asks before the first has
 * committed, both append the same events. The lake's events lease ({@code LakeLease}, taken by every run first)
 * keeps that from happening; this is what is left when there is no lease ({@code --lease-minutes 0}, a lake on
 * storage that gives none, an S3-compatible store without conditional PUTs). The ledger shows it: the run that records its objects after the other
 * finds them recorded by that run ({@link EventsLedger.Recorded#alsoRecordedBy()}), or its ledger commit fails on
 * the other's (a Delta conflict, as when both create the ledger). Then the tables this run wrote are counted for
 * events held more than once in the dates it wrote, and the run fails naming them and the mend, or, when the run
 * that looked second found the other's events there already and nothing is twice, says so in a note.
 */
final class OverlappingRuns {

    /** The unit the run report names for a failure of this kind. */
    static final String UNIT = "events (two runs at once)";

    static final String ONE_AT_A_TIME = "Keep to one events run per lake at a time: the lake's events lease does"
            + " (see --lease-minutes); without it (turned off, or a lake whose storage gives none) the DAG's"
            + " max_active_runs=1 and the Glue job's MaxConcurrentRuns=1 keep the scheduled runs apart, but nothing"
            + " stops a run started by hand beside a scheduled one.";

    private OverlappingRuns() {
    }

    /**
     * How many events each of the tables holds more than once in the date partitions {@code dates}
     * ({@code yyyy-MM-dd}); tables with none are left out. The tables must have {@code event_id} and {@code dt}.
     */
    static Map<String, Long> doubled(SparkSession spark, Lake lake, Collection<String> tables,
                                     Collection<String> dates) {
        Map<String, Long> doubled = new LinkedHashMap<>();
        if (dates.isEmpty()) {
            return doubled;
        }
        String inDates = "dt IN (" + dates.stream().distinct().sorted().map(d -> "DATE'" + d + "'")
                .collect(Collectors.joining(", ")) + ")";
        for (String table : tables) {
            long twice = DeltaTables.read(spark, lake.table(table)).where(functions.expr(inDates))
                    .groupBy("event_id").count().where(col("count").gt(1)).count();
            if (twice > 0) {
                doubled.put(table, twice);
            }
        }
        return doubled;
    }

    /**
     * Whether a commit failed because another transaction committed first (any of Delta's concurrent-modification
     * errors, however wrapped): with the ledger, another events run recording it, or creating it, at the same moment.
     */
    static boolean lostToAnotherCommit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.delta.exceptions.DeltaConcurrentModificationException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The run report's failure when events are in the tables more than once; {@code otherRuns} empty when the
     * ledger's commit lost to the other run's (which then recorded the objects).
     */
    static String failure(Map<String, Long> otherRuns, int objects, Map<String, Long> doubled) {
        String who = otherRuns.isEmpty() ? "this run's ledger commit lost to another's made at the same moment"
                : runs(otherRuns) + ", of the " + objects + " this run read";
        return "Another events run compacted the same raw objects at the same time (" + who
                + "), and events are now in the tables twice: " + doubled.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " events)").collect(Collectors.joining(", "))
                + ". Nothing is lost. To mend it, once no events run is going, run 'canvaslake events --full': it"
                + " rebuilds every events table and the ledger from the raw objects. " + ONE_AT_A_TIME;
    }

    /** The run report's note when another run took the same objects but nothing is there twice. */
    static String harmless(Map<String, Long> otherRuns, int objects) {
        return "Another events run compacted some of the same raw objects at the same time (" + runs(otherRuns)
                + ", of the " + objects + " this run read). No event is twice in the tables this run wrote (the run"
                + " that looked second found the other's events there already), so nothing needs mending. "
                + ONE_AT_A_TIME;
    }

    private static String runs(Map<String, Long> otherRuns) {
        return otherRuns.entrySet().stream().map(e -> "run " + e.getKey() + ": " + e.getValue() + " object(s)")
                .collect(Collectors.joining("; "));
    }
}
