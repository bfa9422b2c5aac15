package org.canvaslake.proof;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.util.Progressable;

/**
 * S3A with the storage faults a test arms, for the writes or reads whose path matches: a write that fails (the PUT
 * refused), one that lands and is then reported failed (the PUT done, its answer lost: the writer cannot tell), or a
 * read that fails (the GET refused). Every write of Parquet files and of Delta's log goes through {@link #create},
 * every read of a Parquet file through {@link #open}. Set as {@code fs.s3.impl} for the test's bucket.
 */
public class FaultyS3AFileSystem extends S3AFileSystem {

    enum Kind { FAIL, LAND_THEN_FAIL, READ_FAIL }

    /** A fault for the writes (or, {@link Kind#READ_FAIL}, the reads) whose path matches {@code path} (anywhere). */
    record Fault(Pattern path, Kind kind) {
        static Fault failing(String regex) {
            return new Fault(Pattern.compile(regex), Kind.FAIL);
        }

        static Fault landingThenFailing(String regex) {
            return new Fault(Pattern.compile(regex), Kind.LAND_THEN_FAIL);
        }

        static Fault failingReads(String regex) {
            return new Fault(Pattern.compile(regex), Kind.READ_FAIL);
        }

        boolean hits(Path f, boolean read) {
            return (kind == Kind.READ_FAIL) == read && path.matcher(f.toString()).find();
        }
    }

    private static volatile Fault armed;
    private static final AtomicInteger INJECTED = new AtomicInteger();

    /** Arms a fault until {@link #disarm}. */
    static void arm(Fault fault) {
        INJECTED.set(0);
        armed = fault;
    }

    /** Disarms the fault; returns how many writes it hit. */
    static int disarm() {
        armed = null;
        return INJECTED.get();
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        Fault fault = armed;
        if (fault == null || !fault.hits(f, false)) {
            return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        }
        INJECTED.incrementAndGet();
        if (fault.kind() == Kind.FAIL) {
            throw new IOException("Injected fault: the PUT of " + f + " failed (503 Slow Down)");
        }
        FSDataOutputStream real = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        OutputStream landsThenFails = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                real.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                real.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                real.close();
                throw new IOException("Injected fault: the PUT of " + f + " was done, and its answer lost");
            }
        };
        return new FSDataOutputStream(landsThenFails, null);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        Fault fault = armed;
        if (fault != null && fault.hits(f, true)) {
            INJECTED.incrementAndGet();
            throw new IOException("Injected fault: the GET of " + f + " failed (503 Slow Down)");
        }
        return super.open(f, bufferSize);
    }
}
