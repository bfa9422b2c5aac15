package org.canvaslake.proof;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.events.EventsJob;
import org.canvaslake.events.EventsLedger;
import org.canvaslake.events.LiveStreamTable;
import org.canvaslake.events.Quarantine;
import org.canvaslake.events.QuarantineTable;
import org.canvaslake.proof.MutationCorpus.Expect;
import org.canvaslake.proof.MutationCorpus.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events job over a corpus of several hundred mutated fixtures, one raw object each: the job finishes, every
 * readable event lands, every unreadable record is in {@code events._quarantine} with a reason, and the counts of
 * the run report, the ledger and the tables add up object by object.
 */
@ExtendWith(SparkTest.class)
class BadInputCorpusTest {

    private static final Logger LOG = LoggerFactory.getLogger(BadInputCorpusTest.class);

    private static final Set<String> REASONS = Set.of(Quarantine.BROKEN_JSON, Quarantine.BROKEN_BODY,
            Quarantine.EMPTY_BODY, Quarantine.UNKNOWN_SHAPE, Quarantine.NO_EVENT_NAME, Quarantine.BAD_EVENT_NAME);

    static RunReport runEvents(SparkSession spark, Path lake) {
        EventsJob job = new EventsJob();
        Options options = Options.parse(job.spec(), List.of("--lake", lake.toString()));
        return job.runWith(spark, options, job.runReport(options));
    }

