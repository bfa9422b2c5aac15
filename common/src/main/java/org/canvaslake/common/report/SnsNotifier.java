package org.canvaslake.common.report;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/** Publishes the run report to an SNS topic: text for e-mail subscribers, attributes for filter policies. */
public final class SnsNotifier implements Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(SnsNotifier.class);
    // SNS subjects are limited to 100 characters
    private static final int MAX_SUBJECT = 100;

    private final SnsClient sns;
    private final String topicArn;

    public SnsNotifier(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
    }

    @Override
    public void publish(RunReport report) {
        String subject = ("Canvas Lake " + report.job() + " " + report.status() + " (" + report.runId() + ")");
        if (subject.length() > MAX_SUBJECT) {
            subject = subject.substring(0, MAX_SUBJECT);
        }
        String body = report.toText() + "\n" + report.toJson().toPrettyString();
        String finalSubject = subject;
        try {
            sns.publish(r -> r.topicArn(topicArn).subject(finalSubject).message(body).messageAttributes(Map.of(
                    "job", MessageAttributeValue.builder().dataType("String").stringValue(report.job()).build(),
                    "status", MessageAttributeValue.builder().dataType("String").stringValue(report.status()).build())));
        } catch (RuntimeException e) {
            // a notification that cannot be sent must not turn a good run into a failed one; the lake has the report
            LOG.warn("Could not publish the run report to SNS topic {}: {}", topicArn, e.getMessage());
        }
    }
}
