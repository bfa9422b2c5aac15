package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.report.ReportJob;
import org.canvaslake.sandbox.Institution;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

@ExtendWith(SparkTest.class)
class ProductJobTest {

    private static final Instant T0 = Institution.EPOCH;
    private static final Instant T1 = Institution.EPOCH.plus(Duration.ofDays(7));
    private static final String KEY = "0123456789abcdef-test-key";

    private final SparkSession spark;
    private Lake lake;
    private LakeInputs inputs;
    private final Institution v0 = Institution.generate(7, Institution.Size.TEST);

    ProductJobTest(SparkSession spark) {
        this.spark = spark;
    }

    @BeforeEach
    void lake(@TempDir Path dir) {
        lake = Lake.at(dir.toString());
        inputs = new LakeInputs(spark, lake);
    }

    @Test
    void joinsGlobalIdsToLocalIdsKeepsUnknownUsersAndDescribesEveryColumn() throws Exception {
        Institution.User user = v0.users().get(3);
        Institution.Assignment assignment = v0.assignments().get(5);
        Institution.Course course = course(v0, assignment.courseId());
        inputs.writeRest(v0, T0);
        inputs.appendEvents(List.of(
                LakeInputs.event("e1", "asset_accessed", T0.plusSeconds(3600), user.id(), course.id(), null),
                // submission_created names only the assignment: the course comes from the assignment
                LakeInputs.event("e2", "submission_created", T0.plusSeconds(7200), user.id(), null, assignment.id()),
                LakeInputs.event("stranger", "logged_in", T0.plusSeconds(120), 987_654L, null, null),
                LakeInputs.event("nobody", "logged_in", T0.plusSeconds(180), null, null, null)));
        spark.sql("DROP TABLE IF EXISTS product.learning_events");

        RunReport report = run();

        Map<String, Row> rows = byId(product());
        assertThat(rows).containsOnlyKeys("e1", "e2", "stranger", "nobody");
        Row e1 = rows.get("e1");
        assertThat(e1.<String>getAs("user_global_id")).isEqualTo(String.valueOf(Institution.globalId(user.id())));
        assertThat(e1.<Long>getAs("user_local_id")).isEqualTo(user.id());
        assertThat(e1.<Boolean>getAs("user_known")).isTrue();
        assertThat(e1.<String>getAs("user_name")).isEqualTo(user.name());
        assertThat(e1.<String>getAs("user_login_id")).isEqualTo(user.loginId());
        assertThat(e1.<String>getAs("user_email")).isEqualTo(user.email());
        assertThat(e1.<String>getAs("course_name")).isEqualTo(course.name());
        assertThat(e1.<String>getAs("course_code")).isEqualTo(course.courseCode());
        assertThat(e1.<Boolean>getAs("assignment_known")).isNull();
        Row e2 = rows.get("e2");
        assertThat(e2.<String>getAs("assignment_name")).isEqualTo(assignment.name());
        assertThat(e2.<Long>getAs("assignment_local_id")).isEqualTo(assignment.id());
        assertThat(e2.<String>getAs("assignment_global_id"))
                .isEqualTo(String.valueOf(Institution.globalId(assignment.id())));
        assertThat(e2.<Long>getAs("course_local_id")).isEqualTo(course.id());
        assertThat(e2.<String>getAs("course_global_id")).isEqualTo(String.valueOf(Institution.globalId(course.id())));
        assertThat(e2.<String>getAs("course_name")).isEqualTo(course.name());
        assertThat(e2.<Boolean>getAs("submission_late")).isFalse();
        assertThat(e2.<String>getAs("entity_source")).isEqualTo("rest");
        Row stranger = rows.get("stranger");
        assertThat(stranger.<Boolean>getAs("user_known")).isFalse();
        assertThat(stranger.<Long>getAs("user_local_id")).isEqualTo(987_654L);
        assertThat(stranger.<String>getAs("user_name")).isNull();
        assertThat(rows.get("nobody").<Boolean>getAs("user_known")).isNull();
        assertThat(report.tableCount(ProductSchema.TABLE, "user_referenced")).isEqualTo(3);
        assertThat(report.tableCount(ProductSchema.TABLE, "user_unmatched")).isEqualTo(1);
        assertThat(report.tableCount(ProductSchema.TABLE, "course_referenced")).isEqualTo(2);
        assertThat(report.tableCount(ProductSchema.TABLE, "course_unmatched")).isZero();

        // partitioned by event date, every column commented, findable by name in the catalog
        Row detail = DeltaTable.forPath(spark, lake.table(ProductSchema.TABLE)).detail().first();
        assertThat(detail.<scala.collection.Seq<String>>getAs("partitionColumns").mkString(","))
                .isEqualTo("event_date");
        Map<String, String> comments = new HashMap<>();
        for (StructField f : product().schema().fields()) {
            comments.put(f.name(), f.getComment().isDefined() ? f.getComment().get() : null);
        }
        assertThat(comments.keySet()).containsExactlyInAnyOrderElementsOf(ProductSchema.names());
        assertThat(comments.values()).allMatch(c -> c != null && c.length() > 10);
        assertThat(spark.sql("SELECT count(*) FROM product.learning_events").first().getLong(0)).isEqualTo(4);

        // the pipeline report page reads the same lake: runs, rows, unmatched share
        RunReport rendered = RunReport.start("report");
        String page = ReportJob.write(spark, lake, lake.resolve(ReportJob.FOLDER), rendered);
        String html = Files.readString(Path.of(java.net.URI.create(page)));
        assertThat(html).contains("product.learning_events").contains("33.3% (1 of 3)").contains("logged_in");
        assertThat(rendered.tableCount(ProductSchema.TABLE, "rows")).isEqualTo(4);
    }

