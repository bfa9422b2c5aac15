package org.canvaslake.lander;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

/**
 * The Lambda function behind the SQS trigger of the live-events queue: lands each delivered batch as one raw
 * object and reports, through a partial batch response, every message it could not land.
 *
 * <p>Configure the event source mapping with {@code FunctionResponseTypes: ["ReportBatchItemFailures"]}; without it
 * Lambda ignores {@code batchItemFailures} and deletes the whole batch whenever the function returns normally.
 * A failed write reports every message of the batch, so nothing is acknowledged that is not in the lake; SQS
 * delivers those messages again, and since their object key depends only on the batch (message ids and first
 * receive time) an identical retry overwrites instead of duplicating.
 */
public final class SqsLambdaHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    /** The environment variable with the lake root, {@code s3://bucket/prefix}. */
    public static final String LAKE_ENV = "CANVASLAKE_LAKE";

    private static final Logger LOG = LoggerFactory.getLogger(SqsLambdaHandler.class);

    private final BatchLander lander;
    private final Clock clock;

    /** What Lambda instantiates, once per container: the lake from {@value #LAKE_ENV}, one S3 client reused. */
    public SqsLambdaHandler() {
        this(storeFromEnvironment(System.getenv()));
    }

    public SqsLambdaHandler(ObjectStore store) {
        this(store, Clock.systemUTC());
    }

    SqsLambdaHandler(ObjectStore store, Clock clock) {
        this.lander = new BatchLander(Objects.requireNonNull(store, "store"));
        this.clock = clock;
    }

    static ObjectStore storeFromEnvironment(Map<String, String> env) {
        String lake = env.get(LAKE_ENV);
        if (lake == null || lake.isBlank()) {
            throw new IllegalStateException("Set the Lambda environment variable " + LAKE_ENV
                    + " to the lake root, e.g. s3://my-bucket/lake");
        }
        if (!S3ObjectStore.isS3(lake)) {
            // a local path in Lambda is the container's /tmp: acknowledged messages would vanish with it
            throw new IllegalStateException(LAKE_ENV + " must be an s3:// URI in Lambda, got '" + lake + "'");
        }
        return S3ObjectStore.at(lake, AwsSettings.defaults().s3(null));
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSEvent.SQSMessage> records = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        if (records.isEmpty()) {
            return new SQSBatchResponse(failures);
        }
        Instant now = clock.instant();
        List<LiveEventMessage> batch = new ArrayList<>(records.size());
        for (SQSEvent.SQSMessage record : records) {
            try {
                batch.add(QueueMessages.fromLambda(record, now));
            } catch (RuntimeException e) {
                // SQS never sends a message without id or body; should it, that one message is retried, not the batch
                LOG.error("Cannot read SQS message {}: {}; reported as failed", record.getMessageId(), e.getMessage());
                failures.add(new SQSBatchResponse.BatchItemFailure(record.getMessageId()));
            }
        }
        if (batch.isEmpty()) {
            return new SQSBatchResponse(failures);
        }
        long start = System.nanoTime();
        String key = RawEnvelope.key(batch);
        try {
            lander.land(batch);
            LOG.info("Landed {} messages as {}/{} in {} ms", batch.size(), lander.store().describe(), key,
                    (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            LOG.error("Could not land {} messages as {}/{} after {} ms; all reported as failed for SQS to deliver"
                            + " again. Cause: {}", batch.size(), lander.store().describe(), key,
                    (System.nanoTime() - start) / 1_000_000, e.getMessage(), e);
            batch.forEach(m -> failures.add(new SQSBatchResponse.BatchItemFailure(m.messageId())));
        }
        return new SQSBatchResponse(failures);
    }
}
