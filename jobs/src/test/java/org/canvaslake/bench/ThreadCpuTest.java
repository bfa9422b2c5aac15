package org.canvaslake.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ThreadCpuTest {

    @Test
    void threadsAreGroupedByTheirLinuxNames() {
        // Linux keeps the first 15 characters of a thread's name
        assertThat(ThreadCpu.group("Executor task l")).isEqualTo(ThreadCpu.TASKS);
        assertThat(ThreadCpu.group("C2 CompilerThre")).isEqualTo(ThreadCpu.JIT);
        assertThat(ThreadCpu.group("C1 CompilerThre")).isEqualTo(ThreadCpu.JIT);
        assertThat(ThreadCpu.group("GC Thread#1")).isEqualTo(ThreadCpu.GC);
        assertThat(ThreadCpu.group("G1 Conc#0")).isEqualTo(ThreadCpu.GC);
        assertThat(ThreadCpu.group("main")).isEqualTo(ThreadCpu.REST);
        assertThat(ThreadCpu.group("events-writer")).isEqualTo(ThreadCpu.REST);
    }

    @Test
    void cpuOfATaskThreadIsCountedAsSparkTasksAndTheRestAsTheProcessLessTheGroups() throws Exception {
        assumeTrue(ThreadCpu.available(), "no /proc/self/task: not Linux");
        ThreadCpu.Snapshot before = ThreadCpu.snapshot();
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        long[] sink = new long[1];
        // named as Spark names its task threads; burns 300 ms of its own CPU time (however long that takes on a busy
        // machine), then waits alive: a thread that has ended leaves /proc/self/task
        Thread worker = new Thread(() -> {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long x = 0;
            while (threads.getCurrentThreadCpuTime() < 300_000_000L) {
                x += Long.numberOfTrailingZeros(x + System.nanoTime());
            }
            sink[0] = x;
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "Executor task launch worker for task 0.0 in stage 0.0 (TID 0)");
        worker.start();
        busy.await();
        ThreadCpu.Snapshot during = ThreadCpu.snapshot();
        release.countDown();
        worker.join();

        Map<String, Double> cpu = ThreadCpu.between(before, during);

        assertThat(cpu).containsOnlyKeys(ThreadCpu.GROUPS);
        assertThat(cpu.keySet()).containsExactlyElementsOf(ThreadCpu.GROUPS);
        assertThat(cpu.get(ThreadCpu.TASKS)).isBetween(0.28, 2.0);
        assertThat(cpu.values()).allSatisfy(v -> assertThat(v).isNotNegative());
        double total = (during.processCpuNanos() - before.processCpuNanos()) / 1e9;
        assertThat(cpu.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(total,
                org.assertj.core.data.Offset.offset(0.05));
        assertThat(ThreadCpu.describe(cpu)).matches("\\d+ s of CPU: Spark tasks 0\\.\\d s \\(\\d+%\\), JIT compilers .*");
        assertThat(ThreadCpu.describe(Map.of())).startsWith("(not measured");
    }
}
