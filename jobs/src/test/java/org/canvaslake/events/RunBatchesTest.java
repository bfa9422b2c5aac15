package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.canvaslake.events.RunBatches.Budget;
import org.junit.jupiter.api.Test;

class RunBatchesTest {

    private static RawObject object(String folder, int n, long size) {
        return new RawObject("s3://lake/raw/live_events/" + folder + "/obj-" + n + ".jsonl.gz", size, 0);
    }

    private static List<List<String>> names(List<List<RawObject>> batches) {
        return batches.stream().map(b -> b.stream().map(o -> o.path().substring(o.path().indexOf("dt="))).toList())
                .toList();
    }

    @Test
    void everyObjectOnceInPathOrderAndNoBatchOverTheSizeUnlessAlone() {
        List<RawObject> objects = new ArrayList<>();
        for (int h = 9; h >= 0; h--) {
            for (int n = 0; n < 7; n++) {
                objects.add(object("dt=2026-09-01/hour=0" + h, n, 10 + (h * 7L + n) % 13));
            }
        }
        objects.add(object("dt=2026-09-02/hour=00", 0, 500));
        List<List<RawObject>> batches = RunBatches.split(objects, Budget.stored(100));
        assertThat(batches.stream().flatMap(List::stream).map(RawObject::path).toList())
                .containsExactlyElementsOf(objects.stream().map(RawObject::path).sorted().toList());
        assertThat(batches).allSatisfy(b -> assertThat(b.size() == 1
                || b.stream().mapToLong(RawObject::size).sum() <= 100).isTrue());
        assertThat(batches.get(batches.size() - 1)).extracting(RawObject::size).containsExactly(500L);
    }

    @Test
    void aBatchEndsAtAFolderEndInItsSecondHalfElseWhereItIsFull() {
        // hour 00: 6 objects of 10; hour 01: 6 of 10. Max 100: the first batch would take hour 00 and 4 of hour 01;
        // it ends after hour 00 instead (60 bytes: past half of 100)
        List<RawObject> objects = new ArrayList<>();
        for (int n = 0; n < 6; n++) {
            objects.add(object("dt=2026-09-01/hour=00", n, 10));
            objects.add(object("dt=2026-09-01/hour=01", n, 10));
        }
        assertThat(names(RunBatches.split(objects, Budget.stored(100)))).extracting(List::size).containsExactly(6, 6);
        // with a max of 150 every object fits one batch
        assertThat(RunBatches.split(objects, Budget.stored(150))).hasSize(1);
        // a folder end before half of the batch: the batch is filled up instead (hour 00 is 3 of 100 bytes)
        List<RawObject> small = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            small.add(object("dt=2026-09-01/hour=00", n, 1));
        }
        for (int n = 0; n < 20; n++) {
            small.add(object("dt=2026-09-01/hour=01", n, 10));
        }
        assertThat(names(RunBatches.split(small, Budget.stored(100)))).extracting(List::size)
                .containsExactly(12, 10, 1);
        // the cut at hour 00's end carries 40 bytes of hour 01 over, and its next object (70) does not fit beside them
        List<RawObject> big = List.of(object("dt=2026-09-01/hour=00", 0, 60), object("dt=2026-09-01/hour=01", 0, 20),
                object("dt=2026-09-01/hour=01", 1, 20), object("dt=2026-09-01/hour=01", 2, 70));
        assertThat(RunBatches.split(big, Budget.stored(100))).extracting(b -> b.stream().map(RawObject::size).toList())
                .containsExactly(List.of(60L), List.of(20L, 20L), List.of(70L));
    }

    @Test
    void theAutomaticBudgetFollowsSparksStorageMemory() {
        long gb = 1024L * 1024 * 1024;
        long mb = 1024L * 1024;
        // a 6 GB local driver: about 3.5 GB of storage memory, the 1M-event benchmark's 296 MB of gzip in one batch
        Budget local = Budget.cache((long) (3.5 * gb));
        List<RawObject> bench = new ArrayList<>();
        for (int n = 0; n < 296; n++) {
            bench.add(object("dt=2026-09-0" + (1 + n / 100), n, mb));
        }
        assertThat(RunBatches.split(bench, local)).hasSize(1);
        assertThat(Budget.cache(100L * gb).limit()).isEqualTo((long) (100L * gb * RunBatches.STORAGE_SHARE));
        assertThat(Budget.cache(0).limit()).isEqualTo(RunBatches.MIN_AUTO_CACHE_BYTES);
    }

    @Test
    void theStorageMemoryIsTheExecutorsOrTheDriversWhenItRunsAlone() {
        long gb = 1024L * 1024 * 1024;
        // a cluster: the driver's block manager is listed beside the executors' but runs no task, so it is left out
        assertThat(RunBatches.storageMemory(Map.of("driver:7077", 2 * gb, "10.0.0.5:41000", 5 * gb,
                "10.0.0.6:41000", 5 * gb), "driver:7077")).isEqualTo(10 * gb);
        // local mode, or dynamic allocation before its first executor: the driver alone
        assertThat(RunBatches.storageMemory(Map.of("driver:7077", 3 * gb), "driver:7077")).isEqualTo(3 * gb);
    }

    @Test
    void autoCountsAPlainObjectAtWhatItTakesInTheCacheNotAtTheGzipRate() {
        long mb = 1024L * 1024;
        RawObject gzip = object("dt=2026-09-01/hour=00", 0, 100 * mb);
        // a Firehose object, uncompressed: no suffix
        RawObject plain = new RawObject("s3://lake/raw/firehose/2026/09/01/00/stream-1-2026-09-01-00-00-00-abc",
                100 * mb, 0);
        assertThat(RunBatches.cachedBytes(gzip)).isEqualTo((long) (100 * mb * RunBatches.CACHE_PER_GZIP_BYTE));
        assertThat(RunBatches.cachedBytes(plain)).isEqualTo((long) (100 * mb * RunBatches.CACHE_PER_PLAIN_BYTE));
        assertThat(RunBatches.cachedBytes(new RawObject("s3://lake/raw/x/part-0.JSON.GZIP", 10, 0))).isEqualTo(80);

        // 3 GB of cache to fill: ten gzip objects of 100 MB (800 MB cached each) take four batches, ten plain ones one
        Budget budget = Budget.cache(4L * 1024 * mb);
        List<RawObject> gzips = new ArrayList<>();
        List<RawObject> plains = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            gzips.add(object("dt=2026-09-01/hour=00", n, 100 * mb));
            plains.add(new RawObject("s3://lake/raw/plain/dt=2026-09-01/hour=00/obj-" + n + ".jsonl", 100 * mb, 0));
        }
        assertThat(RunBatches.split(gzips, budget)).extracting(List::size).containsExactly(3, 3, 3, 1);
        assertThat(RunBatches.split(plains, budget)).hasSize(1);
        // --batch-mb given counts the size as stored, whatever the kind
        assertThat(RunBatches.split(plains, Budget.stored(300 * mb))).hasSize(4);
    }

    @Test
    void batchMbIsAutoAllOrAPositiveNumber() {
        assertThat(EventsOptions.batchBytes("auto")).isEmpty();
        assertThat(EventsOptions.batchBytes("all")).hasValue(Long.MAX_VALUE);
        assertThat(EventsOptions.batchBytes("0.5")).hasValue(512L * 1024);
        assertThat(EventsOptions.batchBytes("256")).hasValue(256L * 1024 * 1024);
        for (String bad : List.of("0", "-1", "lots", "")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventsOptions.batchBytes(bad))
                    .hasMessageContaining("--batch-mb").hasMessageContaining("'" + bad + "'");
        }
    }
}
