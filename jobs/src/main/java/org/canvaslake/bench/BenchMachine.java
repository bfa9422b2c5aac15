package org.canvaslake.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The machine a benchmark ran on, as far as it bears on the numbers: cores, load average (other work competing for
 * them), this JVM's CPU time and heap.
 */
final class BenchMachine {

    private BenchMachine() {
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The one-minute load average, or NaN where the system does not tell. */
    static double loadAverage() {
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? Double.NaN : l;
    }

    /** CPU time this JVM has used so far (all threads), 0 where the JVM does not tell. */
    static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    static double maxHeapGb() {
        return Runtime.getRuntime().maxMemory() / 1e9;
    }

    /** "2 cores (Intel Xeon ...), load average 0.4, JVM max heap 6.0 GB, Java 17.0.12, Linux amd64". */
    static String describe() {
        return String.format(Locale.ROOT, "%d cores%s, load average %.1f, JVM max heap %.1f GB, Java %s, %s %s",
                cores(), cpuModel().map(m -> " (" + m + ")").orElse(""), loadAverage(), maxHeapGb(),
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** As {@link #describe()} without the load average (given separately where it is measured twice). */
    static String describeWithoutLoad() {
        return String.format(Locale.ROOT, "%d cores%s, JVM max heap %.1f GB, Java %s, %s %s", cores(),
                cpuModel().map(m -> " (" + m + ")").orElse(""), maxHeapGb(), System.getProperty("java.version"),
                System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** The processor's model name where Linux tells it. */
    static Optional<String> cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim().replaceAll("\\s+", " "));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
