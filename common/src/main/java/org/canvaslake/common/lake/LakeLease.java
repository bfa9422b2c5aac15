package org.canvaslake.common.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.s3.S3ClientSettings;
import org.canvaslake.common.s3.S3Conditional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One run at a time on a lake: a named lease that a job takes before it reads anything and gives back when it ends,
 * so that a second run of the same job (started by hand beside a scheduled one) stops at once instead of writing the
 * same data twice.
 *
 * <ul>
 *   <li>Local lake: an OS lock on {@code _meta/_leases/<name>.lock}. The OS lets it go when the process ends, however
 *       it ends, so it never expires and needs no renewal.</li>
 *   <li>{@code s3://} / {@code s3a://} lake: an object {@code _meta/_leases/<name>.json} naming the holder and when
 *       the lease expires, created with a conditional PUT ({@code If-None-Match: *}: of two runs, S3 lets one create
 *       it). The holder renews it every quarter of its duration with {@code If-Match} on the version it wrote, so a
 *       lease another run took over cannot be renewed by mistake. A run that died leaves its lease to expire; the next
 *       run then takes it over, again with {@code If-Match}, so two runs cannot both take over the same expired one.
 *       Expiry is judged by the clock of the run that finds it, against the time the holder wrote: clocks minutes
 *       apart would break it (AWS hosts keep theirs within a second).</li>
 *   <li>Anything else (HDFS, ABFS, GCS, an S3-compatible store without conditional PUTs): no lease; {@link #none}
 *       says why, and the caller notes it.</li>
 * </ul>
 *
 * <p>The holder calls {@link #ensureHeld} before each commit: it fails once the lease was taken over, or has not been
 * renewed for three quarters of its duration (S3 unreachable), so a run that may have lost its lease stops before it
 * writes rather than after. On S3 the same check also runs inside each Delta commit, right before the PUT of the log
 * version ({@link #ensureCommitAllowed}), so a lease lost while a table's files were being written stops that commit
 * too.
 */
public final class LakeLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LakeLease.class);
    /** Where the leases live, under the lake's root: beside the {@code _meta} tables, inside none of them. */
    public static final String FOLDER = "_meta/_leases";
    /**
     * Where a run still commits after losing its lease: the run log ({@code _meta.runs}), so that the run's report
     * says how it ended. Relative to the lake's root.
     */
    static final String RUN_LOG = "_meta/runs/";
    /** The S3 leases this JVM holds, by the lake root they fence. */
    private static final Map<LakeLease, Fence> FENCES = new ConcurrentHashMap<>();
    /** Looked up once: on some hosts the lookup waits on DNS. */
    private static final String HOST = host();

    /**
     * Who holds a lease: the run, the job, the host and process, since when, until when (S3 only; null locally) and
     * a token no other holder has (two runs with one run id, as in tests, are still told apart).
     */
    public record Holder(String runId, String job, String host, long pid, Instant since, Instant until,
                         String token) {

        String json() {
            var node = Json.object().put("run_id", runId).put("job", job).put("host", host).put("pid", pid)
                    .put("since", since.toString()).put("token", token);
            if (until != null) {
                node.put("until", until.toString());
            }
            return Json.write(node);
        }

        /** The holder a lease file names; empty when it names none (being written, or released). */
        static Optional<Holder> parse(String json) {
            if (json == null || json.isBlank()) {
                return Optional.empty();
            }
            try {
                JsonNode n = Json.parse(json);
                return Optional.of(new Holder(n.path("run_id").asText(null), n.path("job").asText(null),
                        n.path("host").asText(null), n.path("pid").asLong(), Instant.parse(n.path("since").asText()),
                        n.hasNonNull("until") ? Instant.parse(n.path("until").asText()) : null,
                        n.path("token").asText("")));
            } catch (RuntimeException unreadable) {
                LOG.warn("A lease file that is not ours to read: {}", json, unreadable);
                return Optional.empty();
            }
        }

        /** Whether {@code other} is this holder (any renewal of it: the token is the holder's alone). */
        boolean sameHolder(Optional<Holder> other) {
            return other.filter(h -> h.token().equals(token)).isPresent();
        }

        Holder renewedUntil(Instant newUntil) {
            return new Holder(runId, job, host, pid, since, newUntil, token);
        }

        @Override
        public String toString() {
            return "run " + runId + " (" + job + ") on " + host + ", process " + pid + ", since " + since
                    + (until == null ? "" : ", lease until " + until);
        }
    }

    /** Another run holds the lease: this one must not start. */
    public static final class HeldException extends RuntimeException {
        private final transient Optional<Holder> holder;

        HeldException(String where, Optional<Holder> holder, String more) {
            super("Another run holds the lease " + where + ": " + holder.map(Holder::toString)
                    .orElse("(it has just taken it and not written its name yet)") + ". " + more);
            this.holder = holder;
        }

        public Optional<Holder> holder() {
            return holder;
        }
    }

    /** The holder lost its lease (taken over after it expired, or not renewed in time): it must not commit. */
    public static final class LostException extends RuntimeException {
        LostException(String message) {
            super(message);
        }
    }

    /** How a lease is kept: the OS lock, the S3 object, or nothing. */
    private interface Keeper {
        /** Throws {@link LostException} when the lease is no longer this run's for sure. */
        void ensureHeld();

        void release();
    }

    /** No lease: nothing to check, nothing to give back. */
    private static final Keeper NOTHING = new Keeper() {
        @Override
        public void ensureHeld() {
        }

        @Override
        public void release() {
        }
    };

    private final String where;
    private final String how;
    private final Keeper keeper;

    private LakeLease(String where, String how, Keeper keeper) {
        this.where = where;
        this.how = how;
        this.keeper = keeper;
    }

    private static LakeLease none(String where, String why) {
        return new LakeLease(where, "none: " + why, NOTHING);
    }

    /**
     * Takes the lease {@code name} on the lake for this run, or throws {@link HeldException} naming the run that
     * holds it. {@code duration} is how long an S3 lease lasts without renewal (a dead run's lease blocks others that
     * long); {@link Duration#ZERO} takes no lease at all.
     */
    public static LakeLease acquire(Configuration hadoop, Lake lake, String name, String runId, String job,
                                    Duration duration) {
        String where = lake.root() + "/" + FOLDER + "/" + name;
        if (duration.isZero() || duration.isNegative()) {
            return none(where, "turned off");
        }
        String scheme = URI.create(lake.root()).getScheme();
        Holder me = new Holder(runId, job, HOST, ProcessHandle.current().pid(), Instant.now(), null,
                UUID.randomUUID().toString());
        if (lake.isLocal()) {
            return LocalLock.take(lake.localRoot().resolve(FOLDER).resolve(name + ".lock"), me);
        }
        if ("s3".equals(scheme) || "s3a".equals(scheme)) {
            LakeLease lease = S3Lease.take(hadoop, URI.create(where + ".json"), me, duration);
            return lease.held() ? lease.fencing(URI.create(lake.root())) : lease;
        }
        return none(where, "a lake on " + scheme + ":// has no lease (local and S3 lakes do)");
    }

    /** Whether a lease is held (false: the lake's storage gives none, or it was turned off). */
    public boolean held() {
        return keeper != NOTHING;
    }

    /** Where the lease is and how it is kept, for the run's log. */
    public String describe() {
        return where + " (" + how + ")";
    }

    /** Throws {@link LostException} unless the lease is still this run's: call it before each commit. */
    public void ensureHeld() {
        keeper.ensureHeld();
    }

    /**
     * The last check before a Delta commit creates {@code s3://<bucket>/<key>} (a log version): throws {@link
     * LostException} when the file lies in a lake whose lease this JVM took and may have lost, so the commit is never
     * sent. The jobs' own checks before each table come first; this one covers a lease lost while the table's data
     * files were being written. The run log ({@link #RUN_LOG}) is left out: a run that lost its lease still records its
     * report. A JVM runs one job (spark-submit, Glue, EMR Serverless), so every lease held here is that run's.
     */
    public static void ensureCommitAllowed(String bucket, String key) {
        FENCES.forEach((lease, fence) -> {
            if (fence.bucket().equals(bucket) && key.startsWith(fence.prefix())
                    && !key.startsWith(fence.prefix() + RUN_LOG)) {
                lease.ensureHeld();
            }
        });
    }

    /** A lake root on S3: its bucket, and the key prefix of everything in it ({@code ""} or {@code "path/"}). */
    private record Fence(String bucket, String prefix) {
    }

    @Override
    public void close() {
        FENCES.remove(this);
        keeper.release();
    }

    /** The lease, fencing the commits under the lake's root (an S3 lease; no other can be lost unseen). */
    private LakeLease fencing(URI lakeRoot) {
        String path = lakeRoot.getPath() == null ? "" : lakeRoot.getPath().replaceAll("^/+|/+$", "");
        FENCES.put(this, new Fence(lakeRoot.getHost(), path.isEmpty() ? "" : path + "/"));
        return this;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }

    /**
     * The local lake's lease: an OS file lock, whose holder is written into the locked file. Runs in this JVM are
     * kept apart before the OS is asked: closing any channel on a locked file can drop the locks this process holds
     * on it (POSIX), so a second run here must not even open the file.
     */
    private static final class LocalLock implements Keeper {
        private static final Map<Path, Holder> HELD_HERE = new ConcurrentHashMap<>();
        private static final String WAIT = "An OS lock, released when that process ends: wait for it to end.";

        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;

        private LocalLock(Path file, FileChannel channel, FileLock lock) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
        }

        static LakeLease take(Path lockFile, Holder me) {
            Path file = lockFile.toAbsolutePath().normalize();
            Holder here = HELD_HERE.putIfAbsent(file, me);
            if (here != null) {
                throw new HeldException(file.toString(), Optional.of(here), WAIT);
            }
            try {
                Files.createDirectories(file.getParent());
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    // another process holds it; the lock is advisory, so its holder's name can be read
                    String holder = Files.readString(file);
                    channel.close();
                    throw new HeldException(file.toString(), Holder.parse(holder), WAIT);
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(me.json().getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(false);
                return new LakeLease(file.toString(), "an OS file lock, released when this process ends",
                        new LocalLock(file, channel, lock));
            } catch (IOException e) {
                HELD_HERE.remove(file, me);
                throw new UncheckedIOException("Cannot take the lease " + file + ": " + e.getMessage()
                        + " (the lake's _meta folder must be writable)", e);
            } catch (RuntimeException e) {
                HELD_HERE.remove(file, me);
                throw e;
            }
        }

        @Override
        public void ensureHeld() {
            if (!lock.isValid()) {
                throw new LostException("The lease " + file + " was released while the run held it");
            }
        }

        @Override
        public void release() {
            try {
                // the next holder's readers must not see this run's name while it writes its own
                channel.truncate(0);
                lock.release();
            } catch (IOException e) {
                LOG.warn("Releasing the lease lock failed (the OS releases it when the process ends)", e);
            } finally {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing releases the lock in any case
                }
                HELD_HERE.remove(file);
            }
        }
    }

    /** The S3 lake's lease: an object created and renewed with conditional PUTs, renewed by a daemon thread. */
    private static final class S3Lease implements Keeper {
        private static final int ATTEMPTS = 4;

        private final S3Client client;
        private final S3ClientSettings settings;
        private final URI uri;
        private final String bucket;
        private final String key;
        private final Duration duration;
        private final ScheduledExecutorService renewer;
        /** The holder as last written and the ETag S3 gave that version; guarded by this. */
        private Holder written;
        private String etag;
        /** When the last renewal that S3 confirmed was sent (System.nanoTime). */
        private long confirmedAt;
        private String lostBecause;
        private String lastError;

        private S3Lease(S3ClientSettings settings, URI uri, Duration duration, Holder written, String etag,
                        long confirmedAt) {
            this.settings = settings;
            this.client = settings.sharedClient();
            this.uri = uri;
            this.bucket = uri.getHost();
            this.key = key(uri);
            this.duration = duration;
            this.written = written;
            this.etag = etag;
            this.confirmedAt = confirmedAt;
            this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lease-renewer");
                t.setDaemon(true);
                return t;
            });
        }

        static LakeLease take(Configuration hadoop, URI uri, Holder me, Duration duration) {
            String bucket = uri.getHost();
            String key = key(uri);
            S3ClientSettings settings = S3ClientSettings.of(hadoop, bucket);
            S3Client client = settings.sharedClient();
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                long sent = System.nanoTime();
                Holder mine = me.renewedUntil(Instant.now().plus(duration));
                String etag;
                try {
                    etag = put(client, settings, bucket, key, mine, S3Conditional.IF_NONE_MATCH, "*");
                } catch (S3Exception e) {
                    S3Conditional.Refusal refusal = S3Conditional.Refusal.of(e);
                    if (refusal == S3Conditional.Refusal.NOT_IMPLEMENTED) {
                        return none(uri.toString(), "the S3 store does not implement conditional PUTs");
                    }
                    if (e.statusCode() == 404) {
                        throw noBucket(uri, bucket, e);
                    }
                    if (refusal == S3Conditional.Refusal.OTHER) {
                        throw new IllegalStateException("Cannot take the lease " + uri + ": " + e.getMessage()
                                + " (the job needs s3:PutObject, s3:GetObject and s3:DeleteObject on the lake's "
                                + FOLDER + "/)", e);
                    }
                    etag = null;
                } catch (SdkException e) {
                    etag = null; // no answer: what S3 holds now decides (below)
                    // (S3Proxy refuses before reading the body and closes the connection: a refusal reads so too)
                    LOG.info("Taking the lease {}: no answer ({}); reading what S3 holds", uri, e.getMessage());
                }
                if (etag == null) {
                    Optional<Stored> there;
                    try {
                        there = read(client, bucket, key);
                    } catch (S3Exception e) {
                        // a missing key reads as empty: a 404 here is the bucket (its PUT's refusal got no answer)
                        throw e.statusCode() == 404 ? noBucket(uri, bucket, e) : e;
                    }
                    if (there.isEmpty()) {
                        continue; // released between the PUT and the read: try again
                    }
                    Stored other = there.get();
                    if (me.sameHolder(other.holder())) {
                        etag = other.etag(); // this run's own PUT landed, its answer lost
                        mine = other.holder().get();
                    } else if (other.holder().map(h -> h.until() != null && h.until().isAfter(Instant.now()))
                            .orElse(false)) {
                        throw new HeldException(uri.toString(), other.holder(), "It expires unless that run renews "
                                + "it; a run that died leaves it to expire, and the next run after that takes it.");
                    } else {
                        try {
                            etag = put(client, settings, bucket, key, mine, S3Conditional.IF_MATCH, other.etag());
                            LOG.warn("Took over the expired lease {} of {}", uri,
                                    other.holder().map(Holder::toString).orElse("an unreadable holder"));
                        } catch (SdkException lostTheRace) {
                            // another run took it over first (412), it was released (404), or no answer: again
                            continue;
                        }
                    }
                }
                S3Lease lease = new S3Lease(settings, uri, duration, mine, etag, sent);
                long every = Math.max(1, duration.toMillis() / 4);
                lease.renewer.scheduleWithFixedDelay(lease::renew, every, every, TimeUnit.MILLISECONDS);
                return new LakeLease(uri.toString(), "an S3 object, " + duration.toSeconds() + " s without renewal,"
                        + " renewed every " + every / 1000 + " s", lease);
            }
            throw new IllegalStateException("Cannot take the lease " + uri + ": it changed hands " + ATTEMPTS
                    + " times while this run tried; try again");
        }

        private static IllegalStateException noBucket(URI uri, String bucket, S3Exception e) {
            return new IllegalStateException("Cannot take the lease " + uri + ": the bucket " + bucket
                    + " does not exist (" + e.getMessage() + "). Check that the lake (--lake) names a bucket that"
                    + " exists and that this job can reach", e);
        }

        private static String key(URI uri) {
            return uri.getPath().substring(1);
        }

        private static String put(S3Client client, S3ClientSettings settings, String bucket, String key,
                                  Holder holder, String condition, String value) {
            return client.putObject(settings.encrypt(PutObjectRequest.builder().bucket(bucket).key(key)
                            .contentType("application/json")
                            .overrideConfiguration(o -> o.putHeader(condition, value))).build(),
                    RequestBody.fromString(holder.json(), StandardCharsets.UTF_8)).eTag();
        }

        private record Stored(Optional<Holder> holder, String etag) {
        }

        private static Optional<Stored> read(S3Client client, String bucket, String key) {
            try {
                ResponseBytes<GetObjectResponse> bytes = client.getObjectAsBytes(r -> r.bucket(bucket).key(key));
                return Optional.of(new Stored(Holder.parse(bytes.asUtf8String()), bytes.response().eTag()));
            } catch (NoSuchKeyException absent) {
                return Optional.empty();
            }
        }

        /** The renewer's tick: the lease's time pushed on, on the version this run wrote last. */
        private void renew() {
            Holder next;
            String on;
            synchronized (this) {
                if (lostBecause != null) {
                    return;
                }
                next = written.renewedUntil(Instant.now().plus(duration));
                on = etag;
            }
            long sent = System.nanoTime();
            try {
                String newEtag = put(client, settings, bucket, key, next, S3Conditional.IF_MATCH, on);
                confirmed(next, newEtag, sent);
            } catch (S3Exception e) {
                if (S3Conditional.Refusal.of(e) == S3Conditional.Refusal.EXISTS || e.statusCode() == 404) {
                    lost("another run took the lease over or removed it (" + e.statusCode() + ")");
                } else {
                    failed(e);
                }
            } catch (RuntimeException e) {
                if (!(e instanceof SdkException)) {
                    failed(e); // an unexpected error must not end the renewals (a scheduled task that throws stops)
                    return;
                }
                // no answer: S3 holds this renewal (it landed), the previous one (it did not), or another holder's
                try {
                    Optional<Stored> there = read(client, bucket, key);
                    Optional<Holder> holder = there.flatMap(Stored::holder);
                    if (holder.filter(next::equals).isPresent()) {
                        confirmed(next, there.get().etag(), sent);
                    } else if (!next.sameHolder(holder)) {
                        lost("another run holds the lease now: " + holder.map(Holder::toString).orElse("none"));
                    } else {
                        failed(e);
                    }
                } catch (RuntimeException again) {
                    failed(again);
                }
            }
        }

        private synchronized void confirmed(Holder next, String newEtag, long sent) {
            written = next;
            etag = newEtag;
            confirmedAt = sent;
            lastError = null;
        }

        private synchronized void lost(String why) {
            lostBecause = why;
            LOG.error("The lease {} is lost: {}", uri, why);
        }

        private synchronized void failed(Exception e) {
            lastError = e.getMessage();
            LOG.warn("Renewing the lease {} failed (tried again in {} s): {}", uri, duration.toSeconds() / 4,
                    e.getMessage());
        }

        @Override
        public synchronized void ensureHeld() {
            if (lostBecause != null) {
                throw new LostException("This run lost the lease " + uri + ": " + lostBecause + ". It stops before "
                        + "writing more; what it wrote is safe, and the run holding the lease now, or the next run after"
                        + " it, takes up what this one leaves.");
            }
            long sinceConfirmed = System.nanoTime() - confirmedAt;
            if (sinceConfirmed > duration.toNanos() * 3 / 4) {
                throw new LostException("The lease " + uri + " was last renewed " + sinceConfirmed / 1_000_000_000L
                        + " s ago (it lasts " + duration.toSeconds() + " s" + (lastError == null ? ""
                        : "; last error: " + lastError) + "): another run may have taken it over, so this one stops"
                        + " before writing more.");
            }
        }

        @Override
        public void release() {
            renewer.shutdownNow();
            try {
                renewer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Holder mine;
            synchronized (this) {
                if (lostBecause != null) {
                    return;
                }
                mine = written;
            }
            try {
                // only this run's own lease is removed (S3 has no conditional DELETE everywhere): read, compare, delete
                if (mine.sameHolder(read(client, bucket, key).flatMap(Stored::holder))) {
                    client.deleteObject(r -> r.bucket(bucket).key(key));
                }
            } catch (SdkException e) {
                LOG.warn("Releasing the lease {} failed; it expires at {} and the next run takes it then", uri,
                        mine.until(), e);
            }
        }
    }
}
