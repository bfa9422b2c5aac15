package org.canvaslake.product;

import java.util.OptionalLong;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.events.EventsLedger;

import io.delta.tables.DeltaTable;

/**
 * The version of {@code events.live_stream} the product may read: the newest one an events run has finished with.
 * The events job commits the live stream first, then the per-type tables (where the product's submission columns
 * come from), then its ledger, whose commit names the live stream's version it finished with. A product run between
 * the first and the last of those (its schedule is its own) would otherwise take the batch's events without their
 * typed rows and never look at them again: the version is the product's unit of progress. The commits after it are
 * read by the next run, once the events run that made them has recorded its ledger.
 */
final class FinishedEvents {

    private FinishedEvents() {
    }

    static long version(SparkSession spark, Lake lake, String eventsPath, RunReport report) {
        long current = DeltaChanges.currentVersion(spark, eventsPath);
        OptionalLong finished = EventsLedger.finishedLiveStreamVersion(spark, lake);
        // no ledger that says (a live stream loaded by hand, or a lake of an older release): read what is there
        if (finished.isEmpty() || finished.getAsLong() >= current || onlyCompactionsAfter(spark, eventsPath,
                finished.getAsLong(), current)) {
            return current;
        }
        report.note(ProductJob.EVENTS + " read up to version " + finished.getAsLong() + " of " + current + ": the"
                + " commits after it are of an events run that has not finished (its per-type tables and ledger are"
                + " not all written, or it is still running); the next run reads them");
        return finished.getAsLong();
    }

    /**
     * Whether every commit after {@code finished} is the events job's daily OPTIMIZE (made after its ledger's
     * record): files rewritten, no event added or changed, so nothing to wait for.
     */
    private static boolean onlyCompactionsAfter(SparkSession spark, String eventsPath, long finished, long current) {
        long after = current - finished;
        if (after > 16) {
            return false;
        }
        return DeltaTable.forPath(spark, eventsPath).history((int) after).select("operation").collectAsList().stream()
                .allMatch(r -> "OPTIMIZE".equals(r.getString(0)));
    }
}
