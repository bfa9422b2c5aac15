package org.canvaslake.lander;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;

import software.amazon.awssdk.services.s3.S3Client;

/** The Lambda handler writing to a real S3-compatible server (S3Proxy) through the SDK. */
@ExtendWith(LocalAws.class)
class SqsLambdaHandlerTest {

    private static final Instant FIRST_RECEIVE = Instant.parse("2024-03-05T07:12:34.567Z");
    private static final String LAYOUT =
            "lake/prod/raw/live_events/dt=2024-03-05/hour=07/[0-9a-f]{32}\\.jsonl\\.gz";

    private final S3Client s3 = LocalAws.s3();


    @Test
    void landsABatchAsOneGzipObjectWithAttributesAndVerbatimBodies() {
        assertLandsAsOneObject(TestEvents.synthetic(10));
    }

    @Test
    void thePublishedCanvasAndCaliperEventsLandVerbatim() {
        // Lambda batches can hold far more than SQS's 10 per receive
        assertLandsAsOneObject(TestEvents.published());
    }

    private void assertLandsAsOneObject(List<TestEvents.Event> events) {
        String bucket = LocalAws.newBucket(s3);
        SQSEvent event = sqsEvent(events, FIRST_RECEIVE);

        SQSBatchResponse response = handler(bucket).handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        List<String> keys = Landed.keys(s3, bucket);
        assertThat(keys).singleElement().asString().matches(LAYOUT);
        List<JsonNode> lines = Landed.lines(s3, bucket, keys.get(0));
        assertThat(lines).hasSize(events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode line = lines.get(i);
            assertThat(line.get("message_id").asText()).isEqualTo("msg-" + i);
            assertThat(line.get("received_at").asText()).isEqualTo(FIRST_RECEIVE.toString());
            assertThat(line.get("body").asText()).isEqualTo(events.get(i).body());
            JsonNode attributes = line.get("attributes");
            assertThat(attributes.get("event_name").asText()).isEqualTo(events.get(i).eventName());
            assertThat(attributes.get("event_time").asText()).isEqualTo("2024-03-05T07:12:30.001Z");
            assertThat(attributes.get("sequence").asText()).isEqualTo(Integer.toString(i));
            assertThat(Base64.getDecoder().decode(attributes.get("trace").asText()))
                    .isEqualTo(("trace-" + i).getBytes(StandardCharsets.UTF_8));
            assertThat(attributes.size()).isEqualTo(4);
        }
    }

    @Test
    void aRetriedIdenticalBatchOverwritesItsObject() {
        String bucket = LocalAws.newBucket(s3);
        List<TestEvents.Event> events = TestEvents.synthetic(6).subList(0, 3);
        SqsLambdaHandler handler = handler(bucket);

        handler.handleRequest(sqsEvent(events, FIRST_RECEIVE), null);
        List<String> afterFirst = Landed.keys(s3, bucket);
        // Lambda delivers the same batch again (e.g. after a timeout): same ids, same first-receive time
        SQSBatchResponse retry = handler.handleRequest(sqsEvent(events, FIRST_RECEIVE), null);

        assertThat(retry.getBatchItemFailures()).isEmpty();
        assertThat(Landed.keys(s3, bucket)).hasSize(1).isEqualTo(afterFirst);
        assertThat(Landed.allLines(s3, bucket)).hasSize(3);
    }

    @Test
    void aDifferentBatchGetsItsOwnObject() {
        String bucket = LocalAws.newBucket(s3);
        List<TestEvents.Event> events = TestEvents.synthetic(6);
        SqsLambdaHandler handler = handler(bucket);

        handler.handleRequest(sqsEvent(events.subList(0, 3), FIRST_RECEIVE), null);
        SQSEvent second = sqsEvent(events.subList(0, 4), FIRST_RECEIVE);

        handler.handleRequest(second, null);

        assertThat(Landed.keys(s3, bucket)).hasSize(2).allMatch(k -> k.matches(LAYOUT));
    }

