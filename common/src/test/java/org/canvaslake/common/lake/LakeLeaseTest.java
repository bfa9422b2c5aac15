package org.canvaslake.common.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.report.RunLog;
import org.canvaslake.common.s3.StubS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local lake's lease: an OS file lock, held against runs in this JVM and in other processes, and let go when its
 * process ends however it ends. The S3 lease is proven against S3Proxy in the tests module ({@code S3LakeTest}).
 */
class LakeLeaseTest {

    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

    @Test
    void aSecondRunInThisJvmIsRefusedNamingTheHolderUntilTheFirstGivesItBack(@TempDir Path dir) {
        Lake lake = Lake.at(dir.toString());
        try (LakeLease first = LakeLease.acquire(new Configuration(false), lake, "events", "run-1", "events",
                TEN_MINUTES)) {
            assertThat(first.held()).isTrue();
            assertThat(first.describe()).contains("OS file lock");
            assertThatThrownBy(() -> LakeLease.acquire(new Configuration(false), lake, "events", "run-2", "events",
                    TEN_MINUTES)).isInstanceOf(LakeLease.HeldException.class)
                    .hasMessageContaining("run run-1 (events)").hasMessageContaining("_meta/_leases/events.lock");
            // another lease name is another lease
            try (LakeLease other = LakeLease.acquire(new Configuration(false), lake, "dap", "run-2", "dap",
                    TEN_MINUTES)) {
                assertThat(other.held()).isTrue();
            }
            first.ensureHeld();
        }
        try (LakeLease again = LakeLease.acquire(new Configuration(false), lake, "events", "run-3", "events",
                TEN_MINUTES)) {
            assertThat(again.held()).isTrue();
        }
    }

    /**
     * Another process holds the lock (a JVM started from a single source file, locking the way Java does): this run is
     * refused with the holder's name from the file; once that process is killed (-9), the OS has let go of it.
     */
    @Test
    void aLockHeldByAnotherProcessRefusesTheRunAndIsGoneWhenThatProcessIsKilled(@TempDir Path dir) throws Exception {
        Lake lake = Lake.at(dir.resolve("lake").toString());
        Path lockFile = dir.resolve("lake").resolve(LakeLease.FOLDER).resolve("events.lock");
        Files.createDirectories(lockFile.getParent());
        Path source = dir.resolve("HoldLock.java");
        Files.writeString(source, """
                import java.nio.ByteBuffer;
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class HoldLock {
                    public static void main(String[] args) throws Exception {
                        FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE);
                        channel.lock();
                        channel.write(ByteBuffer.wrap(args[1].getBytes("UTF-8")), 0);
                        System.out.println("locked");
                        System.out.flush();
                        Thread.sleep(600_000);
                    }
                }
                """);
        String holder = "{\"run_id\":\"run-elsewhere\",\"job\":\"events\",\"host\":\"h\",\"pid\":42,"
                + "\"since\":\"2026-12-07T00:00:00Z\",\"token\":\"t\"}";
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                source.toString(), lockFile.toString(), holder).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).as("the other process took the lock").isEqualTo("locked");

            assertThatThrownBy(() -> LakeLease.acquire(new Configuration(false), lake, "events", "run-here", "events",
                    TEN_MINUTES)).isInstanceOf(LakeLease.HeldException.class)
                    .hasMessageContaining("run run-elsewhere (events) on h, process 42")
                    .hasMessageContaining("released when that process ends");
        } finally {
            process.destroyForcibly();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        try (LakeLease mine = LakeLease.acquire(new Configuration(false), lake, "events", "run-here", "events",
                TEN_MINUTES)) {
            assertThat(Files.readString(lockFile)).contains("run-here");
        }
        assertThat(Files.readString(lockFile)).as("a lock given back names nobody").isEmpty();
    }

    @Test
    void noLeaseWhenTurnedOffOrWhereTheLakesStorageHasNone(@TempDir Path dir) throws Exception {
        Lake local = Lake.at(dir.toString());
        try (LakeLease off = LakeLease.acquire(new Configuration(false), local, "events", "r", "events",
                Duration.ZERO)) {
            assertThat(off.held()).isFalse();
            assertThat(off.describe()).contains("turned off");
            off.ensureHeld();
        }
        assertThat(dir.resolve(LakeLease.FOLDER)).doesNotExist();
        try (StubS3 store = StubS3.notImplemented();
             LakeLease s3 = LakeLease.acquire(store.pointS3aAt(new Configuration(false)),
                     Lake.at("s3://no-conditional-puts/lake"), "events", "r", "events", TEN_MINUTES)) {
            assertThat(s3.held()).isFalse();
            assertThat(s3.describe()).contains("s3://no-conditional-puts/lake/_meta/_leases/events.json",
                    "does not implement conditional PUTs");
        }
        try (LakeLease hdfs = LakeLease.acquire(new Configuration(false), Lake.at("hdfs://namenode/lake"), "events",
                "r", "events", TEN_MINUTES)) {
            assertThat(hdfs.held()).isFalse();
            assertThat(hdfs.describe()).contains("hdfs:// has no lease");
        }
    }

    @Test
    void aLeaseInABucketThatIsNotThereIsRefusedNamingTheBucketAlsoWhenItsPutGotNoAnswer() throws Exception {
        // the PUT's connection dropped (as S3Proxy does when it refuses before reading the body), and the read-back
        // that decides what happened meets the missing bucket
        try (StubS3 store = StubS3.withoutBucket()) {
            assertThatThrownBy(() -> LakeLease.acquire(store.pointS3aAt(new Configuration(false)),
                    Lake.at("s3://no-such-bucket/lake"), "events", "r", "events", TEN_MINUTES))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("s3://no-such-bucket/lake/_meta/_leases/events.json")
                    .hasMessageContaining("the bucket no-such-bucket does not exist")
                    .hasMessageContaining("Check that the lake (--lake) names a bucket that exists");
        }
    }

    @Test
    void theRunLogLeftOutOfTheCommitFenceIsTheRunLogsTable() {
        Lake lake = Lake.at("s3://bucket/lake");
        assertThat(lake.table(RunLog.TABLE) + "/").isEqualTo(lake.root() + "/" + LakeLease.RUN_LOG);
    }
}