    @Test
    void courseRenamedBetweenSnapshotsHasTheNameOfItsTimeOnEachSide() {
        Institution v1 = v0.evolve(1);
        Institution.Course before = v0.courses().stream()
                .filter(c -> !course(v1, c.id()).name().equals(c.name())).findFirst().orElseThrow();
        Institution.Course after = course(v1, before.id());
        inputs.writeRest(v1, T1);
        inputs.writeRestHistory(List.of(v0, v1), List.of(T0, T1));
        inputs.appendEvents(List.of(
                LakeInputs.event("early", "asset_accessed", T0.minus(Duration.ofDays(2)), null, before.id(), null),
                LakeInputs.event("before", "asset_accessed", T1.minusSeconds(1), null, before.id(), null),
                LakeInputs.event("at", "asset_accessed", T1, null, before.id(), null),
                LakeInputs.event("after", "asset_accessed", T1.plus(Duration.ofDays(3)), null, before.id(), null)));

        RunReport report = run();

        Map<String, Row> rows = byId(product());
        assertThat(after.name()).isNotEqualTo(before.name());
        assertThat(rows.get("early").<String>getAs("course_name")).isEqualTo(before.name());
        assertThat(rows.get("before").<String>getAs("course_name")).isEqualTo(before.name());
        assertThat(rows.get("at").<String>getAs("course_name")).isEqualTo(after.name());
        assertThat(rows.get("after").<String>getAs("course_name")).isEqualTo(after.name());
        assertThat(report.notes()).anyMatch(n -> n.contains("canvas.courses_history (history, point in time)"));
    }

    @Test
    void incrementalRunsEqualAFullRebuildAndARerunChangesNothing() {
        inputs.writeRest(v0, T0);
        List<Row> first = new ArrayList<>();
        List<Row> second = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Institution.User u = v0.users().get(i % v0.users().size());
            Institution.Assignment a = v0.assignments().get(i % v0.assignments().size());
            Row e = LakeInputs.event("ev" + i, i % 3 == 0 ? "submission_created" : "asset_accessed",
                    T0.plus(Duration.ofHours(5L * i)), u.id(), a.courseId(), a.id());
            (i < 7 ? first : second).add(e);
        }
        second.add(LakeInputs.event("ghost", "logged_in", T0.plusSeconds(5), 55_555L, null, null));
        inputs.appendEvents(first);
        RunReport r1 = run();
        assertThat(r1.notes()).anyMatch(n -> n.contains("full rebuild") && n.contains("first run"));

        inputs.appendEvents(second);
        DeltaTable.forPath(spark, lake.table("events.live_stream")).delete("event_id = 'ev1'");
        RunReport r2 = run();
        assertThat(r2.notes()).anyMatch(n -> n.startsWith("incremental:"));
        assertThat(r2.tableCount(ProductSchema.TABLE, "inserted")).isEqualTo(second.size());
        assertThat(r2.tableCount(ProductSchema.TABLE, "deleted")).isEqualTo(1);
        List<String> incremental = canonical(product());

