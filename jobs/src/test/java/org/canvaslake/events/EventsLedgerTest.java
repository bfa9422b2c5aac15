package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

/**
 * The ledger's partitions by folder date: what a run reads of them, what it writes into them, and the one-time
 * rewrite of a ledger from before they existed.
 */
@ExtendWith(SparkTest.class)
class EventsLedgerTest {

    private static final String RAW = "file:/landed/raw/live_events";
    private static final String JAVA8_TIME = "spark.sql.datetime.java8API.enabled";
    private static final RawObjectStore.DateFolders FOLDERS = new RawObjectStore.DateFolders(RAW + "/dt=",
            new TreeMap<>(Map.of(LocalDate.parse("2026-11-01"), RAW + "/dt=2026-11-01")));

    private static List<ParseSummary.ObjectRead> objects(String... paths) {
        return Stream.of(paths).map(p -> new ParseSummary.ObjectRead(p, 10, Instant.EPOCH, 1, 1, 0, null)).toList();
    }

    /** One object a day from November 1st to 10th, in the lander's layout. */
    private static List<ParseSummary.ObjectRead> tenDays() {
        List<String> paths = new ArrayList<>();
        for (int day = 1; day <= 10; day++) {
            paths.add(String.format("%s/dt=2026-11-%02d/hour=00/batch.jsonl.gz", RAW, day));
        }
        return objects(paths.toArray(String[]::new));
    }

    private static String ledgerPath(Path lake) {
        return Lake.at(lake.toString()).table(EventsLedger.NAME);
    }

    @Test
    void aRunReadsOnlyThePartitionsOfTheFoldersItListed(SparkSession spark, @TempDir Path lake) throws IOException {
        EventsLedger ledger = new EventsLedger(spark, Lake.at(lake.toString()));
        ledger.record(tenDays(), "run-1", false);
        ledger.record(objects("file:/landed/copied/bare.jsonl"), "run-2", false);

        String path = ledgerPath(lake);
        Row detail = DeltaTable.forPath(spark, path).detail().first();
        assertThat(detail.<String>getList(detail.fieldIndex("partitionColumns"))).containsExactly("dt");
        Map<String, String> dates = new TreeMap<>();
        for (Row r : DeltaTables.read(spark, path).selectExpr("object", "string(dt)").collectAsList()) {
            dates.put(r.getString(0), r.getString(1));
        }
        assertThat(dates).containsEntry(RAW + "/dt=2026-11-04/hour=00/batch.jsonl.gz", "2026-11-04")
                .containsEntry("file:/landed/copied/bare.jsonl", null).hasSize(11);

        // the files of the folders before the window are gone: a read that opened them would fail
        deletePartitionsBefore(lake, "dt=2026-11-07");
        EventsLedger next = new EventsLedger(spark, Lake.at(lake.toString()));
        assertThat(next.compacted(FOLDERS, LocalDate.parse("2026-11-07"), null)).containsExactlyInAnyOrder(
                RAW + "/dt=2026-11-07/hour=00/batch.jsonl.gz", RAW + "/dt=2026-11-08/hour=00/batch.jsonl.gz",
                RAW + "/dt=2026-11-09/hour=00/batch.jsonl.gz", RAW + "/dt=2026-11-10/hour=00/batch.jsonl.gz");
        assertThat(next.compacted(FOLDERS, LocalDate.parse("2026-11-08"), LocalDate.parse("2026-11-10")))
                .containsExactlyInAnyOrder(RAW + "/dt=2026-11-08/hour=00/batch.jsonl.gz",
                        RAW + "/dt=2026-11-09/hour=00/batch.jsonl.gz");
        // recording objects of the recent folders again checks their partitions alone, and adds no row
        EventsLedger.Recorded again = next.record(objects(RAW + "/dt=2026-11-09/hour=00/batch.jsonl.gz"), "run-3",
                false);
        assertThat(again.written()).isZero();
        assertThat(again.alsoRecordedBy()).as("no other run committed since this one read the ledger: not asked")
                .isEmpty();
        assertThat(DeltaTables.read(spark, path).where("dt = DATE'2026-11-09'").count()).isOne();
        // the whole ledger is another matter: that read opens every file
        assertThatThrownBy(() -> next.pending(List.of())).hasMessageContaining("dt=2026-11-0");
    }

