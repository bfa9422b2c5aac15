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

    /** How deep Spark's wrappings are followed (a chain of causes can, pathologically, loop). */
    private static final int MAX_DEPTH = 10;

    private Failures() {
    }

    /**
     * {@code <class>: <message>}; for a failed Spark task {@code <class> in a Spark task: <message>}, and for another
     * error Spark wrapped (a driver thread's, as in "Exception thrown in awaitResult") {@code <class> in Spark:
     * <message>}. Redacted.
     */
    public static String describe(Throwable e) {
        Throwable cause = underSpark(e);
        String what = cause.getClass().getSimpleName();
        if (cause != e) {
            what += wasTask(e) ? " in a Spark task" : " in Spark";
        }
        return what + ": " + Redaction.redact(withoutStackTrace(cause.getMessage()));
    }

    /** Whether Spark's wrapping says a task failed (a stage failure, or a task's write). */
    private static boolean wasTask(Throwable e) {
        int depth = 0;
        for (Throwable at = e; at instanceof SparkException && depth++ < MAX_DEPTH; at = at.getCause()) {
            String message = String.valueOf(at.getMessage());
            if (message.contains("Lost task") || message.contains("TASK_WRITE_FAILED")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error under Spark's report of it, when {@code e} is one (a {@link SparkException} with a cause, unwrapped
     * until the cause is not Spark's own report again); else {@code e}.
     */
    static Throwable underSpark(Throwable e) {
        Throwable at = e;
        int depth = 0;
        while (at instanceof SparkException && at.getCause() != null && depth++ < MAX_DEPTH) {
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
