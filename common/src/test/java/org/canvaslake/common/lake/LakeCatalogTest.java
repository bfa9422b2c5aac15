package org.canvaslake.common.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkTest.class)
class LakeCatalogTest {

    /**
     * Registration runs after a job's data is committed: a catalog or a store that refuses it must not fail the job.
     * The refusal here is what a store gives Delta, a Hadoop {@link IOException}, which Scala code throws undeclared
     * (past a {@code catch (RuntimeException)}).
     */
    @Test
    void aTableTheCatalogCannotReachIsLeftUnregisteredAndTheNextIsRegistered(SparkSession spark,
            @TempDir java.nio.file.Path dir) {
        Lake good = Lake.at(dir.toString());
        spark.range(3).toDF("n").write().format("delta").save(good.table("catalogtest.reachable"));
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        hadoop.set("fs.gs.impl", RefusingFileSystem.class.getName());
        hadoop.setBoolean("fs.gs.impl.disable.cache", true);
        try {
            Lake refused = Lake.at("gs://refusing-bucket/lake");
            LakeCatalog.register(spark, refused, "catalogtest.unreachable");
            LakeCatalog.register(spark, good, "catalogtest.reachable");
        } finally {
            hadoop.unset("fs.gs.impl");
            hadoop.unset("fs.gs.impl.disable.cache");
        }
        assertThat(RefusingFileSystem.refusals).as("the store was asked, and refused").isPositive();
        assertThat(spark.catalog().tableExists("catalogtest", "unreachable")).isFalse();
        assertThat(spark.sql("SELECT count(*) FROM catalogtest.reachable").first().getLong(0)).isEqualTo(3);
        assertThat(DeltaTables.exists(spark, good.table("catalogtest.reachable"))).isTrue();
        spark.sql("DROP TABLE catalogtest.reachable");
    }

    /** A store that answers every call with the IOException a bucket without access gives. */
    public static final class RefusingFileSystem extends FileSystem {

        static volatile int refusals;
        private URI uri;

        @Override
        public void initialize(URI name, Configuration conf) throws IOException {
            super.initialize(name, conf);
            uri = URI.create(name.getScheme() + "://" + name.getAuthority());
        }

        private static IOException refused(Path path) {
            refusals++;
            return new java.nio.file.AccessDeniedException(path + ": refused by the test's store (403 Forbidden)");
        }

        @Override
        public URI getUri() {
            return uri;
        }

        @Override
        public FSDataInputStream open(Path f, int bufferSize) throws IOException {
            throw refused(f);
        }

        @Override
        public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
                                         int bufferSize, short replication, long blockSize, Progressable progress)
                throws IOException {
            throw refused(f);
        }

        @Override
        public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
                throws IOException {
            throw refused(f);
        }

        @Override
        public boolean rename(Path src, Path dst) throws IOException {
            throw refused(src);
        }

        @Override
        public boolean delete(Path f, boolean recursive) throws IOException {
            throw refused(f);
        }

        @Override
        public FileStatus[] listStatus(Path f) throws IOException {
            throw refused(f);
        }

        @Override
        public void setWorkingDirectory(Path dir) {
        }

        @Override
        public Path getWorkingDirectory() {
            return new Path(uri);
        }

        @Override
        public boolean mkdirs(Path f, FsPermission permission) throws IOException {
            throw refused(f);
        }

        @Override
        public FileStatus getFileStatus(Path f) throws IOException {
            throw refused(f);
        }
    }
}
