package org.canvaslake.proof;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.util.Progressable;

/**
 * S3A with the storage faults a test arms, for the writes whose path matches: a write that fails (the PUT refused),
 * or one that lands and is then reported failed (the PUT done, its answer lost: the writer cannot tell). Every write
 * of Parquet files and of Delta's log goes through {@link #create}. Set as {@code fs.s3.impl} for the test's bucket.
 */
public class FaultyS3AFileSystem extends S3AFileSystem {

    enum Kind { FAIL, LAND_THEN_FAIL }

    /** A fault for the writes whose path matches {@code path} (found anywhere in it). */
    record Fault(Pattern path, Kind kind) {
        static Fault failing(String regex) {
            return new Fault(Pattern.compile(regex), Kind.FAIL);
        }

        static Fault landingThenFailing(String regex) {
            return new Fault(Pattern.compile(regex), Kind.LAND_THEN_FAIL);
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
        if (fault == null || !fault.path().matcher(f.toString()).find()) {
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
}
