package org.canvaslake.common.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
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
}
