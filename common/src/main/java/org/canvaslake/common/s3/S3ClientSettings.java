package org.canvaslake.common.s3;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * How to reach one bucket with the AWS SDK, from S3A's settings (per bucket first), so that a lake S3A reads through a
 * custom endpoint gets its commits and leases written there too. Nothing set: the SDK's own chain (region from the environment,
 * credentials from the job's role), across regions.
 */
public record S3ClientSettings(String endpoint, String region, boolean pathStyle, String accessKey,
                               String secretKey, String sessionToken, String encryption, String encryptionKey) {

    /** s3.amazonaws.com, s3.eu-west-1.amazonaws.com, s3-eu-west-1.amazonaws.com, and China's. */
    private static final Pattern PUBLIC_AWS_ENDPOINT =
            Pattern.compile("s3([.-][a-z0-9-]+)?\\.amazonaws\\.com(\\.cn)?");
    private static final Map<S3ClientSettings, S3Client> CLIENTS = new ConcurrentHashMap<>();

    public static S3ClientSettings of(Configuration conf, String bucket) {
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
        return new S3ClientSettings(endpoint, s3a(conf, bucket, "endpoint.region"),
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

    /** One client per distinct settings, kept for the JVM (its connections are reused by every commit and lease). */
    public S3Client sharedClient() {
        return CLIENTS.computeIfAbsent(this, S3ClientSettings::newClient);
    }

    private S3Client newClient() {
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
    public PutObjectRequest.Builder encrypt(PutObjectRequest.Builder put) {
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
