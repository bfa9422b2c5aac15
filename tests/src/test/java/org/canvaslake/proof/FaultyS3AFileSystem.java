package org.canvaslake.proof;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.impl.OpenFileParameters;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.util.Progressable;

/**
 * S3A with the storage faults a test arms, for the writes or reads whose path matches: a write that fails (the PUT
 * refused), one that lands and is then reported failed (the PUT done, its answer lost: the writer cannot tell), or a
 * read that fails (the GET refused). Every write of Parquet files goes through {@link #create}, and so do Delta's
 * checkpoints; Delta's commits are conditional PUTs through the AWS SDK, which {@link FaultyS3Puts} faults with the
 * same armed fault. Every read goes through {@link #open} or (Spark's file readers) {@link #openFileWithOptions}. Set
 * as {@code fs.s3.impl} for the test's bucket.
 */
public class FaultyS3AFileSystem extends S3AFileSystem {

    enum Kind { FAIL, LAND_THEN_FAIL, READ_FAIL }

    /**
     * A fault for the writes (or, {@link Kind#READ_FAIL}, the reads) whose path matches {@code path} (anywhere): every
     * one of them ({@code nth} 0), or only the {@code nth} of them since the fault was armed (in the order the calls
     * come, which parallel tasks can shuffle), or none ({@code nth} below 0: the calls are only counted).
     */
    record Fault(Pattern path, Kind kind, int nth) {
        static Fault failing(String regex) {
            return new Fault(Pattern.compile(regex), Kind.FAIL, 0);
        }

        static Fault landingThenFailing(String regex) {
            return new Fault(Pattern.compile(regex), Kind.LAND_THEN_FAIL, 0);
        }

        static Fault failingReads(String regex) {
            return new Fault(Pattern.compile(regex), Kind.READ_FAIL, 0);
        }

        /** The first read whose path matches, and that one alone, fails (a blip: the reads after it succeed). */
        static Fault failingFirstRead(String regex) {
            return new Fault(Pattern.compile(regex), Kind.READ_FAIL, 1);
        }

        /** No fault: counts the writes whose path matches ({@link #seen}). */
        static Fault countingWrites(String regex) {
            return new Fault(Pattern.compile(regex), Kind.FAIL, -1);
        }

        /** The {@code nth} write whose path matches, and that one alone, fails in the way {@code kind} says. */
        static Fault atWrite(String regex, Kind kind, int nth) {
            if (nth < 1 || kind == Kind.READ_FAIL) {
                throw new IllegalArgumentException("a write fault at write " + nth + " (from 1) of kind " + kind);
            }
            return new Fault(Pattern.compile(regex), kind, nth);
        }
    }

    private static volatile Fault armed;
    private static final AtomicInteger SEEN = new AtomicInteger();
    private static final List<String> HIT = new CopyOnWriteArrayList<>();

    /** Arms a fault until {@link #disarm}. */
    static void arm(Fault fault) {
        SEEN.set(0);
        HIT.clear();
        armed = fault;
    }

    /** Disarms the fault; returns how many calls it hit. */
    static int disarm() {
        armed = null;
        return HIT.size();
    }

    /** The calls the fault last armed matched (hit or not), since it was armed. */
    static int seen() {
        return SEEN.get();
    }

    /** The paths the fault last armed hit, in order. */
    static List<String> hits() {
        return List.copyOf(HIT);
    }

    /** Whether the armed fault hits this call (and if so, counts it). */
    private static boolean strikes(Fault fault, Path f, boolean read) {
        if (fault == null || (fault.kind() == Kind.READ_FAIL) != read || !fault.path().matcher(f.toString()).find()) {
            return false;
        }
        int n = SEEN.incrementAndGet();
        if (fault.nth() < 0 || (fault.nth() > 0 && n != fault.nth())) {
            return false;
        }
        HIT.add(f.toString());
        return true;
    }

    /**
     * The armed write fault's kind when it hits a PUT that bypasses the file system ({@link FaultyS3Puts}: Delta's
     * commits, written by {@code S3ConditionalLogStore} through the AWS SDK), else null; counted as every write is.
     */
    static Kind strikesPut(String s3Path) {
        Fault fault = armed;
        return strikes(fault, new Path(s3Path), false) ? fault.kind() : null;
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        Fault fault = armed;
        if (!strikes(fault, f, false)) {
            return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        }
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
        refuseRead(f);
        return super.open(f, bufferSize);
    }

    /** The other way in for reads: Hadoop's {@code openFile()} builder, which Spark's file readers use. */
    @Override
    public CompletableFuture<FSDataInputStream> openFileWithOptions(Path f, OpenFileParameters parameters)
            throws IOException {
        refuseRead(f);
        return super.openFileWithOptions(f, parameters);
    }

    private static void refuseRead(Path f) throws IOException {
        if (strikes(armed, f, true)) {
            throw new IOException("Injected fault: the GET of " + f + " failed (503 Slow Down)");
        }
    }
}
