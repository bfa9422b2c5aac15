package org.canvaslake.common.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkTest.class)
class LocalFileSystemNioTest {

    @Test
    void localSparkResolvesFileUrlsToItAndItKeepsChecksumFiles(SparkSession spark, @TempDir java.nio.file.Path dir)
            throws Exception {
        Configuration conf = spark.sessionState().newHadoopConf();
        FileSystem fs = new Path(dir.toUri()).getFileSystem(conf);
        assertThat(fs).isInstanceOf(LocalFileSystemNio.class);

        Path file = new Path(dir.toUri().toString(), "a/b/part.txt");
        try (FSDataOutputStream out = fs.create(file)) {
            out.write("hello".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(Files.readString(dir.resolve("a/b/part.txt"))).isEqualTo("hello");
        assertThat(dir.resolve("a/b/.part.txt.crc")).exists();
        try (var in = fs.open(file)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
    }

    @Test
    void permissionsAreSetAsHadoopAsksForThem(@TempDir java.nio.file.Path dir) throws Exception {
        Configuration conf = new Configuration(false);
        conf.set("fs.file.impl", LocalFileSystemNio.class.getName());
        conf.setBoolean("fs.file.impl.disable.cache", true);
        try (FileSystem fs = FileSystem.get(dir.toUri(), conf)) {
            Path sub = new Path(dir.toUri().toString(), "sub");
            assertThat(fs.mkdirs(sub, new FsPermission((short) 0750))).isTrue();
            fs.setPermission(sub, new FsPermission((short) 0705));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub"))))
                    .isEqualTo("rwx---r-x");
            Path file = new Path(sub, "f");
            fs.create(file).close();
            fs.setPermission(file, new FsPermission((short) 0640));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/f"))))
                    .isEqualTo("rw-r-----");
        }
    }

    @Test
    void fileContextRenamesAsHadoopDoesAndStillSeesSymbolicLinks(SparkSession spark, @TempDir java.nio.file.Path dir)
            throws Exception {
        FileContext fc = FileContext.getFileContext(dir.toUri(), spark.sessionState().newHadoopConf());
        assertThat(fc.getDefaultFileSystem()).isInstanceOf(LocalFsNio.class);
        Path a = new Path(dir.toUri().toString(), "00001.json.tmp");
        Path b = new Path(dir.toUri().toString(), "00001.json");
        write(fc, a, "first");
        fc.rename(a, b, Options.Rename.NONE);
        assertThat(Files.readString(dir.resolve("00001.json"))).isEqualTo("first");
        assertThat(dir.resolve("00001.json.tmp")).doesNotExist();
        assertThat(dir.resolve(".00001.json.crc")).as("the checksum file moves along").exists();

        // what a Delta commit relies on: a second writer's rename onto a committed version fails
        write(fc, a, "second");
        assertThatThrownBy(() -> fc.rename(a, b, Options.Rename.NONE)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(dir.resolve("00001.json"))).isEqualTo("first");
        assertThatThrownBy(() -> fc.getFileLinkStatus(new Path(dir.toUri().toString(), "missing")))
                .isInstanceOf(FileNotFoundException.class);

        FileStatus plain = fc.getFileLinkStatus(b);
        assertThat(plain.isSymlink()).isFalse();
        assertThat(plain.getLen()).isEqualTo(5);
        // a symbolic link gets Hadoop's own answer (which, on qualified paths, does not see the link either)
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("00001.json"));
        Path link = new Path(dir.toUri().toString(), "link");
        Configuration hadoops = new Configuration();
        hadoops.set("fs.AbstractFileSystem.file.impl", "org.apache.hadoop.fs.local.LocalFs");
        FileStatus theirs = FileContext.getFileContext(dir.toUri(), hadoops).getFileLinkStatus(link);
        FileStatus ours = fc.getFileLinkStatus(link);
        assertThat(ours.isSymlink()).isEqualTo(theirs.isSymlink());
        assertThat(ours.getLen()).isEqualTo(theirs.getLen());
    }

    private static void write(FileContext fc, Path path, String text) throws Exception {
        try (FSDataOutputStream out = fc.create(path, EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
