package org.canvaslake.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @Test
    void copiesATreeIntoAnotherReplacingFilesAndDeletesItAgain(@TempDir Path dir) throws Exception {
        Path from = dir.resolve("from");
        Files.createDirectories(from.resolve("a/empty"));
        Files.writeString(from.resolve("a/one.txt"), "1");
        Files.writeString(from.resolve("top.txt"), "top");
        Path to = dir.resolve("to");
        Files.createDirectories(to);
        Files.writeString(to.resolve("top.txt"), "old");
        Files.writeString(to.resolve("kept.txt"), "kept");

        assertThat(FileTrees.copy(from, to)).isEqualTo(to);

        assertThat(Files.readString(to.resolve("a/one.txt"))).isEqualTo("1");
        assertThat(Files.readString(to.resolve("top.txt"))).isEqualTo("top");
        assertThat(Files.readString(to.resolve("kept.txt"))).isEqualTo("kept");
        assertThat(to.resolve("a/empty")).isDirectory();

        FileTrees.delete(to);
        assertThat(to).doesNotExist();
        FileTrees.delete(to);
        assertThat(from.resolve("a/one.txt")).exists();
    }
}
