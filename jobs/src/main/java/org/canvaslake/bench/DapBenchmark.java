package org.canvaslake.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.canvaslake.dap.DapRecords;
import org.canvaslake.dap.DapSchema;
import org.canvaslake.dap.DapSchema.DapColumn;
import org.canvaslake.dap.DapSchema.Kind;
import org.canvaslake.mirror.JdbcMirror;
import org.canvaslake.mirror.LoadMode;
import org.canvaslake.mirror.MirrorResult;
import org.canvaslake.mirror.MirrorTarget;
import org.canvaslake.mirror.SyncPosition;
import org.postgresql.PGConnection;

/**
 * How fast DAP data is applied: a snapshot of {@code --rows} submissions-like records and an incremental of
 * {@code --incremental} records (80% updates, 10% inserts, 10% deletes), from gzip JSON-lines objects as DAP serves
 * them, into Delta and into PostgreSQL through the mirror; beside PostgreSQL's own {@code COPY} of the same rows into
 * an empty table in the same run. Prints rows/s and the ratios.
 *
 * <pre>
 * mvn -B -DskipTests -pl jobs -am package
 * java -Xmx6g $(sed -n 's:.*&lt;spark.java17.opens&gt;\(.*\)&lt;/spark.java17.opens&gt;.*:\1:p' pom.xml) \
 *   -cp "$(ls jobs/target/canvaslake-jobs-*-app.jar):$(cat jobs/target/platform-classpath.txt)" \
 *   org.canvaslake.bench.DapBenchmark --rows 1000000 --incremental 100000 \
 *   --pg-url 'jdbc:postgresql://127.0.0.1:5432/test?user=postgres'
 * </pre>
 */
public final class DapBenchmark {

    private static final DapSchema SCHEMA = new DapSchema("bench_submissions", 1, List.of(
            new DapColumn("id", true, Kind.LONG), new DapColumn("assignment_id", false, Kind.LONG),
            new DapColumn("user_id", false, Kind.LONG), new DapColumn("course_id", false, Kind.LONG),
            new DapColumn("workflow_state", false, Kind.STRING), new DapColumn("score", false, Kind.DOUBLE),
            new DapColumn("grade", false, Kind.STRING), new DapColumn("attempt", false, Kind.INT),
            new DapColumn("submitted_at", false, Kind.TIMESTAMP), new DapColumn("graded_at", false, Kind.TIMESTAMP),
            new DapColumn("body", false, Kind.STRING), new DapColumn("settings", false, Kind.JSON)));
    private static final int ROWS_PER_OBJECT = 100_000;
    private static final Instant T0 = Instant.parse("2026-09-01T00:00:00Z");

    private DapBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>(Map.of("rows", "1000000", "incremental", "100000",
                "work", "bench-data/dap", "pg-url", ""));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int rows = Integer.parseInt(opts.get("rows"));
        int incremental = Integer.parseInt(opts.get("incremental"));
        Path work = Path.of(opts.get("work")).toAbsolutePath();
        String pgUrl = opts.get("pg-url");

        System.out.printf("DAP apply benchmark: %,d-row snapshot, %,d-record incremental, work dir %s%n", rows,
                incremental, work);
        Files.createDirectories(work);
        List<String> snapshotFiles = new ArrayList<>();
        List<String> incrementalFiles = new ArrayList<>();
        Path copyFile = work.resolve("snapshot.tsv");
        long genStart = System.nanoTime();
        generate(work, rows, incremental, snapshotFiles, incrementalFiles, copyFile);
        System.out.printf("generated the objects in %.1f s%n", (System.nanoTime() - genStart) / 1e9);

        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-dap-bench");
        Map<String, Double> seconds = new LinkedHashMap<>();
        String deltaPath = work.resolve("lake/cd2/bench_submissions").toUri().toString();

        // warm up (JIT, Spark codegen, Delta's first commit) on the incremental objects: not timed
        double warm = time(() -> DeltaTables.overwrite(DapRecords.read(spark, incrementalFiles, SCHEMA).rows(),
                work.resolve("lake/cd2/warmup").toUri().toString(), List.of()));
        System.out.printf("warm-up in %.1f s%n", warm);
        seconds.put("parse only (snapshot, count)", time(() ->
                DapRecords.read(spark, snapshotFiles, SCHEMA).rows().count()));
        seconds.put("Delta snapshot", time(() -> DeltaTables.overwrite(
                DapRecords.read(spark, snapshotFiles, SCHEMA).rows().drop(DapRecords.DELETED), deltaPath, List.of())));
        seconds.put("Delta incremental", time(() -> DeltaTables.merge(spark,
                DapRecords.read(spark, incrementalFiles, SCHEMA).rows(), deltaPath,
                MergeSpec.on("id").deleteWhere(DapRecords.DELETED))));
        long deltaRows = DeltaTables.read(spark, deltaPath).count();

