package org.canvaslake.common.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.PublishRequest;
import software.amazon.awssdk.services.sns.model.PublishResponse;

/** What reaches SNS: the report as text and JSON, and never a message SNS would refuse for its size. */
class SnsNotifierTest {

    /** SNS's own limit for a message with its attributes. */
    private static final int SNS_LIMIT = 256 * 1024;

    @Test
    void aReportIsSentAsTextAndJsonWithItsJobAndStatusAsAttributes() {
        RunReport report = new RunReport("canvas", "run-small", Instant.parse("2026-12-07T10:00:00Z"));
        report.count("canvas.users", "inserted", 3).note("a note");
        PublishRequest sent = publish(report.finish());
        assertThat(sent.message()).contains(report.toText()).contains("\"run_id\" : \"run-small\"");
        assertThat(sent.subject()).isEqualTo("Canvas Lake canvas succeeded (run-small)");
        assertThat(sent.messageAttributes().get("status").stringValue()).isEqualTo("succeeded");
        assertThat(sent.messageAttributes().get("job").stringValue()).isEqualTo("canvas");
    }

    /**
     * A canvas run that failed thousands of courses makes a report of megabytes: SNS would refuse it, exactly when it
     * matters. It is sent cut to fit, saying where the whole report is.
     */
    @Test
    void aReportTooBigForSnsIsSentCutToFitAndSaysWhereTheWholeIs() {
        RunReport report = new RunReport("canvas", "run-big", Instant.parse("2026-12-07T10:00:00Z"));
        String why = "403 Forbidden: user not authorized to perform that action (the token's scopes) ".repeat(5)
                + "é€😀";
        for (int i = 0; i < 3000; i++) {
            report.fail("canvas.enrollments course " + i, why);
        }
        report.finish();
        assertThat(report.toText().getBytes(StandardCharsets.UTF_8).length).as("the report").isGreaterThan(SNS_LIMIT);

        PublishRequest sent = publish(report);
        int bytes = sent.message().getBytes(StandardCharsets.UTF_8).length;
        assertThat(bytes).isLessThanOrEqualTo(SnsNotifier.MAX_MESSAGE_BYTES).isGreaterThan(SNS_LIMIT * 9 / 10);
        assertThat(sent.message()).startsWith(report.toText().substring(0, 1000))
                .endsWith("the whole report is in the lake's _meta.runs, run_id run-big\n");
        assertThat(sent.subject()).isEqualTo("Canvas Lake canvas failed (run-big)");
    }

    private static PublishRequest publish(RunReport report) {
        List<PublishRequest> sent = new ArrayList<>();
        SnsClient sns = new SnsClient() {
            @Override
            public PublishResponse publish(PublishRequest request) {
                sent.add(request);
                return PublishResponse.builder().messageId("m-1").build();
            }

            @Override
            public String serviceName() {
                return "sns";
            }

            @Override
            public void close() {
            }
        };
        new SnsNotifier(sns, "arn:aws:sns:us-east-1:123456789012:canvaslake-runs").publish(report);
        assertThat(sent).as("messages published").hasSize(1);
        return sent.get(0);
    }
}
