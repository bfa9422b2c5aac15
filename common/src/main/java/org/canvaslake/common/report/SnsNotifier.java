package org.canvaslake.common.report;

import java.nio.charset.StandardCharsets;
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
    /**
     * SNS refuses a message over 256 KiB (262,144 bytes, the attributes included): the body stays under this, with
     * room for the attributes.
     */
    static final int MAX_MESSAGE_BYTES = 256 * 1024 - 2048;

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
        String body = message(report);
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

    /**
     * The report as text, then as JSON, for e-mail subscribers and for programs. A report too big for SNS (a canvas
     * run that failed thousands of courses, say) is sent as its text alone, cut where it must be, with a line saying
     * where the whole report is: exactly the reports that matter most would otherwise be refused and never sent.
     */
    static String message(RunReport report) {
        String text = report.toText();
        String whole = text + "\n" + report.toJson().toPrettyString();
        if (utf8Length(whole) <= MAX_MESSAGE_BYTES) {
            return whole;
        }
        String compact = text + "\n" + report.toJson().toString();
        if (utf8Length(compact) <= MAX_MESSAGE_BYTES) {
            return compact;
        }
        String trailer = "\n... cut to fit an SNS message (256 KB): the whole report is in the lake's _meta.runs, run_id "
                + report.runId() + "\n";
        return cut(text, MAX_MESSAGE_BYTES - utf8Length(trailer)) + trailer;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of {@code s} whose UTF-8 encoding fits {@code bytes}, never splitting a character. */
    private static String cut(String s, int bytes) {
        int used = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (used + size > bytes) {
                break;
            }
            used += size;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
