package org.canvaslake.lander;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

/**
 * Run by {@link LambdaJarIT} in a child JVM whose class path is the Lambda jar (plus this class): does what the
 * Lambda runtime does, i.e. instantiate the handler with its no-argument constructor (configured from the
 * environment) and invoke it with an SQS event. Prints the failures and exits 0 when there were none.
 */
public final class LambdaJarDriver {

    private LambdaJarDriver() {
    }

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]);
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId("jar-" + i);
            m.setBody("{\"metadata\":{\"event_name\":\"logged_in\"},\"body\":{\"n\":" + i + "}}");
            m.setAttributes(Map.of("ApproximateFirstReceiveTimestamp", "1709622754567"));
            SQSEvent.MessageAttribute name = new SQSEvent.MessageAttribute();
            name.setDataType("String");
            name.setStringValue("logged_in");
            m.setMessageAttributes(Map.of("event_name", name));
            records.add(m);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        SQSBatchResponse response = new SqsLambdaHandler().handleRequest(event, null);
        System.out.println("batchItemFailures=" + response.getBatchItemFailures().size());
        System.exit(response.getBatchItemFailures().isEmpty() ? 0 : 1);
    }
}
