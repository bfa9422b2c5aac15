package org.canvaslake.bench;

import static org.canvaslake.bench.BenchmarkResult.countText;
import static org.canvaslake.bench.BenchmarkResult.ratioText;
import static org.canvaslake.bench.BenchmarkResult.secondsText;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.io.FileTrees;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.canvaslake.common.text.Redaction;
import org.canvaslake.dap.DapRecords;
import org.canvaslake.dap.DapSchema.DapColumn;
import org.canvaslake.dap.DapSchema.Kind;
import org.canvaslake.dap.DapSchema;
import org.canvaslake.mirror.JdbcMirror;
import org.canvaslake.mirror.LoadMode;
import org.canvaslake.mirror.MirrorTarget;
import org.canvaslake.mirror.SyncPosition;
import org.postgresql.PGConnection;

/**
 * {@code canvaslake bench dap}: how fast Canvas Data 2 is applied. A snapshot of {@code --rows} submissions-like
 * records and an incremental of {@code --incremental} records (80% updates, 10% inserts, 10% deletes), from gzip
 * JSON-lines objects as DAP serves them, into Delta and into PostgreSQL through the mirror; beside PostgreSQL's own
 * {@code COPY} of the same rows into an empty table in the same run. Reports rows/s of every step and its ratio to
 * COPY's rows/s. Without a PostgreSQL answering at {@code --pg-url} the Delta steps are still measured.
 */
public final class DapBenchmark implements Command {

    public static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    public static final String PARSE = "parse only (snapshot, count)";
    public static final String DELTA_SNAPSHOT = "Delta snapshot";
    public static final String DELTA_INCREMENTAL = "Delta incremental";
    public static final String PG_SNAPSHOT = "PostgreSQL snapshot (mirror)";
    public static final String PG_INCREMENTAL = "PostgreSQL incremental (mirror)";
    public static final String PG_SNAPSHOT_PARSED = "PostgreSQL snapshot (mirror, rows already parsed)";
    public static final String COPY = "PostgreSQL COPY of the same rows (baseline)";

    private static final DapSchema SCHEMA = new DapSchema("bench_submissions", 1, List.of(
            new DapColumn("id", true, Kind.LONG), new DapColumn("assignment_id", false, Kind.LONG),
            new DapColumn("user_id", false, Kind.LONG), new DapColumn("course_id", false, Kind.LONG),
            new DapColumn("workflow_state", false, Kind.STRING), new DapColumn("score", false, Kind.DOUBLE),
            new DapColumn("grade", false, Kind.STRING), new DapColumn("attempt", false, Kind.INT),
            new DapColumn("submitted_at", false, Kind.TIMESTAMP), new DapColumn("graded_at", false, Kind.TIMESTAMP),
            new DapColumn("body", false, Kind.STRING), new DapColumn("settings", false, Kind.JSON)));
    private static final int ROWS_PER_OBJECT = 100_000;
    private static final Instant T0 = Instant.parse("2026-09-01T00:00:00Z");

    /** What to run; {@code pgUrl} empty: no PostgreSQL steps. */
    public record Settings(int rows, int incremental, long seed, Path work, Optional<String> pgUrl) {

        public Settings {
            if (rows < 1 || incremental < 1) {
                throw new UsageException("--rows and --incremental must be at least 1, got " + rows + " and "
                        + incremental);
            }
            work = work.toAbsolutePath().normalize();
        }
    }

