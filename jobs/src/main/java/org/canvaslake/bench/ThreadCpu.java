package org.canvaslake.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where this JVM's CPU time went, by kind of thread: Spark's task threads, the JIT compilers, the garbage collector,
 * and the rest (the driver's threads, Spark's services). Read from Linux's per-thread counters
 * ({@code /proc/self/task/<tid>/stat}, named by {@code comm}), which also show the JVM's own compiler and collector
 * threads that {@code ThreadMXBean} does not. A thread that ends between two snapshots takes its time with it: the
 * difference of the process's total then lands in {@link #REST}.
 */
final class ThreadCpu {

    static final String TASKS = "Spark tasks";
    static final String JIT = "JIT compilers";
    static final String GC = "garbage collector";
    static final String REST = "the rest (driver, Spark's services)";
    static final List<String> GROUPS = List.of(TASKS, JIT, GC, REST);

    private static final Path TASK_DIR = Path.of("/proc/self/task");
    /** Linux's clock ticks per second for these counters: 100 on every Linux the JVM supports. */
    private static final double TICKS_PER_SECOND = 100.0;

    /** CPU seconds per thread id, with each thread's group, at one moment. */
    record Snapshot(Map<String, Double> seconds, Map<String, String> groups, long processCpuNanos) {
    }

    private ThreadCpu() {
    }

    /** Whether per-thread counters can be read here (Linux). */
    static boolean available() {
        return Files.isDirectory(TASK_DIR);
    }

    /** The group of a thread by its (Linux, at most 15 characters) name. */
    static String group(String threadName) {
        if (threadName.startsWith("Executor task")) {
            return TASKS;
        }
        if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
            return JIT;
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
            return GC;
        }
        return REST;
    }

    static Snapshot snapshot() {
        Map<String, Double> seconds = new HashMap<>();
        Map<String, String> groups = new HashMap<>();
        long process = BenchMachine.processCpuNanos();
        if (!available()) {
            return new Snapshot(seconds, groups, process);
        }
        try (Stream<Path> tasks = Files.list(TASK_DIR)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    String stat = Files.readString(task.resolve("stat"));
                    // fields after the name, which is in parentheses and may hold spaces: state is field 3, utime 14
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    seconds.put(task.getFileName().toString(), ticks / TICKS_PER_SECOND);
                    groups.put(task.getFileName().toString(), group(name));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while being read: its time is in the process total
                }
            }
        } catch (IOException e) {
            return new Snapshot(Map.of(), Map.of(), process);
        }
        return new Snapshot(seconds, groups, process);
    }

    /**
     * CPU seconds per group between two snapshots, in {@link #GROUPS} order; empty where the counters cannot be read.
     * {@link #REST} is the process's total less the other groups, so it holds threads that ended in between too.
     */
    static Map<String, Double> between(Snapshot before, Snapshot after) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (after.seconds().isEmpty()) {
            return out;
        }
        GROUPS.forEach(g -> out.put(g, 0.0));
        after.seconds().forEach((tid, s) -> {
            String g = after.groups().get(tid);
            if (!g.equals(REST)) {
                out.merge(g, s - before.seconds().getOrDefault(tid, 0.0), Double::sum);
            }
        });
        double total = (after.processCpuNanos() - before.processCpuNanos()) / 1e9;
        double named = out.get(TASKS) + out.get(JIT) + out.get(GC);
        out.put(REST, Math.max(0, total - named));
        return out;
    }

    /** "154 s of CPU: Spark tasks 93 s (60%), JIT compilers 36 s (23%), ..." or "(not measured)". */
    static String describe(Map<String, Double> cpu) {
        if (cpu.isEmpty()) {
            return "(not measured: no per-thread counters on this system)";
        }
        double total = cpu.values().stream().mapToDouble(Double::doubleValue).sum();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%.0f s of CPU:", total));
        String sep = " ";
        for (Map.Entry<String, Double> e : cpu.entrySet()) {
            s.append(sep).append(String.format(Locale.ROOT, "%s %.1f s (%.0f%%)", e.getKey(), e.getValue(),
                    total > 0 ? 100 * e.getValue() / total : 0));
            sep = ", ";
        }
        return s.toString();
    }
}
