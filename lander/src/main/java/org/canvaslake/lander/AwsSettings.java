package org.canvaslake.lander;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.canvaslake.common.cli.UsageException;

import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Where the AWS clients of the lander connect: an optional endpoint override (an S3/SQS-compatible server such as
 * LocalStack, ElasticMQ, MinIO or S3Proxy) and an optional region. Credentials always come from the SDK's default
 * chain (environment, profile, container or instance role), never from options.
 */
public record AwsSettings(Optional<URI> endpoint, Optional<String> region) {

    // https://sqs.<region>.amazonaws.com/<account>/<queue>
    private static final Pattern SQS_HOST = Pattern.compile("sqs\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
    private static final String FALLBACK_REGION = "us-east-1";

    public AwsSettings {
        endpoint = endpoint == null ? Optional.empty() : endpoint;
        region = region == null ? Optional.empty() : region.filter(r -> !r.isBlank());
    }

    /** The SDK's own defaults: real AWS endpoints, region from the environment (as in Lambda). */
    public static AwsSettings defaults() {
        return new AwsSettings(Optional.empty(), Optional.empty());
    }

    public static AwsSettings of(String endpointUrl, String region) {
        Optional<URI> endpoint = Optional.ofNullable(endpointUrl).filter(s -> !s.isBlank()).map(s -> {
            URI uri = URI.create(s.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new UsageException("An endpoint URL must look like http://localhost:4566, got '" + s + "'");
            }
            return uri;
        });
        return new AwsSettings(endpoint, Optional.ofNullable(region));
    }

    /** The S3 client: path-style addressing against an endpoint override (what S3-compatible servers expect). */
    public S3Client s3(String regionHint) {
        var builder = S3Client.builder();
        configure(builder, regionHint);
        if (endpoint.isPresent()) {
            builder.forcePathStyle(true);
        } else {
            // the lake bucket may live in another region than the queue or the default region
            builder.crossRegionAccessEnabled(true);
        }
        return builder.build();
    }

    public SqsClient sqs(String queueUrl) {
        var builder = SqsClient.builder();
        configure(builder, regionOfQueue(queueUrl).orElse(null));
        return builder.build();
    }

    private <B extends AwsClientBuilder<B, ?>> void configure(B builder, String regionHint) {
        endpoint.ifPresent(builder::endpointOverride);
        builder.region(Region.of(resolveRegion(regionHint)));
    }

    /**
     * --region first, then the region named by the queue URL, then the SDK's default chain (AWS_REGION, profile,
     * instance metadata); an endpoint override without any region gets us-east-1, which emulators ignore.
     */
    String resolveRegion(String regionHint) {
        if (region.isPresent()) {
            return region.get();
        }
        if (regionHint != null) {
            return regionHint;
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (SdkClientException e) {
            if (endpoint.isPresent()) {
                return FALLBACK_REGION;
            }
            throw new UsageException("No AWS region: give --region (e.g. --region us-east-1) or set AWS_REGION.");
        }
    }

    /** The region in a standard SQS queue URL, e.g. {@code https://sqs.eu-west-1.amazonaws.com/123/q}. */
    static Optional<String> regionOfQueue(String queueUrl) {
        if (queueUrl == null) {
            return Optional.empty();
        }
        String host;
        try {
            host = URI.create(queueUrl.trim()).getHost();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (host == null) {
            return Optional.empty();
        }
        Matcher m = SQS_HOST.matcher(host.toLowerCase(Locale.ROOT));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