        long versionBefore = DeltaChanges.currentVersion(spark, lake.table(ProductSchema.TABLE));
        RunReport r3 = run();
        assertThat(r3.tableCount(ProductSchema.TABLE, "inserted")).isZero();
        assertThat(r3.tableCount(ProductSchema.TABLE, "updated")).isZero();
        assertThat(r3.tableCount(ProductSchema.TABLE, "deleted")).isZero();
        assertThat(canonical(product())).isEqualTo(incremental);
        List<String> operations = DeltaTable.forPath(spark, lake.table(ProductSchema.TABLE)).history()
                .where(col("version").gt(versionBefore)).select("operationMetrics").collectAsList().stream()
                .map(r -> r.getJavaMap(0).toString()).toList();
        assertThat(operations).allMatch(m -> !m.contains("numTargetRowsInserted=1")
                && !m.contains("numTargetRowsUpdated=1"));

        run("--full");
        assertThat(canonical(product())).isEqualTo(incremental);
        assertThat(incremental).hasSize(first.size() + second.size() - 1);
    }

    @Test
    void eventsWhoseUserArrivesLaterAreJoinedAgain() {
        Institution v1 = v0.evolve(1);
        Institution.User newcomer = v1.users().get(v1.users().size() - 1);
        assertThat(v0.users()).noneMatch(u -> u.id() == newcomer.id());
        inputs.writeRest(v0, T0);
        Instant recent = Instant.now().minus(Duration.ofDays(1));
        inputs.appendEvents(List.of(LakeInputs.event("new", "logged_in", recent, newcomer.id(), null, null)));
        run();
        assertThat(byId(product()).get("new").<Boolean>getAs("user_known")).isFalse();

        inputs.writeRest(v1, T1);
        RunReport later = run();

        assertThat(byId(product()).get("new").<String>getAs("user_name")).isEqualTo(newcomer.name());
        assertThat(later.tableCount(ProductSchema.TABLE, "updated")).isEqualTo(1);
    }

    @Test
    void pseudonymisationLeavesNoNameLoginEmailOrIdInAnyColumn() {
        inputs.writeRest(v0, T0);
        List<Row> events = new ArrayList<>();
        for (int i = 0; i < v0.users().size(); i++) {
            Institution.User u = v0.users().get(i);
            events.add(LakeInputs.event("p" + i, "asset_accessed", T0.plus(Duration.ofMinutes(i)), u.id(),
                    v0.courses().get(i % v0.courses().size()).id(), null));
        }
        inputs.appendEvents(events);

        RunReport report = run("--pseudonymize", "user", "--pseudonymize-key", KEY);

        Dataset<Row> table = product();
        Set<String> secrets = new TreeSet<>();
        for (Institution.User u : v0.users()) {
            secrets.addAll(List.of(u.name(), u.sortableName(), u.loginId(), u.email(), u.sisUserId(),
                    String.valueOf(Institution.globalId(u.id()))));
        }
        Set<Long> localIds = v0.users().stream().map(Institution.User::id).collect(Collectors.toSet());
        List<String> leaks = new ArrayList<>();
        for (Row row : table.collectAsList()) {
            for (StructField f : table.schema().fields()) {
                Object v = row.getAs(f.name());
                if (v instanceof String s && secrets.stream().anyMatch(s::contains)) {
                    leaks.add(f.name() + "=" + s);
                }
                if (f.name().startsWith("user_") && v instanceof Long l && localIds.contains(l)) {
                    leaks.add(f.name() + "=" + l);
                }
            }
        }
        assertThat(leaks).isEmpty();
        Pseudonymizer p = Pseudonymizer.withKey(new org.canvaslake.common.secrets.Secret(KEY));
        Row first = byId(table).get("p0");
        String pseudonym = p.pseudonym(String.valueOf(Institution.globalId(v0.users().get(0).id())));
        assertThat(first.<String>getAs("user_global_id")).isEqualTo(pseudonym).startsWith("u_").hasSize(34);
        assertThat(first.<String>getAs("user_name")).isEqualTo(pseudonym);
        assertThat(first.<String>getAs("course_name")).isEqualTo(v0.courses().get(0).name());
        assertThat(report.toText()).doesNotContain(KEY);

        // the same key gives the same pseudonyms; switching it off rebuilds with real names
        RunReport plain = run();
        assertThat(plain.notes()).anyMatch(n -> n.contains("pseudonymisation changed from user to none"));
        assertThat(byId(product()).get("p0").<String>getAs("user_name")).isEqualTo(v0.users().get(0).name());
    }

    @Test
    void pseudonymisationWithoutAKeyIsAUsageError() {
        inputs.appendEvents(List.of(LakeInputs.event("x", "logged_in", T0, 100L, null, null)));
        assertThatThrownBy(() -> run("--pseudonymize", "user"))
                .isInstanceOf(UsageException.class).hasMessageContaining("CANVASLAKE_PSEUDONYMIZE_KEY");
        assertThatThrownBy(() -> run("--pseudonymize", "user", "--pseudonymize-key", "short"))
                .isInstanceOf(UsageException.class).hasMessageContaining("at least 16");
    }

    @Test
    void prefersCd2WhenBothSourcesExistAndHonoursAnExplicitChoice() {
        Institution.User user = v0.users().get(1);
        inputs.writeRest(v0, T0);
        inputs.writeCd2(v0, T0, " [cd2]");
        inputs.appendEvents(List.of(LakeInputs.event("e", "logged_in", T0.plusSeconds(9), user.id(), null, null)));

        RunReport auto = run();
        Row row = byId(product()).get("e");
        assertThat(row.<String>getAs("entity_source")).isEqualTo("cd2");
        assertThat(row.<String>getAs("user_name")).isEqualTo(user.name() + " [cd2]");
        assertThat(row.<String>getAs("user_login_id")).isEqualTo(user.loginId());
        assertThat(auto.notes()).anyMatch(n -> n.contains("both CD2 and REST tables exist, CD2 is preferred"));

        RunReport rest = run("--entities", "rest");
        assertThat(rest.notes()).anyMatch(n -> n.contains("entity source changed from cd2 to rest"));
        assertThat(byId(product()).get("e").<String>getAs("user_name")).isEqualTo(user.name());
    }

    @Test
    void explicitSourceThatIsMissingIsAUsageErrorAndNoSourceStillBuilds() {
        inputs.appendEvents(List.of(LakeInputs.event("e", "logged_in", T0, 100L, 200L, null)));
        assertThatThrownBy(() -> run("--entities", "cd2"))
                .isInstanceOf(UsageException.class).hasMessageContaining("cd2.users").hasMessageContaining("dap");

        RunReport none = run();
        Row row = byId(product()).get("e");
        assertThat(row.<String>getAs("entity_source")).isEqualTo("none");
        assertThat(row.<Boolean>getAs("user_known")).isFalse();
        assertThat(none.tableCount(ProductSchema.TABLE, "course_unmatched")).isEqualTo(1);
        assertThat(none.notes()).anyMatch(n -> n.contains("no entity tables"));
    }

    // --- helpers

    private RunReport run(String... args) {
        ProductJob job = new ProductJob();
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--lake", lake.root()));
        Options options = Options.parse(job.spec(), all, name -> null,
                new SecretResolver(n -> null, n -> null, n -> null));
        RunReport report = job.runWith(spark, options, RunReport.start("product"));
        assertThat(report.failures()).as(report.toText()).isEmpty();
        return report;
    }

    private Dataset<Row> product() {
        return DeltaTables.read(spark, lake.table(ProductSchema.TABLE));
    }

    private static Map<String, Row> byId(Dataset<Row> rows) {
        Map<String, Row> out = new HashMap<>();
        rows.collectAsList().forEach(r -> out.put(r.getAs("event_id"), r));
        return out;
    }

    private static List<String> canonical(Dataset<Row> rows) {
        return rows.select(ProductSchema.names().stream().map(c -> col(c)).toArray(org.apache.spark.sql.Column[]::new))
                .collectAsList().stream().map(Row::toString).sorted().toList();
    }

    private static Institution.Course course(Institution inst, long id) {
        return inst.courses().stream().filter(c -> c.id() == id).findFirst().orElseThrow();
    }
}
