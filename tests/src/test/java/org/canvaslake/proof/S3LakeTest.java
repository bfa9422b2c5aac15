package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.S3ConditionalLogStore;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.dap.DapSyncJob;
import org.canvaslake.events.EventsJob;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.lander.S3ObjectStore;
import org.canvaslake.product.ProductJob;
import org.canvaslake.product.ProductSchema;
import org.canvaslake.product.ProductState;
import org.canvaslake.report.ReportJob;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The lake on S3, as in production: the lander writes raw objects to a bucket through the AWS SDK, and the events,
 * canvas, product, report and dap jobs read and write there through Hadoop's S3A (hadoop-aws, which spark-submit adds
 * with --packages), with an {@code s3://} lake location. The bucket is {@link S3ProxyServer}'s. The tables must equal
 * those the same input gives in a local lake. Delta's commits there are conditional PUTs
 * ({@code S3ConditionalLogStore}, its cases at the end): two drivers committing one version both keep their rows.
 */
@ExtendWith(SparkTest.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3LakeTest {

    private static final String BUCKET = "institution-lake";

    private S3ProxyServer server;
    private S3Client s3;

    @BeforeAll
    void startS3(SparkSession spark, @TempDir Path work) throws Exception {
        server = S3ProxyServer.start(work, spark.sparkContext().hadoopConfiguration(), BUCKET);
        // S3A, with one storage fault armed for the product job below (unarmed it is S3A as it is)
        server.set(Map.of("fs.s3.impl", FaultyS3AFileSystem.class.getName()));
        s3 = server.client();
    }

    @AfterAll
    void stopS3() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void thePipelineOnAnS3LakeWritesWhatItWritesLocallyAndReadsOnlyNewObjectsAfter(SparkSession spark,
                                                                                     @TempDir Path localDir)
            throws Exception {
        Lake onS3 = Lake.at("s3://" + BUCKET + "/lake");
        Lake local = Lake.at(localDir.toString());
        Institution institution = Institution.generate(7, Institution.Size.TEST);
        BatchLander toS3 = new BatchLander(S3ObjectStore.at(onS3.root(), s3));
        BatchLander toLocal = new BatchLander(new LocalObjectStore(localDir));
        List<List<LiveEventMessage>> batches = lastAnHourLater(batches(new LiveEventGenerator(institution, 7), 600,
                10));
        for (List<LiveEventMessage> batch : batches.subList(0, batches.size() - 1)) {
            toS3.land(batch);
            toLocal.land(batch);
        }
        assertThat(s3.listObjectsV2(r -> r.bucket(BUCKET).prefix("lake/raw/live_events/dt=")).keyCount())
                .isPositive();

        // every job of the pipeline, on each lake: live events, the REST snapshot, the data product, the report
        RunReport eventsOnS3 = run(new EventsJob(), spark, onS3, "--optimize", "never");
        run(new EventsJob(), spark, local, "--optimize", "never");
        assertThat(eventsOnS3.counter("raw_objects")).isEqualTo(batches.size() - 1);
        assertThat(eventsOnS3.counter("events_read")).isPositive();
        try (FakeCanvasServer canvas = FakeCanvasServer.start(institution)) {
            for (Lake lake : List.of(onS3, local)) {
                run(new CanvasJob(), spark, lake, canvasArgs(canvas));
            }
        }
        // on S3, the product table's first commit lands and the job is told it failed: the run fails, saying so,
        // and the next run settles it (compared with the local lake below: nothing doubled, nothing lost)
        FaultyS3AFileSystem.arm(FaultyS3AFileSystem.Fault.landingThenFailing(
                "/lake/product/learning_events/_delta_log/0{20}\\.json$"));
        RunReport productHit = runOn(new ProductJob(), spark, onS3);
        assertThat(FaultyS3AFileSystem.disarm()).isOne();
        assertThat(productHit.exitCode()).isEqualTo(1);
        S3FaultsTest.failedAlone(productHit, "product");
        assertThat(productHit.failures().get(0).message())
                .contains("product/learning_events", "answer lost. Check that the lake");
        run(new ProductJob(), spark, onS3);
        run(new ProductJob(), spark, local);
        run(new ReportJob(), spark, onS3);

        // written into the bucket through S3A: the tables, the raw REST pages, the report page
        assertThat(keys("lake/events/live_stream/_delta_log/"))
                .contains("lake/events/live_stream/_delta_log/00000000000000000000.json");
        assertThat(keys("lake/raw/canvas_api/")).isNotEmpty();
        assertThat(keys("lake/_meta/report/")).contains("lake/_meta/report/index.html");
        // and row for row what the same input gives in a local lake (but for the runs, the arrival times of the
        // raw objects, and the quarantine's key, which hashes the raw object's path)
        LakeRows.Rules rules = LakeRows.Rules.dropping("*", "run_id", "compacted_at")
                .drop("_meta.events_ledger", "modified_at").drop("events._quarantine", "quarantine_id")
                .drop("_meta.product_state", "updated_at")
                .rankTimes("snapshot_at", "valid_from", "valid_to");
        Map<String, List<String>> s3Rows = LakeRows.of(spark, onS3, rules);
        Map<String, List<String>> localRows = LakeRows.of(spark, local, rules);
        assertThat(s3Rows).containsKeys("events.live_stream", "events._quarantine", "_meta.events_ledger",
                "canvas.users", "canvas.courses_history", "product.learning_events");
        assertThat(s3Rows.get("product.learning_events")).isNotEmpty();
        assertThat(LakeRows.diff(localRows, s3Rows)).as("the S3 lake against the local one").isEmpty();

        // faults at writes no one chose in the product job's first run, drawn as S3FaultsTest draws them for the other
        // jobs; each run on a lake of its own that starts with a copy of the tables the job reads. The job writes its
        // two tables (and the run log) only, so those two are compared: reading every input table again after each run
        // took more than the runs did
        Function<String, Lake> withInputs = name -> {
            server.copy(BUCKET, "lake/", name + "/", key -> key.startsWith("events/") || key.startsWith("canvas/"));
            return Lake.at("s3://" + BUCKET + "/" + name);
        };
        Function<Lake, RunReport> product = lake -> runOn(new ProductJob(), spark, lake);
        LakeRows.Rules productTables = rules.skip(s3Rows.keySet().stream()
                .filter(t -> !t.equals(ProductSchema.TABLE) && !t.equals(ProductState.TABLE)).toArray(String[]::new));
        Function<Lake, Map<String, List<String>>> contents = lake -> LakeRows.of(spark, lake, productTables);
        S3FaultsTest.CleanRun clean = S3FaultsTest.counted(withInputs.apply("product-clean"), product, contents);
        assertThat(clean.rows()).containsOnlyKeys(ProductSchema.TABLE, ProductState.TABLE);
        assertThat(clean.rows().get(ProductSchema.TABLE)).isEqualTo(s3Rows.get(ProductSchema.TABLE));
        S3FaultsTest.faultsAtRandomWrites("product-random", clean, withInputs, product, contents);
        // reads refused: every GET of the users' history log, then of the live stream's Parquet files. The run must fail
        // with the store's error, not build the product as if there were no users or no events, and the next run must
        // leave the product as the fault-free run did
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("product-read-users-log", "/canvas/users_history/_delta_log/");
        refused.put("product-read-events-files", "/events/live_stream/.*\\.parquet$");
        refused.forEach((name, path) -> {
            Lake lake = withInputs.apply(name);
            FaultyS3AFileSystem.arm(FaultyS3AFileSystem.Fault.failingReads("/" + name + path));
            RunReport hit = product.apply(lake);
            int reads = FaultyS3AFileSystem.disarm();
            assertThat(reads).as(name + ": reads refused").isPositive();
            S3FaultsTest.failedAlone(hit, "product");
            // the store's error in one line (Delta replays a log in Spark tasks too), not Spark's summary and trace
            assertThat(hit.failures().get(0).message()).as(name).containsPattern("^IOException( in a Spark task)?: "
                    + "Injected fault: the GET of s3://" + BUCKET + "/" + name + "/").contains("Check that the lake")
                    .doesNotContain("\tat ", "Job aborted");
            assertThat(product.apply(lake).failures()).as(name + ": the next run").isEmpty();
            assertThat(LakeRows.diff(clean.rows(), contents.apply(lake))).as(name + ", after the next run").isEmpty();
        });

        // the next hour: one new object; the ledger on S3 keeps the rest from being read again
        toS3.land(batches.get(batches.size() - 1));
        RunReport next = run(new EventsJob(), spark, onS3, "--optimize", "never");
        assertThat(next.counter("raw_objects")).isOne();
        assertThat(next.counter("raw_objects_listed")).isBetween(1L, (long) batches.size());
        assertThat(DeltaTables.read(spark, onS3.table("_meta.events_ledger")).count()).isEqualTo(batches.size());
        assertThat(DeltaTables.read(spark, onS3.table("events.live_stream")).count())
                .isEqualTo(s3Rows.get("events.live_stream").size() + next.counter("events_read")
                        - next.counter("duplicates_in_run") - next.counter("duplicates_already_in_lake"));
        assertThat(run(new EventsJob(), spark, onS3, "--optimize", "never").counter("raw_objects")).isZero();
    }

    @Test
    void theDapSyncAndItsPostgresMirrorOnAnS3LakeWriteWhatTheyWriteLocally(SparkSession spark, @TempDir Path localDir)
            throws Exception {
        Lake onS3 = Lake.at("s3://" + BUCKET + "/dap-lake");
        Lake local = Lake.at(localDir.toString());
        Map<String, String> schemaOf = Map.of(onS3.root(), "cl_s3_" + UUID.randomUUID().toString().substring(0, 8),
                local.root(), "cl_s3_" + UUID.randomUUID().toString().substring(0, 8));
        // the DAP job ids and the times name the run, in the lake's sync state and in the mirror's (its detail); the
        // mirror's source names the lake table it was loaded from
        LakeRows.Rules rules = LakeRows.Rules.dropping("_meta.dap_sync_state", "last_job_id", "updated_at")
                .drop("cd2._quarantine", "job_id", "quarantined_at", "source_file")
                .drop("sql.canvaslake_sync_state", "source", "detail", "updated_at");
        try (FakeDapServer dap = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST).withRecordsPerObject(100));
             Connection pg = DriverManager.getConnection(CrashRerunDrills.PG_URL)) {
            dap.addBrokenLines("courses", List.of("not a record at all"));
            // the snapshots, then a day later in DAP the incrementals (updates, inserts and hard deletes)
            for (String mode : List.of("snapshot", "incremental")) {
                Map<Lake, Map<String, List<String>>> rows = new HashMap<>();
                for (Lake lake : List.of(onS3, local)) {
                    RunReport report = CrashRerunDrills.dapSync(spark, lake.root(), dap, schemaOf.get(lake.root()));
                    assertThat(report.failures()).as("dap sync on " + lake.root()).isEmpty();
                    assertThat(report.tableCount("cd2.submissions", mode)).as(mode + " on " + lake.root()).isOne();
                    rows.put(lake, LakeRows.withMirror(spark, lake, pg, schemaOf.get(lake.root()), rules));
                }
                assertThat(rows.get(onS3)).containsKeys("cd2.users", "cd2.courses", "cd2.submissions",
                        "cd2._quarantine", "_meta.dap_sync_state", "sql.users", "sql.submissions");
                assertThat(rows.get(onS3).get("sql.submissions")).hasSameSizeAs(rows.get(onS3).get("cd2.submissions"));
                assertThat(LakeRows.diff(rows.get(local), rows.get(onS3))).as("the S3 lake and its mirror against the"
                        + " local lake's, after the " + mode).isEmpty();
                dap.advance();
            }
            // the downloaded objects, kept raw in the bucket
            assertThat(keys("dap-lake/raw/dap/")).anyMatch(k -> k.endsWith(".jsonl.gz"));
        } finally {
            CrashRerunDrills.dropSchemas(schemaOf.values());
        }
    }

    @Test
    void aLakeInABucketThatIsNotThereFailsEachRunNamingTheLakeAndStillReturnsItsReport(SparkSession spark)
            throws IOException {
        Lake lake = Lake.at("s3://no-such-bucket/lake");
        for (SparkJob job : List.<SparkJob>of(new EventsJob(), new ProductJob(), new ReportJob())) {
            // the run log cannot be written there either; the run still returns its failed report (until now S3A's
            // undeclared IOException from that write went out of the run, past the report's notifiers)
            RunReport report = runOn(job, spark, lake);
            assertThat(report.succeeded()).isFalse();
            assertThat(report.failures()).singleElement().satisfies(f -> assertThat(f.message())
                    .as(job.getClass().getSimpleName()).contains("s3://no-such-bucket/lake/", "does not exist")
                    .containsPattern("Check that the (location|lake) .*exists"));
        }
        // S3A's instance for that bucket, cached for the JVM, goes with the server too
        FileSystem.get(URI.create(lake.root()), spark.sparkContext().hadoopConfiguration()).close();
    }

    // ---------------------------------------------------------------- commits on S3
    // Two writers, one Delta table on S3, one version: the second commit must not replace the first. Delta's default
    // S3 log store checks that the version file is absent and then writes it, so between two Spark drivers (the events
    // job and the cd2 sync both appending their run reports to _meta.runs) the later PUT could overwrite the earlier
    // commit and its rows would be gone. S3ConditionalLogStore makes the PUT itself conditional; S3Proxy, like S3,
    // refuses a PUT with If-None-Match: * to an existing key (412). Checked by hand that both tests can fail: with the
    // jar of S3Proxy 2.4.1 (used before), which ignores the header and overwrites, in place of
    // target/s3proxy/s3proxy.jar, the store's write is not refused and the other writer's row is lost.

    @Test
    void aVersionAnotherWriterCreatedFirstIsRefusedAndKeepsTheOthersContent(SparkSession spark) throws Exception {
        Configuration conf = spark.sessionState().newHadoopConf();
        S3ConditionalLogStore store = new S3ConditionalLogStore(conf);
        String first = "commit-store/_delta_log/00000000000000000000.json";
        s3.putObject(r -> r.bucket(BUCKET).key(first), RequestBody.fromString("{\"other\":1}\n"));

        assertThatThrownBy(() -> store.write(path(first), List.of("{\"mine\":1}").iterator(), false, conf))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(first)
                .hasMessageContaining("another writer committed this version first");
        assertThat(read(first)).isEqualTo("{\"other\":1}\n");

        // S3 holding exactly this commit is its own earlier attempt (a PUT the SDK retried after its answer was lost):
        // it stands, rather than being committed again at the next version
        String retried = "commit-store/_delta_log/00000000000000000002.json";
        s3.putObject(r -> r.bucket(BUCKET).key(retried), RequestBody.fromString("{\"mine\":2}\n"));
        store.write(path(retried), List.of("{\"mine\":2}").iterator(), false, conf);
        assertThat(read(retried)).isEqualTo("{\"mine\":2}\n");

        // a PUT that lands and gets no answer (the connection breaks): this commit is there, so it stands
        String unanswered = "commit-store/_delta_log/00000000000000000003.json";
        FaultyS3Puts.beforeConditionalPutThatGetsNoAnswer("/commit-store/_delta_log/0{19}3\\.json$",
                () -> s3.putObject(r -> r.bucket(BUCKET).key(unanswered), RequestBody.fromString("{\"mine\":3}\n")));
        store.write(path(unanswered), List.of("{\"mine\":3}").iterator(), false, conf);
        assertThat(read(unanswered)).isEqualTo("{\"mine\":3}\n");

        String next = "commit-store/_delta_log/00000000000000000001.json";
        store.write(path(next), List.of("{\"a\":1}", "{\"b\":2}").iterator(), false, conf);
        assertThat(read(next)).as("one action per line, as Delta's own stores write them").isEqualTo(
                "{\"a\":1}\n{\"b\":2}\n");

        // an overwrite (Delta's _last_checkpoint) is allowed and is Delta's own write
        String checkpoint = "commit-store/_delta_log/_last_checkpoint";
        store.write(path(checkpoint), List.of("{\"version\":0}").iterator(), true, conf);
        store.write(path(checkpoint), List.of("{\"version\":10}").iterator(), true, conf);
        assertThat(read(checkpoint)).isEqualTo("{\"version\":10}\n");
    }

    @Test
    void whenAnotherDriverCommitsTheSameVersionFirstDeltaCommitsNextAndBothWritersRowsStay(SparkSession spark) {
        String table = "s3://" + BUCKET + "/commit-race/runs";
        spark.range(0, 1).write().format("delta").save(table);
        // another driver's commit of version 1, PUT at the moment this driver is about to PUT its own version 1
        String first = otherDriverCommit(spark, 100);
        FaultyS3Puts.beforeConditionalPut("/commit-race/runs/_delta_log/0{19}1\\.json$", () -> s3.putObject(
                r -> r.bucket(BUCKET).key("commit-race/runs/_delta_log/00000000000000000001.json"),
                RequestBody.fromString(first)));
        spark.range(2, 3).write().format("delta").mode("append").save(table);
        assertThat(FaultyS3Puts.raceWaiting()).as("the other driver's commit went in first").isFalse();

        // and when this driver's PUT gets no answer at all (the connection breaks, as when a store refuses before
        // reading the body): what S3 holds is the other's commit, so it is the same refusal
        String third = otherDriverCommit(spark, 101);
        FaultyS3Puts.beforeConditionalPutThatGetsNoAnswer("/commit-race/runs/_delta_log/0{19}3\\.json$",
                () -> s3.putObject(r -> r.bucket(BUCKET).key("commit-race/runs/_delta_log/00000000000000000003.json"),
                        RequestBody.fromString(third)));
        spark.range(4, 5).write().format("delta").mode("append").save(table);
        assertThat(FaultyS3Puts.raceWaiting()).isFalse();

        assertThat(spark.read().format("delta").load(table).orderBy("id").collectAsList()).map(r -> r.getLong(0))
                .as("both writers' rows").containsExactly(0L, 2L, 4L, 100L, 101L);
        List<Row> history = DeltaTable.forPath(spark, table).history().orderBy("version")
                .select("version", "engineInfo").collectAsList();
        assertThat(history).map(r -> r.getLong(0)).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(history).filteredOn(r -> "the other driver".equals(r.getString(1))).map(r -> r.getLong(0))
                .as("the versions the other driver took").containsExactly(1L, 3L);
    }

    // Two events runs at once on one lake (one started by hand beside the scheduled one) would append the same events
    // twice. The run takes the lake's events lease first (LakeLease): on S3 an object created with If-None-Match: *,
    // renewed with If-Match on the version it wrote, taken over with If-Match once it has expired.

    @Test
    void anS3LeaseIsOneRunsAtATimeExpiresWhenItsRunDiedAndIsLostWhenTakenOver(SparkSession spark) throws Exception {
        Configuration conf = spark.sessionState().newHadoopConf();
        Lake lake = Lake.at("s3://" + BUCKET + "/lease-lake");
        String key = "lease-lake/" + LakeLease.FOLDER + "/events.json";
        Duration brief = Duration.ofSeconds(2);

        try (LakeLease first = LakeLease.acquire(conf, lake, "events", "run-1", "events", brief)) {
            assertThat(first.held()).isTrue();
            String written = read(key);
            assertThat(written).contains("\"run_id\":\"run-1\"", "\"until\"");
            assertThatThrownBy(() -> LakeLease.acquire(conf, lake, "events", "run-2", "events", brief))
                    .isInstanceOf(LakeLease.HeldException.class).hasMessageContaining("run run-1 (events)")
                    .hasMessageContaining("s3://" + BUCKET + "/" + key);
            // renewed every half second: its expiry moves on, and it stays held past its first expiry
            Thread.sleep(2_500);
            assertThat(read(key)).contains("run-1").isNotEqualTo(written);
            first.ensureHeld();
        }
        assertThat(keys("lease-lake/")).as("given back").isEmpty();

        // a run that died left its lease behind: it blocks until it expires, then the next run takes it over
        String dead = "{\"run_id\":\"run-dead\",\"job\":\"events\",\"host\":\"gone\",\"pid\":1,"
                + "\"since\":\"2026-01-01T00:00:00Z\",\"until\":\"%s\",\"token\":\"t-dead\"}";
        s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(dead.formatted(Instant.now()
                .plusSeconds(60))));
        assertThatThrownBy(() -> LakeLease.acquire(conf, lake, "events", "run-3", "events", brief))
                .isInstanceOf(LakeLease.HeldException.class).hasMessageContaining("run run-dead");
        s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(dead.formatted(Instant.now()
                .minusSeconds(1))));
        try (LakeLease taken = LakeLease.acquire(conf, lake, "events", "run-3", "events", brief)) {
            assertThat(read(key)).contains("run-3");
            // and then another run takes it from this one (as if this run had stalled past its expiry): the next
            // renewal is refused (If-Match on the version this run wrote), and the run must not commit any more
            String other = dead.formatted(Instant.now().plusSeconds(60)).replace("run-dead", "run-4");
            s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(other));
            Thread.sleep(1_500);
            assertThatThrownBy(taken::ensureHeld).isInstanceOf(LakeLease.LostException.class)
                    .hasMessageContaining("lost the lease");
        }
        assertThat(read(key)).as("the run that lost it leaves the other's lease alone").contains("run-4");
        s3.deleteObject(r -> r.bucket(BUCKET).key(key));
    }

    /**
     * The jobs check their lease before each table; the last check is inside the commit itself
     * ({@code S3ConditionalLogStore}, right before the PUT of the log version), for a lease lost while the table's
     * files were being written. Shown on a bare Delta write: a lost lease keeps every commit on its lake from being
     * sent, except the run log's; other lakes in the bucket are not fenced.
     */
    @Test
    void aLakeWhoseLeaseThisRunLostGetsNoCommitButTheRunLogsAndOtherLakesDo(SparkSession spark) throws Exception {
        Configuration conf = spark.sessionState().newHadoopConf();
        Lake lake = Lake.at("s3://" + BUCKET + "/fenced");
        String key = "fenced/" + LakeLease.FOLDER + "/events.json";
        try (LakeLease lease = LakeLease.acquire(conf, lake, "events", "run-1", "events", Duration.ofSeconds(4))) {
            String table = lake.table("events.live_stream");
            spark.range(3).write().format("delta").save(table);
            s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(read(key).replace("run-1",
                    "run-other")));
            // past the next renewal, which S3 refuses (or, on a busy machine, past three quarters of the lease with
            // no renewal confirmed): the lease is lost
            Thread.sleep(3_200);

            assertThatThrownBy(() -> spark.range(3, 6).write().format("delta").mode("append").save(table))
                    .hasStackTraceContaining("LostException").hasStackTraceContaining("stops before writing more");
            assertThat(keys("fenced/events/live_stream/_delta_log/")).as("no second version")
                    .noneMatch(k -> k.endsWith("00000000000000000001.json"));
            assertThat(spark.read().format("delta").load(table).count()).isEqualTo(3);

            spark.range(1).write().format("delta").save(lake.table("_meta.runs"));
            spark.range(1).write().format("delta").save("s3://" + BUCKET + "/fenced-not/events/live_stream");
            assertThat(keys("fenced/_meta/runs/_delta_log/")).as("the run log").isNotEmpty();
            assertThat(keys("fenced-not/events/live_stream/_delta_log/")).as("another lake").isNotEmpty();
        }
        spark.range(1).write().format("delta").mode("append").save(lake.table("events.live_stream"));
        assertThat(keys("fenced/events/live_stream/_delta_log/")).as("once the lease is given back, no fence")
                .anyMatch(k -> k.endsWith("00000000000000000001.json"));
        s3.deleteObject(r -> r.bucket(BUCKET).key(key));
    }

    @Test
    void anEventsRunWhoseLeaseAnotherRunHoldsStopsAtOnceWritesNothingAndTheNextRunGoesOn(SparkSession spark)
            throws Exception {
        Lake lake = Lake.at("s3://" + BUCKET + "/leased");
        new BatchLander(S3ObjectStore.at(lake.root(), s3)).land(batches(new LiveEventGenerator(
                Institution.generate(9, Institution.Size.TEST), 9), 30, 10).get(0));
        Configuration conf = spark.sessionState().newHadoopConf();
        try (LakeLease other = LakeLease.acquire(conf, lake, "events", "the-scheduled-run", "events",
                Duration.ofMinutes(1))) {
            RunReport refused = runOn(new EventsJob(), spark, lake, "--optimize", "never");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.failures()).singleElement().satisfies(f -> assertThat(f.message())
                    .contains("run the-scheduled-run", "read and wrote nothing"));
            assertThat(keys("leased/events/")).as("no table written").isEmpty();
        }
        RunReport next = run(new EventsJob(), spark, lake, "--optimize", "never");
        assertThat(next.counter("events_read")).isPositive();
        assertThat(keys("leased/" + LakeLease.FOLDER + "/")).as("given back at the end").isEmpty();
    }

    /**
     * A run that loses its lease (another run took it over, as if this one had stalled past its expiry) writes no table
     * after that: every job checks the lease before each commit. Shown with the canvas job, whose raw pages are written
     * before its tables: the lease is taken from it there.
     */
    @Test
    void aCanvasRunThatLosesItsLeaseWritesNoTableAfterAndLeavesTheLeaseToTheOtherRun(SparkSession spark)
            throws Exception {
        Lake lake = Lake.at("s3://" + BUCKET + "/lost-lease");
        RunReport lost;
        try (FakeCanvasServer canvas = FakeCanvasServer.start(Institution.generate(5, Institution.Size.TEST))) {
            lost = leaseTakenAt(CanvasJob.CRASH_AFTER_RAW, lake, "canvas", () -> runOn(new CanvasJob(), spark, lake,
                    withBriefLease(canvasArgs(canvas))));
        }
        assertThat(keys("lost-lease/raw/canvas_api/")).as("the raw pages, written before the lease was lost")
                .isNotEmpty();
        assertThat(lost.exitCode()).isEqualTo(1);
        assertThat(lost.failures()).as("each of users, courses, assignments, enrollments").hasSize(4)
                .allSatisfy(S3LakeTest::stoppedForItsLease);
        assertThat(keys("lost-lease/canvas/")).as("no table written").isEmpty();
    }

    /**
     * The same with dap sync, one table at a time: the lease is taken from it once the first table (users) is synced
     * and the second's (courses') bad lines are quarantined; courses and submissions are then not written.
     */
    @Test
    void aDapSyncThatLosesItsLeaseWritesNoTableAfter(SparkSession spark) throws Exception {
        Lake lake = Lake.at("s3://" + BUCKET + "/dap-lost-lease");
        String schema = "cl_lost_" + UUID.randomUUID().toString().substring(0, 8);
        try (FakeDapServer dap = FakeDapServer.start(FakeDapServer.Settings.defaults()
                .withSize(Institution.Size.TEST).withRecordsPerObject(100))) {
            dap.addBrokenLines("courses", List.of("not a record at all"));
            RunReport lost = leaseTakenAt(DapSyncJob.CRASH_AFTER_QUARANTINE + "courses", lake, "dap",
                    () -> CrashRerunDrills.dapSync(spark, lake.root(), dap, schema,
                            withBriefLease("--parallelism", "1")));
            assertThat(lost.failures()).extracting(RunReport.Failure::unit)
                    .containsExactlyInAnyOrder("cd2.courses", "cd2.submissions");
            assertThat(lost.failures()).allSatisfy(S3LakeTest::stoppedForItsLease);
            assertThat(keys("dap-lost-lease/cd2/users/_delta_log/")).as("synced before").isNotEmpty();
            assertThat(keys("dap-lost-lease/cd2/courses/")).as("not written after").isEmpty();
            assertThat(keys("dap-lost-lease/cd2/submissions/")).as("not written after").isEmpty();
        } finally {
            CrashRerunDrills.dropSchemas(List.of(schema));
        }
    }

    /**
     * The same with the product job: its lease taken once it switched on the events' Change Data Feed, it writes no
     * product table; taken once the table is committed, it does not record its state (so the next run does that work
     * again rather than skipping it); the run after takes the lease and completes.
     */
    @Test
    void aProductRunThatLosesItsLeaseWritesNeitherItsTableNorItsStateAfter(SparkSession spark) throws Exception {
        Lake lake = Lake.at("s3://" + BUCKET + "/product-lost-lease");
        new BatchLander(S3ObjectStore.at(lake.root(), s3)).land(batches(new LiveEventGenerator(
                Institution.generate(11, Institution.Size.TEST), 11), 40, 20).get(0));
        run(new EventsJob(), spark, lake, "--optimize", "never");

        RunReport beforeTable = leaseTakenAt(ProductJob.CRASH_AFTER_EVENTS_FEED, lake, "product",
                () -> runOn(new ProductJob(), spark, lake, withBriefLease()));
        assertThat(beforeTable.failures()).singleElement().satisfies(S3LakeTest::stoppedForItsLease);
        assertThat(keys("product-lost-lease/product/")).as("no product table").isEmpty();

        RunReport beforeState = leaseTakenAt(ProductJob.CRASH_AFTER_TABLE, lake, "product",
                () -> runOn(new ProductJob(), spark, lake, withBriefLease()));
        assertThat(beforeState.failures()).singleElement().satisfies(S3LakeTest::stoppedForItsLease);
        assertThat(keys("product-lost-lease/product/learning_events/_delta_log/")).as("the table, before")
                .isNotEmpty();
        assertThat(keys("product-lost-lease/_meta/product_state/")).as("no state after").isEmpty();

        RunReport next = run(new ProductJob(), spark, lake);
        assertThat(next.counter("product.full_rebuilds")).as("no state: rebuilt").isOne();
        assertThat(keys("product-lost-lease/_meta/product_state/_delta_log/")).isNotEmpty();
    }

    /** The job's options with a lease of four seconds, renewed every second. */
    private static String[] withBriefLease(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--lease-minutes", String.valueOf(4.0 / 60)));
        return all.toArray(String[]::new);
    }

    /**
     * A unit the run failed because its lease is no longer its own: usually its renewal was refused ("lost the
     * lease"); on a busy machine the renewer may not have tried yet, and then the lease, unconfirmed for more than
     * three quarters of its time, stops the run all the same.
     */
    private static void stoppedForItsLease(RunReport.Failure f) {
        assertThat(f.message()).contains("LostException", "stops before writing more");
    }

    /**
     * Runs {@code run}, which takes the lake's lease {@code name} ({@link #withBriefLease}); when it reaches {@code
     * point}, another run takes the lease over, and the run's next renewal is refused. Returns the run's report once the other run's lease is seen
     * left in place, then removes it.
     */
    private RunReport leaseTakenAt(String point, Lake lake, String name, Supplier<RunReport> run) {
        String key = URI.create(lake.root()).getPath().substring(1) + "/" + LakeLease.FOLDER + "/" + name + ".json";
        Instant now = Instant.now();
        String other = ("{\"run_id\":\"run-other\",\"job\":\"" + name + "\",\"host\":\"elsewhere\",\"pid\":1,"
                + "\"since\":\"%s\",\"until\":\"%s\",\"token\":\"t-other\"}").formatted(now, now.plusSeconds(60));
        CrashPoints.onReach(point, () -> {
            s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(other));
            try {
                // past three quarters of the 4-second lease: refused renewals, or none, the run may not go on
                Thread.sleep(3_500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        RunReport report;
        try {
            report = run.get();
        } finally {
            CrashPoints.clearReached();
        }
        assertThat(read(key)).as("the other run's lease left alone").contains("run-other");
        s3.deleteObject(r -> r.bucket(BUCKET).key(key));
        return report;
    }

    /** Another driver's append of one row ({@code id}) to commit-race/runs: its Parquet file there, and its commit. */
    private String otherDriverCommit(SparkSession spark, long id) {
        String scratch = "commit-race/scratch-" + id;
        spark.range(id, id + 1).coalesce(1).write().parquet("s3://" + BUCKET + "/" + scratch);
        String part = server.keys(BUCKET, scratch + "/").stream().filter(k -> k.endsWith(".parquet")).findFirst()
                .orElseThrow();
        String file = "other-driver-" + id + ".parquet";
        s3.copyObject(r -> r.sourceBucket(BUCKET).sourceKey(part).destinationBucket(BUCKET)
                .destinationKey("commit-race/runs/" + file));
        long size = s3.headObject(r -> r.bucket(BUCKET).key("commit-race/runs/" + file)).contentLength();
        return "{\"commitInfo\":{\"timestamp\":" + System.currentTimeMillis()
                + ",\"operation\":\"WRITE\",\"operationParameters\":{\"mode\":\"Append\"},"
                + "\"engineInfo\":\"the other driver\"}}\n"
                + "{\"add\":{\"path\":\"" + file + "\",\"partitionValues\":{},\"size\":" + size
                + ",\"modificationTime\":" + System.currentTimeMillis() + ",\"dataChange\":true}}\n";
    }

    private static org.apache.hadoop.fs.Path path(String key) {
        return new org.apache.hadoop.fs.Path("s3://" + BUCKET + "/" + key);
    }

    private String read(String key) {
        return s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asUtf8String();
    }

    /** Generated messages in batches of {@code size}, as the lander gets them from SQS. */
    static List<List<LiveEventMessage>> batches(LiveEventGenerator generator, int count, int size) {
        List<LiveEventMessage> messages = generator.list(count).stream().map(m -> new LiveEventMessage(m.messageId(),
                m.receivedAt(), m.attributes(), m.body())).toList();
        List<List<LiveEventMessage>> batches = new ArrayList<>();
        for (int i = 0; i < messages.size(); i += size) {
            batches.add(messages.subList(i, Math.min(messages.size(), i + size)));
        }
        return batches;
    }

    /** The batches with the last one received an hour after the others. */
    private static List<List<LiveEventMessage>> lastAnHourLater(List<List<LiveEventMessage>> batches) {
        List<LiveEventMessage> last = batches.remove(batches.size() - 1);
        Instant later = last.get(last.size() - 1).receivedAt().plusSeconds(3600);
        batches.add(last.stream().map(m -> new LiveEventMessage(m.messageId(), later, m.attributes(), m.body()))
                .toList());
        return batches;
    }

    /** Runs a job on the lake; it must succeed. */
    static RunReport run(SparkJob job, SparkSession spark, Lake lake, String... more) {
        RunReport report = runOn(job, spark, lake, more);
        assertThat(report.failures()).as(job.getClass().getSimpleName() + " on " + lake.root()).isEmpty();
        return report;
    }

    /** Runs a job on the lake, with {@code more} options, and returns its report whatever it says. */
    static RunReport runOn(SparkJob job, SparkSession spark, Lake lake, String... more) {
        List<String> args = new ArrayList<>(List.of("--lake", lake.root()));
        args.addAll(List.of(more));
        Options options = Options.parse(job.spec(), args);
        return job.runWith(spark, options, job.runReport(options));
    }

    /** The canvas job's options for the fake Canvas server. */
    static String[] canvasArgs(FakeCanvasServer canvas) {
        return new String[] {"--canvas-url", canvas.baseUrl(), "--canvas-token", canvas.token(), "--per-page", "50",
            "--max-requests-per-second", "1000"};
    }

    private List<String> keys(String prefix) {
        return server.keys(BUCKET, prefix);
    }
}
