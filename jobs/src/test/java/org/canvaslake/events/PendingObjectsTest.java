package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.OptionalInt;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which raw objects a run reads when they are in the lander's date folders: the recent folders only, with the
 * ledger's part for them, and never fewer than every folder newer than what was compacted.
 */
@ExtendWith(SparkTest.class)
class PendingObjectsTest {

    private static final OptionalInt THREE_DAYS = OptionalInt.of(3);

    private final RawObjectStore store = new RawObjectStore(new Configuration(false));

    private static void land(Path raw, String date, String name) throws IOException {
        Path hour = Files.createDirectories(raw.resolve("dt=" + date).resolve("hour=00"));
        Files.writeString(hour.resolve(name + ".jsonl"), "{}\n");
    }

    private static void landDays(Path raw, String first, String last) throws IOException {
        for (LocalDate d = LocalDate.parse(first); !d.isAfter(LocalDate.parse(last)); d = d.plusDays(1)) {
            land(raw, d.toString(), "batch");
        }
    }

    private static void record(EventsLedger ledger, List<RawObject> objects) {
        ledger.record(objects.stream().map(o -> new ParseSummary.ObjectRead(o.path(), o.size(),
                Instant.ofEpochMilli(o.modifiedMillis()), 1, 1, 0, null)).toList(), "test", false);
    }

    private static List<String> names(List<RawObject> objects) {
        // dt=.../hour=00/name.jsonl → dt=.../name
        return objects.stream().map(o -> {
            String[] parts = o.path().split("/");
            return parts[parts.length - 3] + "/" + parts[parts.length - 1].replace(".jsonl", "");
        }).toList();
    }

    private PendingObjects.Pending find(SparkSession spark, Path lake, Path raw, OptionalInt days, String today) {
        return PendingObjects.find(store, new EventsLedger(spark, Lake.at(lake.toString())), "file:" + raw, false,
                days, LocalDate.parse(today));
    }

    @Test
    void recentFoldersOnlyAndEveryFolderNewerThanWhatWasCompacted(SparkSession spark, @TempDir Path dir)
            throws IOException {
        Path raw = dir.resolve("raw");
        Path lake = dir.resolve("lake");
        EventsLedger ledger = new EventsLedger(spark, Lake.at(lake.toString()));
        landDays(raw, "2026-11-01", "2026-11-10");

        // nothing compacted yet: every folder
        PendingObjects.Pending first = find(spark, lake, raw, THREE_DAYS, "2026-11-10");
        assertThat(first.todo()).hasSize(10).isEqualTo(first.listed());
        assertThat(first.since()).isEmpty();
        record(ledger, first.todo());

        // the next hour: a new object, a redelivered batch three days back (listed), one nine days back (not)
        land(raw, "2026-11-10", "new");
        land(raw, "2026-11-07", "late");
        land(raw, "2026-11-01", "very-late");
        PendingObjects.Pending next = find(spark, lake, raw, THREE_DAYS, "2026-11-10");
        assertThat(next.since()).contains(LocalDate.parse("2026-11-07"));
        assertThat(next.foldersNotListed()).isEqualTo(6);
        assertThat(names(next.listed())).containsExactly("dt=2026-11-07/batch", "dt=2026-11-07/late",
                "dt=2026-11-08/batch", "dt=2026-11-09/batch", "dt=2026-11-10/batch", "dt=2026-11-10/new");
        assertThat(names(next.todo())).containsExactly("dt=2026-11-07/late", "dt=2026-11-10/new");
        record(ledger, next.todo());
        // the ledger's part for those folders holds them; the older part is not read
        RawObjectStore.DateFolders folders = store.dateFolders("file:" + raw).orElseThrow();
        assertThat(ledger.compacted(folders, LocalDate.parse("2026-11-07"), null)).hasSize(6)
                .noneSatisfy(p -> assertThat(p).contains("/dt=2026-11-06/"));

        // runs stop for ten days while the lander goes on: every newer folder is listed, with three days before
        landDays(raw, "2026-11-11", "2026-11-20");
        PendingObjects.Pending after = find(spark, lake, raw, THREE_DAYS, "2026-11-20");
        assertThat(after.since()).contains(LocalDate.parse("2026-11-07"));
        assertThat(names(after.todo())).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(11, 20)
                .mapToObj(day -> "dt=2026-11-" + day + "/batch").toList());
        record(ledger, after.todo());

        // 'all': every folder, against the whole ledger, finds the batch that landed nine days back
        assertThat(names(find(spark, lake, raw, OptionalInt.empty(), "2026-11-20").todo()))
                .containsExactly("dt=2026-11-01/very-late");
        // --full: everything, whatever the ledger holds
        assertThat(PendingObjects.find(store, ledger, "file:" + raw, true, THREE_DAYS, LocalDate.parse("2026-11-20"))
                .todo()).hasSize(23);

        // a folder dated years ahead by a wrong clock is read, and does not move the window past tomorrow
        land(raw, "2031-01-01", "future");
        land(raw, "2026-11-17", "late");
        PendingObjects.Pending ahead = find(spark, lake, raw, THREE_DAYS, "2026-11-20");
        assertThat(ahead.since()).contains(LocalDate.parse("2026-11-17"));
        assertThat(names(ahead.todo())).containsExactly("dt=2026-11-17/late", "dt=2031-01-01/future");
    }

    @Test
    void anotherLayoutIsListedWholeAgainstTheWholeLedger(SparkSession spark, @TempDir Path dir) throws IOException {
        Path raw = dir.resolve("raw");
        Path lake = dir.resolve("lake");
        landDays(raw, "2026-11-01", "2026-11-03");
        Files.writeString(raw.resolve("copied.jsonl"), "{}\n");
        EventsLedger ledger = new EventsLedger(spark, Lake.at(lake.toString()));
        PendingObjects.Pending first = find(spark, lake, raw, THREE_DAYS, "2026-11-03");
        assertThat(first.todo()).hasSize(4);
        record(ledger, first.todo().subList(0, 2));

        PendingObjects.Pending next = find(spark, lake, raw, THREE_DAYS, "2026-11-03");
        assertThat(next.listed()).hasSize(4);
        assertThat(next.todo()).containsExactlyElementsOf(first.todo().subList(2, 4));
        assertThat(next.since()).isEmpty();
    }
}