        long pgRows = -1;
        if (!pgUrl.isBlank()) {
            String schema = "cl_bench_" + UUID.randomUUID().toString().substring(0, 8);
            JdbcMirror mirror = JdbcMirror.at(pgUrl, null, null);
            try {
                MirrorTarget replace = MirrorTarget.of(schema, "bench_submissions", List.of("id"));
                seconds.put("PostgreSQL snapshot (mirror)", time(() -> mirror.load(
                        DapRecords.read(spark, snapshotFiles, SCHEMA).rows().drop(DapRecords.DELETED), replace,
                        LoadMode.REPLACE, new SyncPosition("bench", "snapshot", 1, null))));
                MirrorTarget upsert = replace.deleteWhere(DapRecords.DELETED);
                MirrorResult[] inc = new MirrorResult[1];
                seconds.put("PostgreSQL incremental (mirror)", time(() -> inc[0] = mirror.load(
                        DapRecords.read(spark, incrementalFiles, SCHEMA).rows(), upsert, LoadMode.UPSERT,
                        new SyncPosition("bench", "incremental", 1, null))));
                Dataset<Row> cached = DapRecords.read(spark, snapshotFiles, SCHEMA).rows().drop(DapRecords.DELETED)
                        .cache();
                cached.count();
                try (Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
                    s.execute("TRUNCATE \"" + schema + "\".bench_submissions");
                }
                seconds.put("PostgreSQL snapshot (mirror, rows already parsed)", time(() -> mirror.load(cached, replace,
                        LoadMode.REPLACE, new SyncPosition("bench", "snapshot", 1, null))));
                cached.unpersist();
                seconds.put("PostgreSQL COPY of the same rows (baseline)", time(() -> copy(pgUrl, schema, copyFile)));
                try (Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement();
                     var rs = s.executeQuery("SELECT count(*) FROM \"" + schema + "\".bench_copy")) {
                    rs.next();
                    pgRows = rs.getLong(1);
                }
            } finally {
                try (Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
                }
            }
        }

        System.out.println();
        System.out.printf("%-52s %10s %14s %12s%n", "step", "seconds", "rows/s", "JVM cpu s");
        Map<String, Long> counts = new LinkedHashMap<>();
        seconds.forEach((step, s) -> {
            long n = step.contains("incremental") ? incremental : rows;
            counts.put(step, n);
            System.out.printf("%-52s %10.1f %,14.0f %12.1f%n", step, s, n / s, cpu(s));
        });
        System.out.printf("(%d processors; load average %.1f at the end; the JVM cpu column is this process's CPU"
                + " time, PostgreSQL's own work is not in it)%n", Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Optional.ofNullable(seconds.get("PostgreSQL COPY of the same rows (baseline)")).ifPresent(copy -> {
            double copyRate = rows / copy;
            System.out.println();
            for (String step : List.of("Delta snapshot", "Delta incremental", "PostgreSQL snapshot (mirror)",
                    "PostgreSQL incremental (mirror)", "PostgreSQL snapshot (mirror, rows already parsed)")) {
                Double s = seconds.get(step);
                if (s != null) {
                    System.out.printf("%-52s %6.2f x COPY's rows/s%n", step, counts.get(step) / s / copyRate);
                }
            }
        });
        System.out.printf("%nrows after the incremental: Delta %,d; COPY baseline table %,d%n", deltaRows, pgRows);
        spark.stop();
    }

    private interface Step {
        void run() throws Exception;
    }

    private static final Map<Double, Double> CPU = new LinkedHashMap<>();

    /** Wall-clock seconds of a step; the CPU seconds this JVM spent on it are kept beside (see {@link #cpu}). */
    private static double time(Step step) throws Exception {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        step.run();
        double wall = (System.nanoTime() - start) / 1e9;
        CPU.put(wall, (processCpuNanos() - cpu) / 1e9);
        return wall;
    }