    private static String fileName(String location) {
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private static Map<String, Long> countBySource(SparkSession spark, String path) {
        Map<String, Long> out = new HashMap<>();
        for (Row r : DeltaTables.read(spark, path).groupBy("source_object").count().collectAsList()) {
            out.merge(fileName(r.getString(0)), r.getLong(1), Long::sum);
        }
        return out;
    }

    @Test
    void mutatedCorpusLandsOrIsQuarantinedAndEveryCountAddsUp(SparkSession spark, @TempDir Path lakeDir) {
        Lake lake = Lake.at(lakeDir.toString());
        MutationCorpus corpus = new MutationCorpus(lakeDir.resolve("raw").resolve("live_events"));
        List<Variant> variants = corpus.generate();
        Map<String, Long> kinds = variants.stream()
                .collect(Collectors.groupingBy(Variant::kind, TreeMap::new, Collectors.counting()));
        LOG.info("bad-input corpus: {} variants {}", variants.size(), kinds);
        assertThat(variants).hasSizeGreaterThanOrEqualTo(500);
        assertThat(kinds.keySet()).contains("truncated", "wrong-type", "huge-string", "deep-nesting",
                "deep-nesting-5000", "invalid-utf8", "unknown-event-name", "missing-field", "duplicated-keys",
                "concatenated", "empty-file", "not-gzip-named-gz", "truncated-gzip");

        RunReport report = runEvents(spark, lakeDir);

        // the job finished; the only failures are the objects that cannot be read at all (a gzip cut in half):
        // each is named, left out of the ledger (read again next run), and nothing else of the run is held back
        Set<String> unreadable = variants.stream().filter(v -> v.expect() == Expect.UNREADABLE)
                .map(v -> v.object().getFileName().toString()).collect(Collectors.toSet());
        assertThat(report.failures().stream().map(f -> fileName(f.unit())).collect(Collectors.toSet()))
                .isEqualTo(unreadable);
        assertThat(report.failures()).allSatisfy(f -> assertThat(f.message()).contains("Cannot read raw object"));

        Map<String, Row> ledger = new HashMap<>();
        for (Row r : DeltaTables.read(spark, lake.table(EventsLedger.NAME)).collectAsList()) {
            ledger.put(fileName(r.getAs("object")), r);
        }
        Map<String, Long> live = countBySource(spark, lake.table(LiveStreamTable.NAME));
        Map<String, Long> quarantined = countBySource(spark, lake.table(QuarantineTable.NAME));

        // run-level arithmetic: report = ledger = tables
        long ledgerEvents = ledger.values().stream().mapToLong(r -> r.<Long>getAs("events")).sum();
        long ledgerQuarantined = ledger.values().stream().mapToLong(r -> r.<Long>getAs("quarantined")).sum();
        long liveRows = DeltaTables.read(spark, lake.table(LiveStreamTable.NAME)).count();
        long quarantineRows = DeltaTables.read(spark, lake.table(QuarantineTable.NAME)).count();
        assertThat(report.counter("raw_objects")).isEqualTo(variants.size());
        assertThat(report.counter("events_read")).isEqualTo(ledgerEvents);
        assertThat(report.counter("quarantined")).isEqualTo(ledgerQuarantined).isEqualTo(quarantineRows);
        // the same event in two variants (a mutation that left the stamped part alone) is kept once
        assertThat(liveRows).isEqualTo(ledgerEvents - report.counter("duplicates_in_run"));
        long byReason = DeltaTables.read(spark, lake.table(QuarantineTable.NAME)).groupBy("reason").count()
                .collectAsList().stream().mapToLong(r -> {
                    assertThat(report.counter("quarantined." + r.getString(0))).isEqualTo(r.getLong(1));
                    return r.getLong(1);
                }).sum();
        assertThat(byReason).isEqualTo(quarantineRows);

        // every quarantined record says why, where and what
        List<Row> bad = DeltaTables.read(spark, lake.table(QuarantineTable.NAME))
                .select("reason", "detail", "source_object", "source_line").collectAsList();
        assertThat(bad).allSatisfy(r -> {
            assertThat(REASONS).contains(r.getString(0));
            assertThat(r.getString(1)).isNotBlank();
            assertThat(r.getString(2)).isNotBlank();
            assertThat(r.get(3)).isNotNull();
        });

        // object by object: what the ledger says it held is what the tables hold, and each variant did what it must
        int landed = 0;
        int quarantinedVariants = 0;
        for (Variant v : variants) {
            String name = v.object().getFileName().toString();
            String what = v.kind() + " of " + v.fixture() + " (" + name + ")";
            if (v.expect() == Expect.UNREADABLE) {
                assertThat(ledger).as(what).doesNotContainKey(name);
                continue;
            }
            assertThat(ledger).as(what).containsKey(name);
            long events = ledger.get(name).<Long>getAs("events");
            long quar = ledger.get(name).<Long>getAs("quarantined");
            long inLive = live.getOrDefault(name, 0L);
            long inQuarantine = quarantined.getOrDefault(name, 0L);
            assertThat(inLive).as(what + ": live_stream rows <= ledger events (in-run duplicates kept once)")
                    .isLessThanOrEqualTo(events);
            assertThat(inQuarantine).as(what + ": quarantine rows = ledger quarantined").isEqualTo(quar);
            switch (v.expect()) {
                case LANDS -> {
                    assertThat(events).as(what + " lands").isGreaterThanOrEqualTo(Math.max(1, v.minEvents()));
                    assertThat(inQuarantine).as(what + " has nothing to quarantine").isZero();
                    landed++;
                }
                case QUARANTINED -> {
                    assertThat(events).as(what + " lands nothing").isZero();
                    assertThat(inQuarantine).as(what + " is quarantined").isGreaterThanOrEqualTo(1);
                    quarantinedVariants++;
                }
                case EMPTY -> {
                    assertThat(inLive + inQuarantine).as(what + " holds no record").isZero();
                    assertThat(ledger.get(name).<Long>getAs("lines")).as(what).isZero();
                }
                default -> assertThat(events + quar).as(what + ": nothing silently dropped")
                        .isGreaterThanOrEqualTo(1);
            }
        }
        assertThat(live.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(liveRows);
        LOG.info("bad-input corpus: {} variants; {} events landed, {} records quarantined, {} objects unreadable;"
                + " {} variants expected to land did, {} expected in quarantine were", variants.size(), liveRows,
                quarantineRows, unreadable.size(), landed, quarantinedVariants);

        // a second run reads only the unreadable objects again and changes no table
        RunReport again = runEvents(spark, lakeDir);
        assertThat(again.counter("raw_objects")).isEqualTo(unreadable.size());
        assertThat(again.failures().stream().map(f -> fileName(f.unit())).collect(Collectors.toSet()))
                .isEqualTo(unreadable);
        assertThat(again.notes()).anySatisfy(n -> assertThat(n).startsWith(unreadable.size()
                + " raw object(s) could not be read").contains("read again next run"));
        assertThat(DeltaTables.read(spark, lake.table(LiveStreamTable.NAME)).count()).isEqualTo(liveRows);
        assertThat(DeltaTables.read(spark, lake.table(QuarantineTable.NAME)).count()).isEqualTo(quarantineRows);
    }
}