    /** One timed step: wall-clock seconds, and the CPU seconds this JVM spent meanwhile. */
    public record Step(String name, long rows, double seconds, double cpuSeconds) {
        public double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /**
     * What one run measured. {@code postgresSkipped} says why there are no PostgreSQL steps (empty when they ran).
     */
    public record Result(int rows, int incremental, List<Step> steps, Optional<String> postgresSkipped,
                         long deltaRowsAfter, long copyRows) implements BenchmarkResult {

        public Result {
            steps = List.copyOf(steps);
        }

        public Optional<Step> step(String name) {
            return steps.stream().filter(s -> s.name().equals(name)).findFirst();
        }

        /** The step's rows/s over COPY's rows/s; NaN without the COPY baseline. */
        public double ratioToCopy(Step step) {
            return step(COPY).map(c -> step.rowsPerSecond() / c.rowsPerSecond()).orElse(Double.NaN);
        }

        @Override
        public Table table() {
            List<List<String>> rowsOut = new ArrayList<>();
            for (Step s : steps) {
                rowsOut.add(List.of(s.name(), countText(s.rows()), secondsText(s.seconds()),
                        countText(s.rowsPerSecond()), secondsText(s.cpuSeconds()), ratioText(ratioToCopy(s))));
            }
            List<String> notes = new ArrayList<>();
            notes.add(String.format(Locale.ROOT, "%,d-row snapshot and a %,d-record incremental (80%% updates, 10%%"
                    + " inserts, 10%% deletes) from gzip JSON-lines objects; %,d rows in Delta afterwards", rows,
                    incremental, deltaRowsAfter));
            notes.add("JVM CPU s: this process's CPU time during the step (PostgreSQL's own work is not in it)");
            postgresSkipped.ifPresent(why -> notes.add("PostgreSQL steps skipped: " + why));
            return new Table("Canvas Data 2 apply vs. PostgreSQL's own COPY",
                    "canvaslake bench dap --rows " + rows + " --incremental " + incremental,
                    List.of("step", "rows", "seconds", "rows/s", "JVM CPU s", "x COPY's rows/s"), rowsOut, notes);
        }
    }

    /** A step to time. */
    private interface Work {
        void run() throws Exception;
    }

    @Override
    public CommandSpec spec() {
        return new CommandSpec("dap", "Time applying Canvas Data 2 (a snapshot and an incremental, gzip JSON lines as "
                + "DAP serves them) into Delta and into PostgreSQL through the mirror, beside PostgreSQL's own COPY "
                + "of the same rows", "bench dap [--rows N] [--incremental N] [--pg-url URL|none] [--work DIR]")
                .option(OptionSpec.value("rows", "200000", "Rows of the snapshot (generated once per size and seed; "
                        + "reused from the work directory afterwards)"))
                .option(OptionSpec.value("incremental", "20000", "Records of the incremental applied on top: 80% "
                        + "updates, 10% inserts, 10% deletes"))
                .option(OptionSpec.value("pg-url", DEFAULT_PG_URL, "PostgreSQL to time the mirror and the COPY "
                        + "baseline against (a scratch schema is created and dropped); 'none' skips those steps, as "
                        + "does a server that does not answer"))
                .option(Bench.WORK)
                .option(Bench.SEED);
    }

    @Override
    public int run(Options options) throws Exception {
        String pg = options.get("pg-url").orElse("").trim();
        Result r = measure(new Settings(options.getInt("rows"), options.getInt("incremental"), options.getLong("seed"),
                Bench.work(options), pg.isEmpty() || pg.equalsIgnoreCase("none") ? Optional.empty()
                : Optional.of(pg)), System.out);
        print(r, System.out);
        return 0;
    }

