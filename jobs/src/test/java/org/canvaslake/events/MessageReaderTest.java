package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.canvaslake.common.json.Json;
import org.junit.jupiter.api.Test;

class MessageReaderTest {

    static List<MessageReader.Item> read(String text) {
        return MessageReader.read(Json.parse(text), text);
    }

    @Test
    void readsOurEnvelope() {
        List<MessageReader.Item> items = read("{\"message_id\":\"m1\",\"received_at\":\"2026-08-24T10:00:00.250Z\","
                + "\"attributes\":{\"event_name\":\"logged_in\",\"event_time\":\"2026-08-24T09:59:59Z\"},"
                + "\"body\":\"{\\\"metadata\\\":{},\\\"body\\\":{}}\"}");
        assertThat(items).hasSize(1);
        IncomingMessage m = items.get(0).message();
        assertThat(m.messageId()).isEqualTo("m1");
        assertThat(EventTime.toInstant(m.receivedAtMicros())).hasToString("2026-08-24T10:00:00.250Z");
        assertThat(m.attributes()).containsEntry("event_name", "logged_in");
        assertThat(m.bodyText()).isEqualTo("{\"metadata\":{},\"body\":{}}");
    }

    @Test
    void readsAnAwsCliReceiveMessageDump() {
        String dump = """
                {
                    "Messages": [
                        {
                            "MessageId": "a1",
                            "ReceiptHandle": "AQEB...",
                            "MD5OfBody": "x",
                            "Body": "{\\"sensor\\":\\"s\\"}",
                            "Attributes": {"SentTimestamp": "1573495200123"},
                            "MD5OfMessageAttributes": "y",
                            "MessageAttributes": {
                                "event_name": {"StringValue": "grade_change", "DataType": "String"},
                                "event_time": {"StringValue": "2019-11-01T19:11:05.222Z", "DataType": "String"}
                            }
                        },
                        {"MessageId": "a2", "Body": ""}
                    ]
                }""";
        List<MessageReader.Item> items = read(dump);
        assertThat(items).hasSize(2);
        IncomingMessage m = items.get(0).message();
        assertThat(m.messageId()).isEqualTo("a1");
        assertThat(m.attributes()).containsEntry("event_name", "grade_change")
                .containsEntry("event_time", "2019-11-01T19:11:05.222Z");
        assertThat(EventTime.toInstant(m.receivedAtMicros())).hasToString("2019-11-11T18:00:00.123Z");
        assertThat(items.get(1).problem().reason()).isEqualTo(Quarantine.EMPTY_BODY);
    }

    @Test
    void readsALambdaSqsEventAndSingleMessages() {
        List<MessageReader.Item> lambda = read("{\"Records\":[{\"messageId\":\"r1\",\"body\":\"{}\","
                + "\"attributes\":{\"SentTimestamp\":\"1573495200000\"},"
                + "\"messageAttributes\":{\"event_name\":{\"stringValue\":\"logged_in\",\"dataType\":\"String\"}},"
                + "\"eventSource\":\"aws:sqs\"}]}");
        assertThat(lambda.get(0).message().attributes()).containsEntry("event_name", "logged_in");
        assertThat(lambda.get(0).message().messageId()).isEqualTo("r1");

        List<MessageReader.Item> single = read("{\"MessageId\":\"s1\",\"Body\":\"{}\"}");
        assertThat(single.get(0).message().messageId()).isEqualTo("s1");
    }

    @Test
    void aBareEventIsItsOwnBodyAndAnArrayHoldsSeveral() {
        String bare = "{\"metadata\":{\"event_name\":\"x\"},\"body\":{}}";
        List<MessageReader.Item> one = read(bare);
        assertThat(one.get(0).message().bodyText()).isEqualTo(bare);
        assertThat(one.get(0).message().body()).isNotNull();
        assertThat(one.get(0).message().messageId()).isNull();

        assertThat(read("[" + bare + "," + bare + ", 3]")).hasSize(3)
                .satisfies(items -> assertThat(items.get(2).problem().reason()).isEqualTo(Quarantine.UNKNOWN_SHAPE));
    }
}
