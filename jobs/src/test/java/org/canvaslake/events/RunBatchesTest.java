package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

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
        List<List<RawObject>> batches = RunBatches.split(objects, 100);
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
        assertThat(names(RunBatches.split(objects, 100))).extracting(List::size).containsExactly(6, 6);
        // with a max of 150 every object fits one batch
        assertThat(RunBatches.split(objects, 150)).hasSize(1);
        // a folder end before half of the batch: the batch is filled up instead (hour 00 is 3 of 100 bytes)
        List<RawObject> small = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            small.add(object("dt=2026-09-01/hour=00", n, 1));
        }
        for (int n = 0; n < 20; n++) {
            small.add(object("dt=2026-09-01/hour=01", n, 10));
        }
        assertThat(names(RunBatches.split(small, 100))).extracting(List::size).containsExactly(12, 10, 1);
        // the cut at hour 00's end carries 40 bytes of hour 01 over, and its next object (70) does not fit beside them
        List<RawObject> big = List.of(object("dt=2026-09-01/hour=00", 0, 60), object("dt=2026-09-01/hour=01", 0, 20),
                object("dt=2026-09-01/hour=01", 1, 20), object("dt=2026-09-01/hour=01", 2, 70));
        assertThat(RunBatches.split(big, 100)).extracting(b -> b.stream().map(RawObject::size).toList())
                .containsExactly(List.of(60L), List.of(20L, 20L), List.of(70L));
    }

    @Test
    void theAutomaticSizeFollowsSparksStorageMemory() {
        long gb = 1024L * 1024 * 1024;
        // a 6 GB local driver: about 3.5 GB of storage memory, the 1M-event benchmark's 296 MB in one batch
        assertThat(RunBatches.auto((long) (3.5 * gb))).isGreaterThan(296L * 1024 * 1024);
        assertThat(RunBatches.auto(100L * gb)).isEqualTo((long) (100L * gb * RunBatches.STORAGE_SHARE
                / RunBatches.CACHE_BYTES_PER_RAW_BYTE));
        assertThat(RunBatches.auto(0)).isEqualTo(RunBatches.MIN_AUTO_BYTES);
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
