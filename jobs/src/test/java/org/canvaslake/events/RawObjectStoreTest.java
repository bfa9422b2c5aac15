package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.cli.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing raw objects: the whole tree, or only the recent {@code dt=} folders of the lander's layout. */
class RawObjectStoreTest {

    private final RawObjectStore store = new RawObjectStore(new Configuration(false));

    /** One object in the first hour of each day from {@code first} to {@code last}, as the lander lays them out. */
    private static void landDays(Path root, LocalDate first, LocalDate last) throws IOException {
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            Path hour = Files.createDirectories(root.resolve("dt=" + d).resolve("hour=00"));
            Files.writeString(hour.resolve("batch.jsonl"), "{}\n");
        }
    }

    private static List<String> paths(List<RawObject> objects) {
        return objects.stream().map(RawObject::path).toList();
    }

    @Test
    void findsTheDateFoldersAndListsThoseFromADateOn(@TempDir Path root) throws IOException {
        landDays(root, LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-30"));
        String location = "file:" + root;
        List<RawObject> all = store.list(location);
        assertThat(all).hasSize(30);

        RawObjectStore.DateFolders folders = store.dateFolders(location).orElseThrow();
        assertThat(folders.byDate()).hasSize(30);
        assertThat(folders.newest()).isEqualTo(LocalDate.parse("2026-11-30"));
        assertThat(folders.prefix()).isEqualTo("file:" + root + "/dt=");
        LocalDate since = LocalDate.parse("2026-11-27");
        assertThat(paths(store.list(folders, since))).containsExactlyElementsOf(paths(all.subList(26, 30)));
        // the ledger is read from at(since) on: every object listed sorts at or after it, every other one before it
        String from = folders.at(since);
        assertThat(paths(all.subList(26, 30))).allSatisfy(p -> assertThat(p.compareTo(from)).isNotNegative());
        assertThat(paths(all.subList(0, 26))).allSatisfy(p -> assertThat(p.compareTo(from)).isNegative());
        assertThat(folders.dateOf(all.get(3).path())).contains(LocalDate.parse("2026-11-04"));
        assertThat(folders.dateOf("file:/elsewhere/dt=2026-11-04/x")).isEmpty();
        assertThat(store.list(folders, LocalDate.parse("2026-12-01"))).isEmpty();
    }

    @Test
    void anyOtherLayoutHasNoDateFolders(@TempDir Path root) throws IOException {
        landDays(root, LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-10"));
        // names a write in progress or a marker leaves are not part of the layout
        Files.createDirectories(root.resolve("_temporary"));
        Files.writeString(root.resolve(".marker"), "");
        assertThat(store.dateFolders("file:" + root)).isPresent();

        // an object beside the date folders (a copied-in file), or folders of another layout (Firehose's yyyy/)
        Files.writeString(root.resolve("copied.jsonl"), "{}\n");
        assertThat(store.dateFolders("file:" + root)).isEmpty();
        Files.delete(root.resolve("copied.jsonl"));
        Files.createDirectories(root.resolve("2026/11/01/10"));
        assertThat(store.dateFolders("file:" + root)).isEmpty();
        // a file named like a date folder
        Path other = Files.createDirectories(root.resolve("2026/11/01/10"));
        Files.createDirectories(other.resolve("dt=2026-11-30"));
        Files.writeString(other.resolve("dt=2026-12-01"), "{}\n");
        assertThat(store.dateFolders("file:" + other)).isEmpty();

        assertThat(store.dateFolders("file:" + root.resolve("missing"))).isEmpty();
    }

    @Test
    void anObjectsFolderDateIsItsInnermostDateFolder() {
        assertThat(RawObjectStore.objectFolderDate("s3://lake/raw/live_events/dt=2026-12-05/hour=07/b.jsonl.gz"))
                .contains(LocalDate.parse("2026-12-05"));
        assertThat(RawObjectStore.objectFolderDate("file:/x/dt=2020-01-01/raw/dt=2026-12-05/b.jsonl"))
                .contains(LocalDate.parse("2026-12-05"));
        // an object named like a folder is not in one; nor are other layouts' objects
        assertThat(RawObjectStore.objectFolderDate("file:/x/raw/dt=2026-12-05")).isEmpty();
        assertThat(RawObjectStore.objectFolderDate("s3://lake/firehose/2026/12/05/07/b")).isEmpty();
        assertThat(RawObjectStore.objectFolderDate("file:/x/dt=2026-13-05/b.jsonl")).isEmpty();
        assertThat(RawObjectStore.objectFolderDate("b.jsonl")).isEmpty();
    }

    @Test
    void folderNamesAndTheOptionAreReadStrictly() {
        assertThat(RawObjectStore.folderDate("dt=2026-12-05")).contains(LocalDate.parse("2026-12-05"));
        assertThat(RawObjectStore.folderDate("dt=2026-13-05")).isEmpty();
        assertThat(RawObjectStore.folderDate("dt=2026-12-5")).isEmpty();
        assertThat(RawObjectStore.folderDate("date=2026-12-05")).isEmpty();

        assertThat(EventsOptions.lookback("15")).hasValue(15);
        assertThat(EventsOptions.lookback(" 0 ")).hasValue(0);
        assertThat(EventsOptions.lookback("ALL")).isEmpty();
        assertThatThrownBy(() -> EventsOptions.lookback("-1")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--lookback-days").hasMessageContaining("'-1'");
        assertThatThrownBy(() -> EventsOptions.lookback("two weeks")).isInstanceOf(UsageException.class)
                .hasMessageContaining("'all'");
    }
}
