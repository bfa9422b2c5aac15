package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.canvas.CanvasJob;
import org.canvaslake.cli.DemoCommand;
import org.canvaslake.cli.DemoSettings;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.common.text.Redaction;
import org.canvaslake.dap.DapCommand;
import org.canvaslake.dap.DapSyncJob;
import org.canvaslake.lander.BatchLander;
import org.canvaslake.lander.LiveEventMessage;
import org.canvaslake.lander.LocalObjectStore;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Nothing leaked: the whole demo pipeline (events, canvas, dap, product, report) runs with recognisable fake
 * secrets — the Canvas token, the DAP client id and secret (and so the DAP access tokens, which the fake names after
 * the client), and credentials inside live-event URLs ({@code access_token=}, a file {@code verifier=}, one
 * URL-encoded inside another URL, one in a Caliper event, one in a broken record) — and, beside it, runs given wrong
 * credentials, so that errors are raised. Then every log line (all loggers, our own at DEBUG), everything printed,
 * every run report and every file under the lakes (text; gzip unpacked; parquet decoded record by record, data files
 * and Delta checkpoints, current or not; the Delta log; the HTML report) is searched for the canaries: none may
 * appear.
 *
 * <p>One deliberate exception: {@code raw/live_events/} keeps live events verbatim, as received (so every table can
 * be rebuilt from it), and so holds the event-URL canaries; only there are they allowed (and the test checks they
 * are there, so the search is not vacuous). The Canvas and DAP credentials may not appear even there.
 */
@ExtendWith(SparkTest.class)
class SecretsLeakTest {

    private static final String CANVAS_TOKEN = "cl-canary-canvas-token-3f9a1c7e";
    private static final String CANVAS_WRONG_TOKEN = "cl-canary-canvas-wrong-token-61d0";
    private static final String DAP_CLIENT_ID = "cl-canary-dap-client-5b2e";
    private static final String DAP_SECRET = "cl-canary-dap-secret-8d41";
    private static final String DAP_WRONG_SECRET = "cl-canary-dap-wrong-secret-77a9";
    private static final List<String> EVENT_CANARIES = List.of("cl-canary-event-token-7a2f",
            "cl-canary-verifier-91c3", "cl-canary-encoded-token-4e6d", "cl-canary-caliper-token-0b58",
            "cl-canary-broken-token-c2d7");

    @TempDir
    Path root;