    public static Result measure(Settings s, PrintStream log) throws Exception {
        log.printf("DAP apply benchmark: %,d-row snapshot, %,d-record incremental, work dir %s%n", s.rows(),
                s.incremental(), s.work());
        Path input = s.work().resolve("dap-input-" + s.rows() + "-" + s.incremental() + "-seed" + s.seed());
        BenchFiles.cached(input, String.format("%,d + %,d DAP records", s.rows(), s.incremental()), log,
                dir -> generate(dir, s.rows(), s.incremental(), s.seed()));
        List<String> snapshotFiles = new ArrayList<>();
        List<String> incrementalFiles = new ArrayList<>();
        for (Path f : BenchFiles.files(input)) {
            String name = f.getFileName().toString();
            if (name.startsWith("snapshot-")) {
                snapshotFiles.add(f.toUri().toString());
            } else if (name.startsWith("incremental-")) {
                incrementalFiles.add(f.toUri().toString());
            }
        }
        Path copyFile = input.resolve("snapshot.tsv");

        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-bench");
        Path lake = s.work().resolve("dap-lake-" + RunReport.newRunId());
        String deltaPath = lake.resolve("cd2/bench_submissions").toUri().toString();
        List<Step> steps = new ArrayList<>();
        Optional<String> skipped = Optional.empty();
        long deltaRows;
        long copyRows = -1;
        try {
            // warm up (JIT, Spark codegen, Delta's first commit and first MERGE) on the incremental objects, not
            // timed: the first MERGE in a JVM costs tens of seconds of class loading and code generation, which
            // would otherwise swamp the incremental step at small sizes
            String warmPath = lake.resolve("cd2/warmup").toUri().toString();
            Step warm = time("warm-up", s.incremental(), () -> {
                DeltaTables.overwrite(DapRecords.read(spark, incrementalFiles, SCHEMA).rows()
                        .drop(DapRecords.DELETED), warmPath, List.of());
                DeltaTables.merge(spark, DapRecords.read(spark, incrementalFiles, SCHEMA).rows(), warmPath,
                        MergeSpec.on("id").deleteWhere(DapRecords.DELETED));
            });
            log.printf("warm-up in %.1f s%n", warm.seconds());
            steps.add(time(PARSE, s.rows(), () -> DapRecords.read(spark, snapshotFiles, SCHEMA).rows().count()));
            steps.add(time(DELTA_SNAPSHOT, s.rows(), () -> DeltaTables.overwrite(
                    DapRecords.read(spark, snapshotFiles, SCHEMA).rows().drop(DapRecords.DELETED), deltaPath,
                    List.of())));
            // as TableSync applies a batch: the parsed lines cached, so MERGE's passes over the source parse once
            steps.add(time(DELTA_INCREMENTAL, s.incremental(), () -> {
                DapRecords.Batch batch = DapRecords.cache(DapRecords.read(spark, incrementalFiles, SCHEMA));
                DeltaTables.merge(spark, batch.rows(), deltaPath, MergeSpec.on("id").deleteWhere(DapRecords.DELETED));
                batch.parsed().unpersist();
            }));
            deltaRows = DeltaTables.read(spark, deltaPath).count();

            skipped = s.pgUrl().isEmpty() ? Optional.of("--pg-url none") : unreachable(s.pgUrl().get());
            if (skipped.isPresent()) {
                log.println("PostgreSQL steps skipped: " + skipped.get());
            } else {
                copyRows = postgres(spark, s, snapshotFiles, incrementalFiles, copyFile, steps);
            }
        } finally {
            FileTrees.delete(lake);
        }
        return new Result(s.rows(), s.incremental(), steps, skipped, deltaRows, copyRows);
    }

    /** Why PostgreSQL cannot be used at the URL, or empty when it answers. */
    static Optional<String> unreachable(String url) {
        int timeout = DriverManager.getLoginTimeout();
        DriverManager.setLoginTimeout(5);
        try (Connection c = DriverManager.getConnection(url)) {
            return c.isValid(5) ? Optional.empty() : Optional.of("PostgreSQL at " + Redaction.redact(url)
                    + " did not answer");
        } catch (SQLException e) {
            return Optional.of("PostgreSQL at " + Redaction.redact(url) + " did not answer ("
                    + Redaction.redact(e.getMessage()) + "); start it or give --pg-url");
        } finally {
            DriverManager.setLoginTimeout(timeout);
        }
    }

