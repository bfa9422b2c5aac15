package org.canvaslake.common.job;

import org.apache.spark.SparkException;
import org.canvaslake.common.text.Redaction;

/**
 * What a run report says about an exception: one account, without stack traces (they go to the log). A Spark job
 * that fails because one of its tasks did throws a {@link SparkException} whose message is Spark's summary ("Job
 * aborted due to stage failure: Task 0 in stage 1544.0 failed 1 times, most recent failure: Lost task ...") followed
 * by the task's whole stack trace; what went wrong is the task's exception, its cause. So for that the report says
 * "IOException in a Spark task: the GET of s3://... failed", as a data engineer would write it down.
 */
public final class Failures {

    private Failures() {
    }

    /** {@code <class>: <message>}, or for a failed Spark task {@code <class> in a Spark task: <message>}; redacted. */
    public static String describe(Throwable e) {
        Throwable task = taskFailure(e);
        String what = task == e ? e.getClass().getSimpleName()
                : task.getClass().getSimpleName() + " in a Spark task";
        return what + ": " + Redaction.redact(withoutStackTrace(task.getMessage()));
    }

    /**
     * The exception a Spark task threw, when {@code e} is Spark's report of it (a {@link SparkException} with a cause
     * that is not Spark's own report again); else {@code e}.
     */
    static Throwable taskFailure(Throwable e) {
        Throwable at = e;
        while (at instanceof SparkException && at.getCause() != null && at.getCause() != at) {
            at = at.getCause();
        }
        return at;
    }

    /** The message without the stack trace Spark appends to it ({@code \n\tat ...}, {@code Driver stacktrace:}). */
    static String withoutStackTrace(String message) {
        if (message == null) {
            return "(no message)";
        }
        int cut = message.length();
        for (String trace : new String[] {"\n\tat ", "\nDriver stacktrace:"}) {
            int at = message.indexOf(trace);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return message.substring(0, cut).strip();
    }
}