    @Test
    void noSecretReachesALogAReportOrAFileOfTheLake(SparkSession spark) throws Exception {
        Path lakeDir = root.resolve("lake");
        Path wrongDir = root.resolve("lake-wrong-credentials");
        List<String> credentials = List.of(CANVAS_TOKEN, CANVAS_WRONG_TOKEN, DAP_CLIENT_ID, DAP_SECRET,
                DAP_WRONG_SECRET, basic(DAP_CLIENT_ID, DAP_SECRET), basic(DAP_CLIENT_ID, DAP_WRONG_SECRET));
        landCanaryEvents(lakeDir);

        List<RunReport> reports = new ArrayList<>();
        String captured;
        try (Capture capture = Capture.open()) {
            DemoSettings settings = DemoSettings.defaults().withSize(Institution.Size.TEST, 300)
                    .withCanvasToken(CANVAS_TOKEN).withDapCredentials(DAP_CLIENT_ID, DAP_SECRET);
            RunReport demo = DemoCommand.pipeline(spark, Lake.at(lakeDir.toString()), settings);
            reports.add(demo);
            assertThat(demo.failures()).as("the demo ran with the canary credentials").isEmpty();
            reports.add(wrongCanvasToken(spark, wrongDir));
            reports.add(wrongDapSecret(spark, wrongDir));
            captured = capture.text();
        }
        reports.forEach(r -> assertThat(r.toJson().toString()).isNotBlank());
        assertThat(reports.get(1).failures()).as("the wrong Canvas token failed").isNotEmpty();
        assertThat(reports.get(2).failures()).as("the wrong DAP secret failed").isNotEmpty();

        // the canary events reached the tables, with their credentials masked
        long masked = DeltaTables.read(spark, Lake.at(lakeDir.toString()).table("events.live_stream"))
                .where("event_json LIKE '%" + Redaction.MASK + "%'").count();
        assertThat(masked).as("canary events in events.live_stream, credentials masked").isGreaterThanOrEqualTo(3);
        assertThat(lakeDir.resolve("_meta/report/index.html")).isRegularFile();

        List<String> leaks = new ArrayList<>();
        List<String> all = new ArrayList<>(credentials);
        all.addAll(EVENT_CANARIES);
        search("log and console", captured, all, leaks);
        for (RunReport r : reports) {
            search("run report " + r.job() + " " + r.runId(), r.toJson().toString() + r.toText(), all, leaks);
        }
        List<String> verbatim = new ArrayList<>();
        for (Path dir : List.of(lakeDir, wrongDir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    String text = contents(f);
                    boolean rawEvents = dir.relativize(f).toString().startsWith("raw/live_events/");
                    search(dir.relativize(f).toString(), text, rawEvents ? credentials : all, leaks);
                    if (rawEvents) {
                        EVENT_CANARIES.stream().filter(text::contains).forEach(verbatim::add);
                    }
                }
            }
        }
        System.out.printf("secrets: %d canaries searched in the log, the console, %d run reports and every file of "
                + "the lakes: %d found%n", all.size(), reports.size(), leaks.size());
        assertThat(leaks).as("places holding a secret").isEmpty();
        assertThat(verbatim).as("the raw objects hold the event canaries as received, so the search had something to "
                + "find").containsAll(EVENT_CANARIES);
    }

    private static RunReport wrongCanvasToken(SparkSession spark, Path lakeDir) {
        try (FakeCanvasServer canvas = FakeCanvasServer.start(Institution.generate(3, Institution.Size.TEST),
                FakeCanvasServer.Settings.defaults().withToken(CANVAS_TOKEN))) {
            CanvasJob job = new CanvasJob();
            Options options = Options.parse(job.spec(), List.of("--lake", lakeDir.toString(), "--canvas-url",
                    canvas.baseUrl(), "--canvas-token", CANVAS_WRONG_TOKEN, "--max-attempts", "1"));
            return job.runWith(spark, options, job.runReport(options));
        }
    }

    private static RunReport wrongDapSecret(SparkSession spark, Path lakeDir) {
        try (FakeDapServer dap = FakeDapServer.start(FakeDapServer.Settings.defaults().withSize(Institution.Size.TEST)
                .withCredentials(DAP_CLIENT_ID, DAP_SECRET))) {
            DapSyncJob job = new DapSyncJob();
            Map<String, String> env = Map.of("DAP_CLIENT_ID", DAP_CLIENT_ID, "DAP_CLIENT_SECRET", DAP_WRONG_SECRET);
            Options options = Options.parse(new DapCommand().spec(), List.of("sync", "--tables", "users",
                    "--base-url", dap.baseUrl(), "--lake", lakeDir.toString()), env::get, SecretResolver.aws());
            return job.runWith(spark, options, job.runReport(options));
        }
    }

    /** Live events whose URLs carry credentials, landed into the lake's raw input before the demo's own. */
    private static void landCanaryEvents(Path lakeDir) throws IOException {
        List<LiveEventMessage> batch = new ArrayList<>();
        ObjectNode asset = fixture("canvas/01_asset_accessed.json");
        ObjectNode meta = (ObjectNode) asset.get("metadata");
        meta.put("url", "https://oxana.instructure.com/courses/1/files/2/download?verifier=" + EVENT_CANARIES.get(1)
                + "&wrap=1");
        meta.put("referrer", "https://oxana.instructure.com/courses/1?access_token=" + EVENT_CANARIES.get(0));
        batch.add(message("canary-asset", asset));
        ObjectNode login = fixture("canvas/05_logged_in.json");
        ((ObjectNode) login.get("metadata")).put("url", "https://oxana.instructure.com/login/canvas?return_to="
                + "https%3A%2F%2Foxana.instructure.com%2Fapi%2Fv1%2Fcourses%3Faccess_token%3D" + EVENT_CANARIES.get(2));
        batch.add(message("canary-login", login));
        ObjectNode caliper = fixture("caliper/05_asset_accessed.json");
        ((ObjectNode) caliper.get("data").get(0)).put("referrer", "https://oxana.instructure.com/accounts/1/outcomes"
                + "?access_token=" + EVENT_CANARIES.get(3));
        batch.add(message("canary-caliper", caliper));
        batch.add(new LiveEventMessage("canary-broken", Instant.parse("2026-09-01T10:00:03Z"),
                Map.of("event_name", "asset_accessed"), "{\"metadata\": {\"url\": \"https://oxana.instructure.com/"
                + "?access_token=" + EVENT_CANARIES.get(4) + "\", \"event_name\": \"asset_acc"));
        new BatchLander(new LocalObjectStore(Files.createDirectories(lakeDir))).land(batch);
    }

    private static ObjectNode fixture(String name) throws IOException {
        return (ObjectNode) Json.parse(Files.readString(Fixtures.file(name), StandardCharsets.UTF_8));
    }

    private static LiveEventMessage message(String id, ObjectNode body) {
        String name = body.has("metadata") ? body.get("metadata").get("event_name").asText() : "asset_accessed";
        return new LiveEventMessage(id, Instant.parse("2026-09-01T10:00:00Z"), Map.of("event_name", name),
                body.toString());
    }

    private static String basic(String id, String secret) {
        return Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static void search(String where, String text, List<String> canaries, List<String> leaks) {
        for (String canary : canaries) {
            int at = text.indexOf(canary);
            if (at >= 0) {
                int from = Math.max(0, at - 120);
                leaks.add(where + ": " + canary + " in ..." + text.substring(from, Math.min(text.length(),
                        at + canary.length() + 40)).replace('\n', ' ') + "...");
            }
        }
    }

    /** A file's text: gzip unpacked, parquet decoded record by record, anything else as it is (bytes as Latin-1). */
    private static String contents(Path file) throws IOException {
        String name = file.getFileName().toString();
        byte[] bytes = Files.readAllBytes(file);
        StringBuilder out = new StringBuilder(new String(bytes, StandardCharsets.ISO_8859_1));
        if (name.endsWith(".gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                out.append('\n').append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException notGzip) {
                // stored as plain text under a .gz name: the bytes above are the text
            }
        }
        if (name.endsWith(".parquet")) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(file.toUri())).withConf(new Configuration()).build()) {
                for (Group g = reader.read(); g != null; g = reader.read()) {
                    out.append('\n').append(g);
                }
            }
        }
        return out.toString();
    }

    /** Everything logged (all loggers; ours at DEBUG) and printed while open. */
    private static final class Capture extends AbstractAppender implements AutoCloseable {
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        private final PrintStream out = System.out;
        private final PrintStream err = System.err;
        private final Level ours;

        private Capture() {
            super("secrets-capture", null, null, true, new Property[0]);
            this.ours = LogManager.getLogger("org.canvaslake").getLevel();
        }

        static Capture open() {
            Capture c = new Capture();
            c.start();
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            ctx.getConfiguration().getRootLogger().addAppender(c, Level.ALL, null);
            ctx.updateLoggers();
            Configurator.setLevel("org.canvaslake", Level.DEBUG);
            System.setOut(new PrintStream(new Tee(c.out, c.printed), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Tee(c.err, c.printed), true, StandardCharsets.UTF_8));
            return c;
        }

        @Override
        public void append(LogEvent event) {
            StringBuilder b = new StringBuilder(event.getLoggerName()).append(": ")
                    .append(event.getMessage().getFormattedMessage());
            if (event.getThrown() != null) {
                StringWriter w = new StringWriter();
                event.getThrown().printStackTrace(new PrintWriter(w));
                b.append('\n').append(w);
            }
            lines.add(b.toString());
        }

        String text() {
            synchronized (lines) {
                return String.join("\n", lines) + "\n" + printed.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            System.setOut(out);
            System.setErr(err);
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            ctx.getConfiguration().getRootLogger().removeAppender(getName());
            ctx.updateLoggers();
            Configurator.setLevel("org.canvaslake", ours);
            stop();
        }
    }

    /** Writes to the console and to the capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
