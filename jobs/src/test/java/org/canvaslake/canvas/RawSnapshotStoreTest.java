package org.canvaslake.canvas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawSnapshotStoreTest {

    private static final LocalDate DAY = LocalDate.parse("2026-08-24");

    @TempDir
    Path lake;

    @Test
    void findsTheLatestFinishedRunOfADayOrTheNamedOne() {
        RawSnapshotStore store = store();
        finished(store, "20260824T010000Z-aaaa0001");
        finished(store, "20260824T020000Z-aaaa0002");
        // cut short: pages but no manifest
        store.write(store.runDir(CanvasEntity.USERS, DAY, "20260824T030000Z-aaaa0003"), RawSnapshotStore.pageFile(1),
                "[]".getBytes(StandardCharsets.UTF_8));

        assertThat(store.locate(CanvasEntity.USERS, "dt=2026-08-24")).endsWith("/dt=2026-08-24/run=20260824T020000Z-aaaa0002");
        assertThat(store.locate(CanvasEntity.USERS, "dt=2026-08-24/run=20260824T010000Z-aaaa0001"))
                .endsWith("/run=20260824T010000Z-aaaa0001");
        assertThatThrownBy(() -> store.locate(CanvasEntity.USERS, "dt=2026-08-24/run=20260824T030000Z-aaaa0003"))
                .hasMessageContaining("cut short").hasMessageContaining("20260824T020000Z-aaaa0002");
        assertThatThrownBy(() -> store.locate(CanvasEntity.USERS, "dt=2026-08-25"))
                .hasMessageContaining("Days with snapshots: [dt=2026-08-24]");
        assertThatThrownBy(() -> store.locate(CanvasEntity.USERS, "2026-8-24")).isInstanceOf(UsageException.class)
                .hasMessageContaining("dt=YYYY-MM-DD");
    }

    @Test
    void keepsPagesInNumericOrderAndTheManifestRoundTrips() {
        RawSnapshotStore store = store();
        String dir = store.runDir(CanvasEntity.ENROLLMENTS, DAY, "r1");
        for (int n : List.of(2, 100000, 1)) {
            store.write(dir, RawSnapshotStore.pageFile(n), "[]".getBytes(StandardCharsets.UTF_8));
        }
        RawManifest manifest = new RawManifest(CanvasEntity.ENROLLMENTS, "r1", DAY,
                Instant.parse("2026-08-24T02:00:00.123Z"), "api", true,
                List.of(new RawManifest.PageEntry("page-00001.json", "https://c/api/v1/courses/5/enrollments", 5L, 3,
                        false)), Set.of(7L), List.of(new RunReport.Failure("canvas.enrollments course 7", "HTTP 404")),
                4, 1);
        store.writeManifest(dir, manifest);

        assertThat(store.pages(dir)).extracting(p -> p.substring(p.lastIndexOf('/') + 1))
                .containsExactly("page-00001.json", "page-00002.json", "page-100000.json");
        assertThat(store.readManifest(dir)).isEqualTo(manifest);
        assertThatThrownBy(() -> store.runDir(CanvasEntity.USERS, DAY, "../escape")).isInstanceOf(UsageException.class);
    }

    private RawSnapshotStore store() {
        return new RawSnapshotStore(Lake.at(lake.toString()), new Configuration());
    }

    /** The day's latest run is the one whose snapshot was taken last, whatever its run id says. */
    @Test
    void theLatestRunOfADayIsTheLastSnapshotTakenNotTheLastRunIdInTextOrder() {
        RawSnapshotStore store = store();
        finished(store, "try2", Instant.parse("2026-08-24T05:00:00Z"));
        finished(store, "try10", Instant.parse("2026-08-24T06:00:00Z"));
        finished(store, "20260824T070000Z-bbbb0001", Instant.parse("2026-08-24T07:00:00Z"));
        finished(store, "airflow-backfill", Instant.parse("2026-08-24T04:00:00Z"));

        assertThat(store.locate(CanvasEntity.USERS, "dt=2026-08-24")).endsWith("/run=20260824T070000Z-bbbb0001");
        store.clear(store.runDir(CanvasEntity.USERS, DAY, "20260824T070000Z-bbbb0001"));
        assertThat(store.locate(CanvasEntity.USERS, "dt=2026-08-24")).endsWith("/run=try10");
    }

    private static void finished(RawSnapshotStore store, String runId) {
        finished(store, runId, Instant.parse("2026-08-24T01:00:00Z"));
    }

    private static void finished(RawSnapshotStore store, String runId, Instant snapshotAt) {
        String dir = store.runDir(CanvasEntity.USERS, DAY, runId);
        store.write(dir, RawSnapshotStore.pageFile(1), "[]".getBytes(StandardCharsets.UTF_8));
        store.writeManifest(dir, new RawManifest(CanvasEntity.USERS, runId, DAY, snapshotAt,
                "api", true, List.of(new RawManifest.PageEntry("page-00001.json", "u", null, 0, false)), Set.of(),
                List.of(), 1, 0));
    }
}