    @Test
    void theLastCompactedObjectIsFoundInTheNewestPartitionsThatHoldAny(SparkSession spark, @TempDir Path lake)
            throws IOException {
        EventsLedger ledger = new EventsLedger(spark, Lake.at(lake.toString()));
        String august = RAW + "/dt=2026-08-01/hour=00/batch.jsonl.gz";
        String september = RAW + "/dt=2026-09-15/hour=07/batch.jsonl.gz";
        ledger.record(objects(august, RAW + "/dt=2026-09-15/hour=00/batch.jsonl.gz", september,
                "file:/landed/copied/bare.jsonl"), "run-1", false);
        RawObjectStore.DateFolders folders = new RawObjectStore.DateFolders(RAW + "/dt=", new TreeMap<>(Map.of(
                LocalDate.parse("2026-08-01"), RAW + "/dt=2026-08-01",
                LocalDate.parse("2026-09-15"), RAW + "/dt=2026-09-15",
                LocalDate.parse("2026-11-10"), RAW + "/dt=2026-11-10")));
        // nothing compacted in the newest folder's month: the month before holds the last one
        deletePartitionsBefore(lake, "dt=2026-09-01");
        assertThat(ledger.last(folders, null)).contains(september);
        // the partitions of the older months were not opened: reading them now fails
        assertThatThrownBy(() -> ledger.pending(List.of())).hasMessageContaining("dt=2026-08-01");

        // a newer object, and nothing before the oldest folder opened unless needed
        String november = RAW + "/dt=2026-11-10/hour=02/batch.jsonl.gz";
        ledger.record(objects(november), "run-2", false);
        assertThat(ledger.last(folders, null)).contains(november);
        // the folders the caller read already are left out
        assertThat(ledger.last(folders, LocalDate.parse("2026-11-10"))).contains(september);
        // nothing in any of these folders: every span is read, the oldest one without a lower bound
        EventsLedger empty = new EventsLedger(spark, Lake.at(lake.resolve("other").toString()));
        empty.record(objects("file:/landed/copied/bare.jsonl"), "run-1", false);
        assertThat(empty.last(folders, null)).isEmpty();
    }

