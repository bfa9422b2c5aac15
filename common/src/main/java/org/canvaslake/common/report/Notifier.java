package org.canvaslake.common.report;

/** Where a finished run report goes besides the lake: the log always, SNS when a topic is configured. */
@FunctionalInterface
public interface Notifier {
    void publish(RunReport report);
}