    @Test
    void aFailedWriteReportsEveryMessageOfTheBatch() {
        // a bucket that does not exist: S3 refuses the write, as it would with a missing permission
        SqsLambdaHandler handler = new SqsLambdaHandler(S3ObjectStore.at("s3://no-such-bucket/lake", s3));
        SQSEvent event = sqsEvent(TestEvents.synthetic(6).subList(0, 5), FIRST_RECEIVE);

        SQSBatchResponse response = handler.handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("msg-0", "msg-1", "msg-2", "msg-3", "msg-4");
    }

    @Test
    void withoutAFirstReceiveTimestampTheBatchIsFiledUnderNow() {
        String bucket = LocalAws.newBucket(s3);
        SQSEvent event = sqsEvent(TestEvents.synthetic(6).subList(0, 2), null);
        Clock clock = Clock.fixed(Instant.parse("2023-12-31T23:59:59Z"), ZoneOffset.UTC);

        new SqsLambdaHandler(S3ObjectStore.at("s3://" + bucket + "/lake", s3), clock).handleRequest(event, null);

        assertThat(Landed.keys(s3, bucket)).singleElement().asString()
                .startsWith("lake/raw/live_events/dt=2023-12-31/hour=23/");
        assertThat(Landed.allLines(s3, bucket)).extracting(l -> l.get("received_at").asText())
                .containsOnly("2023-12-31T23:59:59Z");
    }

    @Test
    void anEmptyEventLandsNothing() {
        String bucket = LocalAws.newBucket(s3);

        SQSEvent empty = new SQSEvent();
        empty.setRecords(List.of());

        assertThat(handler(bucket).handleRequest(empty, null).getBatchItemFailures()).isEmpty();
        assertThat(Landed.keys(s3, bucket)).isEmpty();
    }

    @Test
    void theLakeMustBeAnS3UriFromTheEnvironment() {
        assertThatThrownBy(() -> SqsLambdaHandler.storeFromEnvironment(Map.of()))
                .hasMessageContaining("CANVASLAKE_LAKE").hasMessageContaining("s3://");
        assertThatThrownBy(() -> SqsLambdaHandler.storeFromEnvironment(Map.of("CANVASLAKE_LAKE", "/tmp/lake")))
                .hasMessageContaining("must be an s3:// URI");
    }

    private SqsLambdaHandler handler(String bucket) {
        return new SqsLambdaHandler(S3ObjectStore.at("s3://" + bucket + "/lake/prod/", s3));
    }

    /** An SQS event as Lambda builds it: string, number and binary message attributes, system attributes. */
    private static SQSEvent sqsEvent(List<TestEvents.Event> events, Instant firstReceive) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId("msg-" + i);
            m.setReceiptHandle("handle-" + i);
            m.setBody(events.get(i).body());
            m.setEventSource("aws:sqs");
            Map<String, String> system = new LinkedHashMap<>();
            system.put("ApproximateReceiveCount", "1");
            system.put("SentTimestamp", Long.toString(Instant.parse("2024-03-05T07:12:30Z").toEpochMilli()));
            if (firstReceive != null) {
                system.put("ApproximateFirstReceiveTimestamp", Long.toString(firstReceive.toEpochMilli()));
            }
            m.setAttributes(system);
            Map<String, SQSEvent.MessageAttribute> attributes = new LinkedHashMap<>();
            attributes.put("event_name", stringAttribute("String", events.get(i).eventName()));
            attributes.put("event_time", stringAttribute("String", "2024-03-05T07:12:30.001Z"));
            attributes.put("sequence", stringAttribute("Number", Integer.toString(i)));
            SQSEvent.MessageAttribute trace = new SQSEvent.MessageAttribute();
            trace.setDataType("Binary");
            trace.setBinaryValue(ByteBuffer.wrap(("trace-" + i).getBytes(StandardCharsets.UTF_8)));
            attributes.put("trace", trace);
            m.setMessageAttributes(attributes);
            records.add(m);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    private static SQSEvent.MessageAttribute stringAttribute(String type, String value) {
        SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
        a.setDataType(type);
        a.setStringValue(value);
        return a;
    }
}