    /** The PostgreSQL steps, in a scratch schema dropped afterwards; returns the rows COPY loaded. */
    private static long postgres(SparkSession spark, Settings s, List<String> snapshotFiles,
                                 List<String> incrementalFiles, Path copyFile, List<Step> steps) throws Exception {
        String url = s.pgUrl().orElseThrow();
        String schema = "cl_bench_" + UUID.randomUUID().toString().substring(0, 8);
        JdbcMirror mirror = JdbcMirror.at(url, null, null);
        try {
            MirrorTarget replace = MirrorTarget.of(schema, "bench_submissions", List.of("id"));
            steps.add(time(PG_SNAPSHOT, s.rows(), () -> mirror.load(
                    DapRecords.read(spark, snapshotFiles, SCHEMA).rows().drop(DapRecords.DELETED), replace,
                    LoadMode.REPLACE, new SyncPosition("bench", "snapshot", 1, null))));
            MirrorTarget upsert = replace.deleteWhere(DapRecords.DELETED);
            steps.add(time(PG_INCREMENTAL, s.incremental(), () -> mirror.load(
                    DapRecords.read(spark, incrementalFiles, SCHEMA).rows(), upsert, LoadMode.UPSERT,
                    new SyncPosition("bench", "incremental", 1, null))));
            Dataset<Row> cached = DapRecords.read(spark, snapshotFiles, SCHEMA).rows().drop(DapRecords.DELETED)
                    .cache();
            cached.count();
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("TRUNCATE \"" + schema + "\".bench_submissions");
            }
            steps.add(time(PG_SNAPSHOT_PARSED, s.rows(), () -> mirror.load(cached, replace, LoadMode.REPLACE,
                    new SyncPosition("bench", "snapshot", 1, null))));
            cached.unpersist();
            steps.add(time(COPY, s.rows(), () -> copy(url, schema, copyFile)));
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + schema + "\".bench_copy")) {
                rs.next();
                return rs.getLong(1);
            }
        } finally {
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }

    static void print(Result r, PrintStream out) {
        out.println();
        out.println("== bench dap");
        out.printf("%-52s %10s %14s %12s %10s%n", "step", "seconds", "rows/s", "JVM cpu s", "x COPY");
        for (Step s : r.steps()) {
            out.printf("%-52s %10.2f %,14.0f %12.1f %10s%n", s.name(), s.seconds(), s.rowsPerSecond(),
                    s.cpuSeconds(), ratioText(r.ratioToCopy(s)));
        }
        out.printf("(%s; the JVM cpu column is this process's CPU time, PostgreSQL's own work is not in it)%n",
                BenchMachine.describe());
        r.postgresSkipped().ifPresent(why -> out.println("PostgreSQL steps skipped: " + why));
        out.printf("rows after the incremental: Delta %,d; COPY baseline table %,d%n", r.deltaRowsAfter(),
                r.copyRows());
    }

    private static Step time(String name, long rows, Work work) throws Exception {
        long cpu = BenchMachine.processCpuNanos();
        long start = System.nanoTime();
        work.run();
        double wall = (System.nanoTime() - start) / 1e9;
        return new Step(name, rows, wall, (BenchMachine.processCpuNanos() - cpu) / 1e9);
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
    private static String generate(Path dir, int rows, int incremental, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        int objects = 0;
        try (Writer copy = Files.newBufferedWriter(dir.resolve("snapshot.tsv"), StandardCharsets.UTF_8)) {
            Writer out = null;
            for (int i = 0; i < rows; i++) {
                if (i % ROWS_PER_OBJECT == 0) {
                    if (out != null) {
                        out.close();
                    }
                    out = gzipWriter(dir.resolve("snapshot-" + (i / ROWS_PER_OBJECT) + ".jsonl.gz"));
                    objects++;
                }
                Rec r = rec(i + 1L, random, 0);
                out.write("{\"meta\":{\"ts\":\"" + T0 + "\"},\"key\":{\"id\":" + r.id + "},\"value\":" + r.json()
                        + "}\n");
                copy.write(r.copyLine());
            }
            if (out != null) {
                out.close();
            }
        }
        try (Writer out = gzipWriter(dir.resolve("incremental-0.jsonl.gz"))) {
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
        return rows + " snapshot records in " + objects + " objects, " + incremental + " incremental records";
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
