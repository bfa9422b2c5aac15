package org.canvaslake.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake sandbox events}: generates live events of the sandbox institution and lands them exactly as the
 * lander does (same envelope, same gzip objects under {@code raw/live_events/dt=/hour=/}, batches of 10 as SQS
 * delivers them), so the events job reads them as it would read production data.
 */
public final class SandboxEventsCommand implements Command {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxEventsCommand.class);

    /** What was landed. */
    public record Landed(long messages, long objects, Path lakeRoot) {
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec("events",
                "Generate live events (Canvas and Caliper; duplicates, late and malformed ones included) and land "
                        + "them as raw objects under <out>/raw/live_events",
                "sandbox events --count N --out DIR [--seed S]")
                .option(OptionSpec.value("count", "20000", "How many messages to land (redeliveries and malformed "
                        + "ones included)"))
                .option(OptionSpec.value("out", "./lake", "Lake directory the raw objects are written into"))
                .option(OptionSpec.value("seed", "42", "Seed of the institution and the events (same seed, same output)"))
                .option(OptionSpec.value("batch-size", "10", "Messages per raw object (SQS delivers at most 10)"))
                .option(OptionSpec.value("caliper-share", "0.3", "Share of events sent in Caliper format"))
                .option(OptionSpec.value("duplicate-share", "0.03", "Share of events delivered twice"))
                .option(OptionSpec.value("late-share", "0.01", "Share of events received hours to days late"))
                .option(OptionSpec.value("malformed-share", "0.005", "Share of malformed messages"))
                .option(OptionSpec.value("days", "0", "Days the events span (0: one per 5,000 messages, at most 30)"));
    }

    @Override
    public int run(Options options) throws Exception {
        long count = options.getLong("count");
        if (count < 0) {
            throw new UsageException("--count must be 0 or more, got " + count);
        }
        int batch = options.getInt("batch-size");
        if (batch < 1) {
            throw new UsageException("--batch-size must be at least 1, got " + batch);
        }
        Path out = Path.of(options.get("out").orElse("./lake")).toAbsolutePath().normalize();
        LiveEventGenerator generator = generator(options.getLong("seed"))
                .caliperShare(share(options, "caliper-share"))
                .duplicateShare(share(options, "duplicate-share"))
                .lateShare(share(options, "late-share"))
                .malformedShare(share(options, "malformed-share"))
                .days(options.getInt("days"));
        Landed landed = land(generator, count, out, batch);
        System.out.printf("Landed %,d messages in %,d objects under %s%n", landed.messages(), landed.objects(),
                out.resolve("raw/live_events"));
        return 0;
    }

    /** The generator for the sandbox institution of a seed (the one the fake APIs serve). */
    public static LiveEventGenerator generator(long seed) {
        return new LiveEventGenerator(Institution.generate(seed, Institution.Size.DEMO), seed);
    }

    /**
     * Lands {@code count} generated messages under {@code lakeRoot} through the lander's {@link BatchLander}, in
     * receive order, {@code batchSize} to an object; gzip and writes run on all cores.
     */
    public static Landed land(LiveEventGenerator generator, long count, Path lakeRoot, int batchSize)
            throws IOException, InterruptedException {
        Files.createDirectories(lakeRoot);
        BatchLander lander = new BatchLander(new LocalObjectStore(lakeRoot));
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong objects = new AtomicLong();
        long messages = 0;
        long started = System.nanoTime();
        List<Future<?>> pending = new ArrayList<>();
        try {
            Iterator<LiveEventGenerator.Message> it = generator.messages(count);
            List<LiveEventMessage> current = new ArrayList<>(batchSize);
            while (it.hasNext()) {
                LiveEventGenerator.Message m = it.next();
                current.add(new LiveEventMessage(m.messageId(), m.receivedAt(), m.attributes(), m.body()));
                messages++;
                if (current.size() == batchSize || !it.hasNext()) {
                    List<LiveEventMessage> batch = current;
                    current = new ArrayList<>(batchSize);
                    pending.add(pool.submit(() -> {
                        lander.land(batch);
                        objects.incrementAndGet();
                        return null;
                    }));
                    if (pending.size() >= threads * 64) {
                        drain(pending);
                    }
                }
                if (messages % 200_000 == 0) {
                    LOG.info("sandbox events: {} of {} messages landed ({} ms)", messages, count,
                            (System.nanoTime() - started) / 1_000_000);
                }
            }
            drain(pending);
        } finally {
            pool.shutdownNow();
        }
        LOG.info("sandbox events: {} messages in {} objects under {} ({} ms)", messages, objects.get(), lakeRoot,
                (System.nanoTime() - started) / 1_000_000);
        return new Landed(messages, objects.get(), lakeRoot);
    }

    private static void drain(List<Future<?>> pending) throws IOException, InterruptedException {
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("Could not land a batch of generated events: " + e.getCause().getMessage(),
                        e.getCause());
            }
        }
        pending.clear();
    }

    private static double share(Options options, String name) {
        String v = options.get(name).orElse("0");
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || d > 1) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number between 0 and 1, got '" + v + "'");
        }
    }
}
