package org.canvaslake.proof;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import org.canvaslake.common.s3.S3Conditional;
import org.canvaslake.proof.FaultyS3AFileSystem.Kind;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The AWS SDK's side of the tests' storage faults. Delta's commits on an S3 lake are conditional PUTs made through
 * the SDK ({@code S3ConditionalLogStore}), not through the file system {@link FaultyS3AFileSystem} wraps; this
 * interceptor gives those PUTs the same armed fault (refused, or landed with its answer lost), and lets a test put
 * another writer's commit in just before one ({@link #beforeConditionalPut}). Registered for every SDK client of the
 * tests' JVMs by {@code software/amazon/awssdk/global/handlers/execution.interceptors}; it touches Delta's conditional
 * PUTs only, so the lander's writes and the tests' own S3 clients pass untouched.
 */
public final class FaultyS3Puts implements ExecutionInterceptor {

    private static final ExecutionAttribute<String> LANDS_THEN_FAILS = new ExecutionAttribute<>("canvaslake.fault");
    private static final AtomicReference<Race> RACE = new AtomicReference<>();

    private record Race(Pattern key, Runnable otherWriter, boolean connectionBreaks) {
    }

    /** Once: just before the next conditional PUT to a path matching {@code regex}, runs {@code otherWriter}. */
    static void beforeConditionalPut(String regex, Runnable otherWriter) {
        RACE.set(new Race(Pattern.compile(regex), otherWriter, false));
    }

    /**
     * As {@link #beforeConditionalPut}, and then that PUT gets no answer: its connection breaks (as when a store
     * refuses before reading the body and closes the connection on the writer).
     */
    static void beforeConditionalPutThatGetsNoAnswer(String regex, Runnable otherWriter) {
        RACE.set(new Race(Pattern.compile(regex), otherWriter, true));
    }

    /** Whether a race set up by {@link #beforeConditionalPut} is still waiting for its PUT. */
    static boolean raceWaiting() {
        return RACE.get() != null;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (!(context.request() instanceof PutObjectRequest put) || put.overrideConfiguration()
                .map(o -> o.headers().get(S3Conditional.IF_NONE_MATCH)).isEmpty()) {
            return;
        }
        String path = "s3://" + put.bucket() + "/" + put.key();
        if (!path.contains("/_delta_log/")) {
            return; // a lease (LakeLease), not a commit
        }
        Race race = RACE.get();
        if (race != null && race.key().matcher(path).find() && RACE.compareAndSet(race, null)) {
            race.otherWriter().run();
            if (race.connectionBreaks()) {
                throw SdkClientException.builder().message("Injected: the connection broke writing " + path)
                        .cause(new IOException("Error writing request body to server")).build();
            }
        }
        Kind kind = FaultyS3AFileSystem.strikesPut(path);
        if (kind == Kind.FAIL) {
            // not retryable by the SDK: no I/O cause, as a 503 would be once the client's retries are spent
            throw SdkClientException.create("Injected fault: the PUT of " + path + " failed (503 Slow Down)");
        }
        if (kind == Kind.LAND_THEN_FAIL) {
            attributes.putAttribute(LANDS_THEN_FAILS, path);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        String path = attributes.getAttribute(LANDS_THEN_FAILS);
        if (path != null) {
            throw SdkClientException.create("Injected fault: the PUT of " + path + " was done, and its answer lost");
        }
    }
}