    private static double cpu(double wall) {
        return CPU.getOrDefault(wall, Double.NaN);
    }

    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
    }

    private static void copy(String url, String schema, Path file) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"" + schema + "\".bench_copy (LIKE \"" + schema + "\".bench_submissions "
                    + "INCLUDING ALL)");
            try (InputStream in = Files.newInputStream(file)) {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY \"" + schema + "\".bench_copy (id, "
                        + "assignment_id, user_id, course_id, workflow_state, score, grade, attempt, submitted_at, "
                        + "graded_at, body, settings) FROM STDIN", in, 1 << 16);
            }
        }
    }

    /** Writes the snapshot and incremental objects (gzip JSON lines) and the snapshot rows as COPY text. */
    private static void generate(Path work, int rows, int incremental, List<String> snapshotFiles,
                                 List<String> incrementalFiles, Path copyFile) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        try (Writer copy = Files.newBufferedWriter(copyFile, StandardCharsets.UTF_8)) {
            Writer out = null;
            for (int i = 0; i < rows; i++) {
                if (i % ROWS_PER_OBJECT == 0) {
                    if (out != null) {
                        out.close();
                    }
                    Path f = work.resolve("snapshot-" + (i / ROWS_PER_OBJECT) + ".jsonl.gz");
                    snapshotFiles.add(f.toUri().toString());
                    out = gzipWriter(f);
                }
                Rec r = rec(i + 1L, random, 0);
                out.write("{\"meta\":{\"ts\":\"" + T0 + "\"},\"key\":{\"id\":" + r.id + "},\"value\":" + r.json() + "}\n");
                copy.write(r.copyLine());
            }
            if (out != null) {
                out.close();
            }
        }
        Path f = work.resolve("incremental-0.jsonl.gz");
        incrementalFiles.add(f.toUri().toString());
        try (Writer out = gzipWriter(f)) {
            for (int i = 0; i < incremental; i++) {
                String ts = T0.plus(Duration.ofHours(1)).plusMillis(i).toString();
                if (i % 10 == 0) {
                    out.write("{\"meta\":{\"ts\":\"" + ts + "\",\"action\":\"D\"},\"key\":{\"id\":"
                            + (1 + random.nextInt(rows)) + "}}\n");
                } else {
                    long id = i % 10 == 1 ? rows + 1L + i : 1 + random.nextInt(rows);
                    Rec r = rec(id, random, 1);
                    out.write("{\"meta\":{\"ts\":\"" + ts + "\",\"action\":\"U\"},\"key\":{\"id\":" + r.id
                            + "},\"value\":" + r.json() + "}\n");
                }
            }
        }
    }

    private static Writer gzipWriter(Path f) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(f), 1 << 16),
                StandardCharsets.UTF_8), 1 << 16);
    }

    private record Rec(long id, long assignment, long user, long course, String state, double score, int attempt,
                       Instant submitted, Instant graded, String body) {

        String json() {
            return "{\"assignment_id\":" + assignment + ",\"user_id\":" + user + ",\"course_id\":" + course
                    + ",\"workflow_state\":\"" + state + "\",\"score\":" + score + ",\"grade\":\"" + (long) score
                    + "\",\"attempt\":" + attempt + ",\"submitted_at\":\"" + submitted + "\",\"graded_at\":\""
                    + graded + "\",\"body\":\"" + body + "\",\"settings\":{\"late\":" + (id % 7 == 0) + "}}";
        }

        String copyLine() {
            return id + "\t" + assignment + "\t" + user + "\t" + course + "\t" + state + "\t" + score + "\t"
                    + (long) score + "\t" + attempt + "\t" + submitted + "\t" + graded + "\t" + body
                    + "\t{\"late\": " + (id % 7 == 0) + "}\n";
        }
    }

    private static Rec rec(long id, SplittableRandom r, int version) {
        Instant submitted = T0.minus(Duration.ofMinutes(r.nextInt(500_000)));
        return new Rec(id, 5000 + id % 4000, 100 + id % 30_000, 200 + id % 700, version == 0 ? "graded" : "submitted",
                r.nextInt(101), 1 + r.nextInt(3), submitted, submitted.plus(Duration.ofHours(1 + r.nextInt(72))),
                "Answer text " + Long.toHexString(r.nextLong()) + " with some words to make the row realistic");
    }
}