    private static void deletePartitionsBefore(Path lake, String partition) throws IOException {
        try (Stream<Path> files = Files.walk(lake.resolve("_meta/events_ledger"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
                if (f.getParent().getFileName().toString().compareTo(partition) < 0) {
                    Files.delete(f);
                }
            }
        }
    }

    @Test
    void recordingAnObjectTwiceKeepsOneRow(SparkSession spark, @TempDir Path lake) {
        EventsLedger ledger = new EventsLedger(spark, Lake.at(lake.toString()));
        List<ParseSummary.ObjectRead> first = tenDays().subList(0, 3);
        new EventsLedger(spark, Lake.at(lake.toString())).record(first, "run-1", false);
        // another run recorded two of them meanwhile (this run had not read the ledger: it is asked), and one new
        // object
        List<ParseSummary.ObjectRead> again = new ArrayList<>(tenDays().subList(1, 4));
        again.addAll(objects("file:/landed/copied/bare.jsonl"));
        EventsLedger.Recorded recorded = ledger.record(again, "run-2", false);
        assertThat(recorded.written()).isEqualTo(2);
        assertThat(recorded.alsoRecordedBy()).as("which run recorded which of them first").containsExactly(
                entry("run-1", 2L));
        // a run that records objects no other run has
        assertThat(ledger.record(objects("file:/landed/copied/other.jsonl"), "run-3", false).alsoRecordedBy())
                .isEmpty();
        assertThat(DeltaTables.read(spark, ledgerPath(lake)).count()).isEqualTo(6);
        assertThat(ledger.pending(List.of(new RawObject("file:/landed/copied/bare.jsonl", 10, 0),
                new RawObject("file:/landed/copied/other.jsonl", 10, 0),
                new RawObject("file:/landed/copied/third.jsonl", 10, 0)))).extracting(RawObject::path)
                .containsExactly("file:/landed/copied/third.jsonl");
    }

    /**
     * Two runs that read the ledger before either recorded the same new objects: the one that records second finds
     * the first's records after its own commit, whichever order they commit in; a run alone finds none.
     */
    @Test
    void ofTwoRunsRecordingTheSameObjectsTheOneRecordingSecondFindsTheOther(SparkSession spark, @TempDir Path lake) {
        Lake at = Lake.at(lake.toString());
        new EventsLedger(spark, at).record(tenDays().subList(0, 2), "run-0", false);
        List<ParseSummary.ObjectRead> landed = tenDays().subList(2, 5);

        EventsLedger first = new EventsLedger(spark, at);
        EventsLedger second = new EventsLedger(spark, at);
        first.compacted(FOLDERS, null, null);
        second.compacted(FOLDERS, null, null);
        EventsLedger.Recorded one = first.record(landed, "run-1", false);
        EventsLedger.Recorded two = second.record(landed, "run-2", false);
        assertThat(one.written()).isEqualTo(3);
        assertThat(one.alsoRecordedBy()).as("nobody had committed since it read").isEmpty();
        assertThat(two.written()).as("all there already").isZero();
        assertThat(two.alsoRecordedBy()).containsExactly(entry("run-1", 3L));

        // the same with a new object in the second run's share: it is recorded, and the overlap found all the same
        EventsLedger third = new EventsLedger(spark, at);
        EventsLedger fourth = new EventsLedger(spark, at);
        third.compacted(FOLDERS, null, null);
        fourth.compacted(FOLDERS, null, null);
        third.record(tenDays().subList(5, 6), "run-3", false);
        EventsLedger.Recorded four = fourth.record(tenDays().subList(5, 7), "run-4", false);
        assertThat(four.written()).isOne();
        assertThat(four.alsoRecordedBy()).containsExactly(entry("run-3", 1L));
        // the later run's next record, with nobody committing in between, asks nothing
        assertThat(fourth.record(tenDays().subList(7, 8), "run-4", false).alsoRecordedBy()).isEmpty();
    }

    @Test
    void aLedgerFromBeforeThePartitionsIsRewrittenWithThemOnce(SparkSession spark, @TempDir Path lake) {
        // the ledger as earlier versions wrote it: no dt column, no partitions
        StructType old = new StructType(java.util.Arrays.copyOf(EventsLedger.SCHEMA.fields(),
                EventsLedger.SCHEMA.size() - 1));
        List<Row> rows = new ArrayList<>();
        for (ParseSummary.ObjectRead o : tenDays()) {
            rows.add(RowFactory.create(o.path(), 10L, new Timestamp(0), 1L, 1L, 0L, "old-run",
                    Timestamp.from(Instant.parse("2026-11-10T12:00:00Z"))));
        }
        rows.add(RowFactory.create("file:/landed/copied/bare.jsonl", 10L, new Timestamp(0), 1L, 1L, 0L, "old-run",
                Timestamp.from(Instant.parse("2026-11-10T12:00:00Z"))));
        String path = ledgerPath(lake);
        DeltaTables.append(spark.createDataFrame(rows, old).coalesce(1), path, List.of());

        EventsLedger ledger = new EventsLedger(spark, Lake.at(lake.toString()));
        // with java.time values in rows, as some platforms set it: the rewrite builds rows of either kind
        spark.conf().set(JAVA8_TIME, "true");
        try {
            assertThat(ledger.compacted(FOLDERS, LocalDate.parse("2026-11-09"), null)).hasSize(2);
        } finally {
            spark.conf().unset(JAVA8_TIME);
        }
        assertThat(ledger.lastRecorded()).contains(Instant.parse("2026-11-10T12:00:00Z"));
        Row detail = DeltaTable.forPath(spark, path).detail().first();
        assertThat(detail.<String>getList(detail.fieldIndex("partitionColumns"))).containsExactly("dt");
        assertThat(DeltaTables.read(spark, path).where("dt IS NULL").count()).isOne();
        assertThat(DeltaTables.read(spark, path).where("dt = DATE'2026-11-03' AND run_id = 'old-run'").count())
                .isOne();
        long version = DeltaTable.forPath(spark, path).history(1).first().getLong(0);

        // later reads and writes, of this instance and of the next run's, do not rewrite it again
        ledger.record(objects(RAW + "/dt=2026-11-11/hour=00/batch.jsonl.gz"), "run-2", false);
        new EventsLedger(spark, Lake.at(lake.toString())).compacted(FOLDERS, LocalDate.parse("2026-11-09"), null);
        assertThat(DeltaTable.forPath(spark, path).history().count()).isEqualTo(version + 2);
        assertThat(DeltaTables.read(spark, path).count()).isEqualTo(12);
    }
}
