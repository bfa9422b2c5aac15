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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.delta.storage.S3SingleDriverLogStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

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
 */
public class S3ConditionalLogStore extends S3SingleDriverLogStore {

    private static final Logger LOG = LoggerFactory.getLogger(S3ConditionalLogStore.class);
    /** S3's answer when a conditional PUT of the same key ran at the same moment: try again, the key decides. */
    private static final int CONFLICT_ATTEMPTS = 4;
    /**
     * Set as a header rather than through the request's {@code ifNoneMatch} (SDK 2.27, August 2024): on Glue and EMR
     * the platform's own AWS SDK comes first on the classpath, and an older one would fail every commit.
     */
    public static final String IF_NONE_MATCH = "If-None-Match";
    private static final Map<ClientSettings, S3Client> CLIENTS = new ConcurrentHashMap<>();
    private static final Set<String> WITHOUT_CONDITIONAL_PUT = ConcurrentHashMap.newKeySet();

    public S3ConditionalLogStore(Configuration initHadoopConf) {
        super(initHadoopConf);
    }

    @Override
    public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration hadoopConf)
            throws IOException {
        URI uri = path.toUri();
        String bucket = uri.getHost();
        if (overwrite || bucket == null || WITHOUT_CONDITIONAL_PUT.contains(bucket)) {
            super.write(path, actions, overwrite, hadoopConf);
            return;
        }
        List<String> lines = new ArrayList<>();
        actions.forEachRemaining(lines::add);
        byte[] body = bytes(lines);
        String key = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
        ClientSettings settings = ClientSettings.of(hadoopConf, bucket);
        S3Client client = CLIENTS.computeIfAbsent(settings, first -> {
            LOG.info("Delta commits on s3://{}/ are conditional PUTs ({})", bucket, first);
            return first.client();
        });
        for (int attempt = 1; ; attempt++) {
            try {
                client.putObject(settings.encrypt(PutObjectRequest.builder().bucket(bucket).key(key)
                        .overrideConfiguration(o -> o.putHeader(IF_NONE_MATCH, "*"))).build(),
                        RequestBody.fromBytes(body));
                return;
            } catch (S3Exception e) {
                switch (Refusal.of(e)) {
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

    /** What an S3 error on a conditional PUT means for the commit. */
    enum Refusal {
        /** 412: the version file exists; another writer committed it. */
        EXISTS,
        /** 409: another conditional PUT of the same key was in progress; S3 says to try again. */
        CONFLICT,
        /** 501, or an error code saying so: the store cannot do conditional PUTs at all. */
        NOT_IMPLEMENTED,
        /** Anything else (403, 5xx past the SDK's retries): the commit fails. */
        OTHER;

        static Refusal of(S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (e.statusCode() == 412 || "PreconditionFailed".equals(code)) {
                return EXISTS;
            }
            if (e.statusCode() == 409 || "ConditionalRequestConflict".equals(code)) {
                return CONFLICT;
            }
            if (e.statusCode() == 501 || "NotImplemented".equals(code)) {
                return NOT_IMPLEMENTED;
            }
            return OTHER;
        }
    }

    /**
     * How to reach one bucket, from S3A's settings (per bucket first), so that a lake S3A reads through a custom
     * endpoint gets its commits written there too. Nothing set: the SDK's own chain (region from the environment,
     * credentials from the job's role), across regions.
     */
    record ClientSettings(String endpoint, String region, boolean pathStyle, String accessKey, String secretKey,
                          String sessionToken, String encryption, String encryptionKey) {

        /** s3.amazonaws.com, s3.eu-west-1.amazonaws.com, s3-eu-west-1.amazonaws.com, and China's. */
        private static final Pattern PUBLIC_AWS_ENDPOINT =
                Pattern.compile("s3([.-][a-z0-9-]+)?\\.amazonaws\\.com(\\.cn)?");

        static ClientSettings of(Configuration conf, String bucket) {
            String endpoint = s3a(conf, bucket, "endpoint");
            if (endpoint != null && !endpoint.contains("://")) {
                // S3A takes a bare host; the scheme follows its SSL switch
                endpoint = (conf.getBoolean("fs.s3a.connection.ssl.enabled", true) ? "https://" : "http://")
                        + endpoint;
            }
            String host = endpoint == null ? null : URI.create(endpoint).getHost();
            if (host != null && PUBLIC_AWS_ENDPOINT.matcher(host).matches()) {
                endpoint = null; // S3's public endpoint: the region picks it (a VPC or FIPS endpoint is kept)
            }
            String encryption = s3a(conf, bucket, "encryption.algorithm");
            String encryptionKey = s3a(conf, bucket, "encryption.key");
            if (encryption == null) {
                encryption = s3a(conf, bucket, "server-side-encryption-algorithm");
                encryptionKey = s3a(conf, bucket, "server-side-encryption.key");
            }
            return new ClientSettings(endpoint, s3a(conf, bucket, "endpoint.region"),
                    Boolean.parseBoolean(s3a(conf, bucket, "path.style.access")), s3a(conf, bucket, "access.key"),
                    s3a(conf, bucket, "secret.key"), s3a(conf, bucket, "session.token"), encryption, encryptionKey);
        }

        /** {@code fs.s3a.bucket.<bucket>.<name>}, else {@code fs.s3a.<name>}; blank counts as unset. */
        private static String s3a(Configuration conf, String bucket, String name) {
            String value = conf.getTrimmed("fs.s3a.bucket." + bucket + "." + name);
            if (value == null || value.isEmpty()) {
                value = conf.getTrimmed("fs.s3a." + name);
            }
            return value == null || value.isEmpty() ? null : value;
        }

        S3Client client() {
            S3ClientBuilder builder = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                    .forcePathStyle(pathStyle).credentialsProvider(credentials());
            if (endpoint != null) {
                builder.endpointOverride(URI.create(endpoint)).region(Region.of(region == null ? "us-east-1" : region));
            } else {
                builder.region(region != null ? Region.of(region) : defaultRegion());
                try {
                    builder.crossRegionAccessEnabled(true);
                } catch (NoSuchMethodError olderSdk) {
                    // an SDK from before cross-region access (mid-2023): the bucket must be in the job's region
                }
            }
            return builder.build();
        }

        private AwsCredentialsProvider credentials() {
            if (accessKey == null || secretKey == null) {
                return DefaultCredentialsProvider.create();
            }
            return StaticCredentialsProvider.create(sessionToken == null
                    ? AwsBasicCredentials.create(accessKey, secretKey)
                    : AwsSessionCredentials.create(accessKey, secretKey, sessionToken));
        }

        private static Region defaultRegion() {
            try {
                return new DefaultAwsRegionProviderChain().getRegion();
            } catch (SdkException none) {
                return Region.US_EAST_1; // with cross-region access on, S3 redirects to the bucket's region
            }
        }

        /** S3A's SSE-S3 and SSE-KMS settings, on the commit's PUT too. */
        PutObjectRequest.Builder encrypt(PutObjectRequest.Builder put) {
            if (encryption == null) {
                return put;
            }
            return switch (encryption.toUpperCase(Locale.ROOT)) {
                case "SSE-S3", "AES256" -> put.serverSideEncryption(ServerSideEncryption.AES256);
                case "SSE-KMS", "AWS:KMS" -> {
                    put.serverSideEncryption(ServerSideEncryption.AWS_KMS);
                    yield encryptionKey == null ? put : put.ssekmsKeyId(encryptionKey);
                }
                default -> put;
            };
        }

        @Override
        public String toString() {
            // never the keys
            return "S3 client settings (endpoint " + endpoint + ", region " + region + ", path style " + pathStyle
                    + ", keys " + (accessKey == null ? "from the SDK's chain" : "from fs.s3a.*") + ")";
        }
    }
}
