package org.canvaslake.common.delta;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.s3.S3ClientSettings;
import org.canvaslake.common.s3.S3Conditional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.delta.storage.S3SingleDriverLogStore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Delta's log store for {@code s3://} and {@code s3a://} lakes, making each commit exclusive across Spark drivers.
 *
 * <p>A Delta commit is the creation of the log's next version file, and two writers must never both create it.
 * Delta's default store for S3 ({@link S3SingleDriverLogStore}) checks that the file is absent and then writes it:
 * safe within one JVM, which it locks, but between two drivers (the hourly events job finishing while the cd2 sync
 * appends its run report to {@code _meta.runs}, a run by hand beside a scheduled one) both can pass the check and
 * the second PUT silently replaces the first commit, whose rows are then lost. Since August 2024 S3 can refuse the
 * second PUT itself ({@code If-None-Match: *}, 412 Precondition Failed). This store writes every new log file that
 * way; a refusal becomes the {@link FileAlreadyExistsException} Delta expects, and Delta then checks the other commit
 * for a conflict and retries at the next version, as it does between two writers on HDFS.
 *
 * <p>Reads, listings and overwrites ({@code _last_checkpoint}) stay Delta's, through the Hadoop file system (S3A, or
 * EMRFS on Glue and EMR). The PUT goes through the AWS SDK with the same endpoint, region, path style, keys and
 * encryption that S3A's settings give ({@code fs.s3a.*}, per bucket {@code fs.s3a.bucket.<bucket>.*}), else the
 * SDK's defaults (the job's role on Glue and EMR). A store that answers that it does not implement conditional PUTs
 * (501, as some S3-compatible servers do) gets Delta's default behaviour, with a warning once per bucket.
 *
 * <p>Before a new version is written, the lake's lease is checked once more ({@link LakeLease#ensureCommitAllowed}):
 * a run that lost its lease while it wrote a table's files does not commit them.
 */
public class S3ConditionalLogStore extends S3SingleDriverLogStore {

    private static final Logger LOG = LoggerFactory.getLogger(S3ConditionalLogStore.class);
    /** S3's answer when a conditional PUT of the same key ran at the same moment: try again, the key decides. */
    private static final int CONFLICT_ATTEMPTS = 4;
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static final Set<String> WITHOUT_CONDITIONAL_PUT = ConcurrentHashMap.newKeySet();

    public S3ConditionalLogStore(Configuration initHadoopConf) {
        super(initHadoopConf);
    }

    @Override
    public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration hadoopConf)
            throws IOException {
        URI uri = path.toUri();
        String bucket = uri.getHost();
        String key = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
        if (!overwrite && bucket != null) {
            LakeLease.ensureCommitAllowed(bucket, key);
        }
        if (overwrite || bucket == null || WITHOUT_CONDITIONAL_PUT.contains(bucket)) {
            super.write(path, actions, overwrite, hadoopConf);
            return;
        }
        List<String> lines = new ArrayList<>();
        actions.forEachRemaining(lines::add);
        byte[] body = bytes(lines);
        S3ClientSettings settings = S3ClientSettings.of(hadoopConf, bucket);
        S3Client client = settings.sharedClient();
        if (LOGGED.add(bucket)) {
            LOG.info("Delta commits on s3://{}/ are conditional PUTs ({})", bucket, settings);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                client.putObject(settings.encrypt(PutObjectRequest.builder().bucket(bucket).key(key)
                        .overrideConfiguration(o -> o.putHeader(S3Conditional.IF_NONE_MATCH, "*"))).build(),
                        RequestBody.fromBytes(body));
                return;
            } catch (S3Exception e) {
                switch (S3Conditional.Refusal.of(e)) {
                    case EXISTS -> {
                        // the SDK retries a PUT whose answer was lost, and the retry is refused because the first
                        // attempt landed: then the file is this commit
                        standsOrRefused(path, readBack(client, bucket, key), body, "S3 refused the conditional PUT");
                        return;
                    }
                    case CONFLICT -> {
                        if (attempt >= CONFLICT_ATTEMPTS) {
                            throw new IOException("Cannot write " + path + ": S3 kept answering that another "
                                    + "conditional PUT of it was in progress (409, " + attempt + " attempts)", e);
                        }
                        pause(attempt);
                    }
                    case NOT_IMPLEMENTED -> {
                        if (WITHOUT_CONDITIONAL_PUT.add(bucket)) {
                            LOG.warn("The S3 store of bucket {} does not implement conditional PUTs (If-None-Match); "
                                    + "Delta commits there fall back to Delta's single-driver S3 log store, so run "
                                    + "one writer per table at a time", bucket);
                        }
                        super.write(path, lines.iterator(), false, hadoopConf);
                        return;
                    }
                    default -> throw new IOException("Cannot write " + path + ": " + e.getMessage(), e);
                }
            } catch (SdkException e) {
                if (!(e.getCause() instanceof IOException)) {
                    throw new IOException("Cannot write " + path + ": " + e.getMessage(), e);
                }
                // no answer, past the SDK's retries: the connection broke while writing or reading. A store that
                // refuses before reading the body (S3Proxy does) closes it on the writer, so the refusal reads as a
                // broken connection; and a PUT can land with its answer lost. What S3 holds now tells them apart.
                byte[] there = readBack(client, bucket, key);
                if (there == null) {
                    throw new IOException("Cannot write " + path + ": " + e.getMessage(), e);
                }
                standsOrRefused(path, there, body, "found after the connection broke");
                return;
            }
        }
    }

    /**
     * Settles a PUT that was refused or got no answer by the version file S3 holds ({@code there}): when it is this
     * very commit (an earlier attempt landed), the commit stands; otherwise another writer committed this version
     * first. Taken for another writer's, this commit's own file would make Delta commit the same actions again at the
     * next version, doubling the rows. Delta's commit info carries a transaction id, so two writers' commits never
     * match byte for byte.
     */
    private static void standsOrRefused(Path path, byte[] there, byte[] body, String how)
            throws FileAlreadyExistsException {
        if (Arrays.equals(there, body)) {
            LOG.info("{}: this commit is there already ({}): it stands", path, how);
            return;
        }
        throw new FileAlreadyExistsException(path.toString(), null,
                "another writer committed this version first (" + how + ")");
    }

    /** The version file's bytes as S3 holds them now, or null when it is not there. */
    private static byte[] readBack(S3Client client, String bucket, String key) throws IOException {
        try {
            return client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException absent) {
            return null;
        } catch (SdkException e) {
            throw new IOException("Cannot read back s3://" + bucket + "/" + key + " after its conditional PUT: "
                    + e.getMessage(), e);
        }
    }

    /** The log file's bytes: each action on its line, as Delta's own stores write them. */
    private static byte[] bytes(List<String> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : lines) {
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static void pause(int attempt) throws IOException {
        try {
            Thread.sleep(100L << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while retrying a Delta commit", e);
        }
    }
}
