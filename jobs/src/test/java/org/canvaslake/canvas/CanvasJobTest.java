package org.canvaslake.canvas;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.io.FileTrees;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.testing.SparkTest;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;

/**
 * The whole job against the fake Canvas, into a Delta lake: a first snapshot, the same snapshot again, a later
 * snapshot with changes and deletions; then a rebuild of the same lake from the raw pages alone.
 */
class CanvasJobTest {

    private static final Institution V0 = Institution.generate(11, Institution.Size.TEST);
    private static final Institution V1 = V0.evolve(1);

    @TempDir
    static Path lake;
    @TempDir
    static Path rebuilt;

    private static SparkSession spark;
    private static FakeCanvasServer fake;
    private static RunReport first;
    private static RunReport second;
    private static RunReport third;
    private static Map<String, Long> versionsAfterFirst;
    private static Map<String, Long> versionsAfterSecond;
    private static List<String> firstSnapshotRows;
    private static List<String> secondSnapshotRows;

    @BeforeAll
    static void threeSnapshots() {
        spark = SparkTest.session();
        fake = FakeCanvasServer.start(V0);
        first = run(lake);
        versionsAfterFirst = versions(lake);
        firstSnapshotRows = contents(lake, CanvasEntity.COURSES.historyTable());
        second = run(lake);
        versionsAfterSecond = versions(lake);
        secondSnapshotRows = contents(lake, CanvasEntity.COURSES.historyTable());
        fake.setSnapshot(V1);
        third = run(lake);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @Test
    void theFirstRunInsertsEveryObjectWithTheAgreedColumns() {
        assertThat(first.failures()).isEmpty();
        for (CanvasEntity e : CanvasEntity.values()) {
            long n = ids(V0, e).size();
            assertThat(first.tableCount(e.table(), "fetched")).as(e + " fetched").isEqualTo(n);
            assertThat(first.tableCount(e.table(), "inserted")).as(e + " inserted").isEqualTo(n);
            assertThat(first.tableCount(e.table(), "pages")).as(e + " pages").isPositive();
            assertThat(first.tableCount(e.table(), "requests")).as(e + " requests")
                    .isGreaterThanOrEqualTo(first.tableCount(e.table(), "pages"));
        }
        assertThat(first.tableCount("canvas.users", "pages")).isEqualTo((V0.users().size() + 6) / 7);

        assertColumns(CanvasEntity.USERS, Map.of("user_id", DataTypes.LongType, "user_id_str", DataTypes.StringType,
                "user_name", DataTypes.StringType, "user_sortable_name", DataTypes.StringType,
                "user_short_name", DataTypes.StringType, "user_login_id", DataTypes.StringType,
                "user_email", DataTypes.StringType, "user_sis_id", DataTypes.StringType,
                "user_created_at", DataTypes.TimestampType));
        assertColumns(CanvasEntity.COURSES, Map.ofEntries(Map.entry("course_id", DataTypes.LongType),
                Map.entry("course_id_str", DataTypes.StringType), Map.entry("course_name", DataTypes.StringType),
                Map.entry("course_code", DataTypes.StringType), Map.entry("course_workflow_state", DataTypes.StringType),
                Map.entry("course_account_id", DataTypes.LongType), Map.entry("course_term_id", DataTypes.LongType),
                Map.entry("course_sis_id", DataTypes.StringType), Map.entry("course_start_at", DataTypes.TimestampType),
                Map.entry("course_end_at", DataTypes.TimestampType),
                Map.entry("course_created_at", DataTypes.TimestampType)));
        assertColumns(CanvasEntity.ASSIGNMENTS, Map.ofEntries(Map.entry("assignment_id", DataTypes.LongType),
                Map.entry("assignment_id_str", DataTypes.StringType),
                Map.entry("assignment_course_id", DataTypes.LongType),
                Map.entry("assignment_name", DataTypes.StringType),
                Map.entry("assignment_due_at", DataTypes.TimestampType),
                Map.entry("assignment_points_possible", DataTypes.DoubleType),
                Map.entry("assignment_submission_types", DataTypes.StringType),
                Map.entry("assignment_workflow_state", DataTypes.StringType),
                Map.entry("assignment_created_at", DataTypes.TimestampType),
                Map.entry("assignment_updated_at", DataTypes.TimestampType)));
        assertColumns(CanvasEntity.ENROLLMENTS, Map.of("enrollment_id", DataTypes.LongType,
                "enrollment_user_id", DataTypes.LongType, "enrollment_course_id", DataTypes.LongType,
                "enrollment_type", DataTypes.StringType, "enrollment_role", DataTypes.StringType,
                "enrollment_state", DataTypes.StringType, "enrollment_created_at", DataTypes.TimestampType,
                "enrollment_updated_at", DataTypes.TimestampType));

        Institution.Assignment a = V0.assignments().get(0);
        Row row = latest(lake, CanvasEntity.ASSIGNMENTS).where(col("assignment_id").equalTo(a.id())).first();
        assertThat(row.<String>getAs("assignment_name")).isEqualTo(a.name());
        assertThat(row.<java.sql.Timestamp>getAs("assignment_due_at").toInstant()).isEqualTo(a.dueAt());
        assertThat(row.<String>getAs("assignment_submission_types")).isEqualTo(a.submissionTypes());
        Institution.Course c = V0.courses().get(0);
        Row course = latest(lake, CanvasEntity.COURSES).where(col("course_id").equalTo(c.id())).first();
        // Canvas sent "-06:00" times; the table holds the same instant in UTC
        assertThat(course.<java.sql.Timestamp>getAs("course_start_at").toInstant()).isEqualTo(c.startAt());
    }

    @Test
    void anIdenticalSecondRunReportsEverythingUnchangedAndCommitsNothing() {
        assertThat(second.failures()).isEmpty();
        for (CanvasEntity e : CanvasEntity.values()) {
            long n = ids(V0, e).size();
            assertThat(second.tableCount(e.table(), "unchanged")).as(e + " unchanged").isEqualTo(n);
            assertThat(second.tableCount(e.table(), "inserted") + second.tableCount(e.table(), "updated")
                    + second.tableCount(e.table(), "deleted")).as(e + " changes").isZero();
        }
        assertThat(versionsAfterSecond).isEqualTo(versionsAfterFirst).hasSize(8);
        assertThat(secondSnapshotRows).isEqualTo(firstSnapshotRows);
        // the second run still kept its own raw snapshot
        assertThat(rawRuns(lake, CanvasEntity.USERS)).hasSize(3);
    }

    @Test
    void aLaterSnapshotCountsItsChangesAndDeletionsAndKeepsThemInTheHistory() {
        assertThat(third.failures()).isEmpty();
        for (CanvasEntity e : CanvasEntity.values()) {
            Map<Long, Object> before = ids(V0, e);
            Map<Long, Object> after = ids(V1, e);
            long inserted = after.keySet().stream().filter(id -> !before.containsKey(id)).count();
            long deleted = before.keySet().stream().filter(id -> !after.containsKey(id)).count();
            long updated = after.keySet().stream().filter(id -> before.containsKey(id)
                    && !Objects.equals(before.get(id), after.get(id))).count();
            assertThat(third.tableCount(e.table(), "inserted")).as(e + " inserted").isEqualTo(inserted);
            assertThat(third.tableCount(e.table(), "updated")).as(e + " updated").isEqualTo(updated);
            assertThat(third.tableCount(e.table(), "deleted")).as(e + " deleted").isEqualTo(deleted);
            assertThat(third.tableCount(e.table(), "unchanged")).as(e + " unchanged")
                    .isEqualTo(before.size() - deleted - updated);
        }
        Instant t1 = snapshotTime(first);
        Instant t3 = snapshotTime(third);

        // the renamed course: old version closed at the third snapshot, new one current
        Institution.Course renamed = V1.courses().stream().filter(c -> c.name().contains("(renamed v1)")).findFirst()
                .orElseThrow();
        List<Row> courseVersions = history(lake, CanvasEntity.COURSES).where(col("course_id").equalTo(renamed.id()))
                .orderBy(CanvasEntity.VALID_FROM).collectAsList();
        assertThat(courseVersions).hasSize(2);
        assertVersion(courseVersions.get(0), t1, t3, false, false);
        assertThat(courseVersions.get(0).<String>getAs("course_name")).doesNotContain("renamed");
        assertVersion(courseVersions.get(1), t3, null, true, false);
        assertThat(courseVersions.get(1).<String>getAs("course_name")).isEqualTo(renamed.name());

        // a deleted assignment: closed, then a deleted version; the latest table keeps it, flagged
        long gone = V0.assignments().stream().map(Institution.Assignment::id)
                .filter(id -> V1.assignments().stream().noneMatch(a -> a.id() == id)).findFirst().orElseThrow();
        List<Row> assignmentVersions = history(lake, CanvasEntity.ASSIGNMENTS).where(col("assignment_id").equalTo(gone))
                .orderBy(CanvasEntity.VALID_FROM).collectAsList();
        assertThat(assignmentVersions).hasSize(2);
        assertVersion(assignmentVersions.get(0), t1, t3, false, false);
        assertVersion(assignmentVersions.get(1), t3, null, true, true);
        Row flagged = latest(lake, CanvasEntity.ASSIGNMENTS).where(col("assignment_id").equalTo(gone)).first();
        assertThat(flagged.<Boolean>getAs(CanvasEntity.IS_DELETED)).isTrue();
        assertThat(flagged.<java.sql.Timestamp>getAs(CanvasEntity.SNAPSHOT_AT).toInstant()).isEqualTo(t3);

        // the latest tables hold every id ever seen, one row each, and agree with the history's current versions
        for (CanvasEntity e : CanvasEntity.values()) {
            Map<Long, Object> ever = new HashMap<>(ids(V0, e));
            ever.putAll(ids(V1, e));
            Dataset<Row> latest = latest(lake, e);
            assertThat(latest.count()).as(e + " latest rows").isEqualTo(ever.size());
            assertThat(latest.where(col(CanvasEntity.IS_DELETED)).count()).as(e + " flagged deleted")
                    .isEqualTo(third.tableCount(e.table(), "deleted"));
            assertThat(history(lake, e).where(col(CanvasEntity.IS_CURRENT)).count()).isEqualTo(ever.size());
        }
    }

    @Test
    void aRebuildFromTheRawSnapshotsEqualsTheApiRuns() throws IOException {
        FileTrees.copy(lake.resolve("raw"), rebuilt.resolve("raw"));
        // the second snapshot equals the first and changed nothing; replaying the first and the third is enough
        for (RunReport api : List.of(first, third)) {
            String dt = snapshotTime(api).atZone(ZoneOffset.UTC).toLocalDate().toString();
            RunReport replay = run(rebuilt, "--from-raw", "dt=" + dt + "/run=" + api.runId());
            assertThat(replay.failures()).isEmpty();
            for (CanvasEntity e : CanvasEntity.values()) {
                for (String metric : List.of("fetched", "inserted", "updated", "deleted", "unchanged")) {
                    assertThat(replay.tableCount(e.table(), metric)).as(e + " " + metric)
                            .isEqualTo(api.tableCount(e.table(), metric));
                }
            }
        }
        for (CanvasEntity e : CanvasEntity.values()) {
            assertThat(contents(rebuilt, e.table())).as(e.table()).isEqualTo(contents(lake, e.table()));
            assertThat(contents(rebuilt, e.historyTable())).as(e.historyTable())
                    .isEqualTo(contents(lake, e.historyTable()));
        }
    }

    @Test
    void aRebuildMissingOneEntitysSnapshotFailsThatEntityAloneAndRebuildsTheOthers(@TempDir Path partial)
            throws IOException {
        FileTrees.copy(lake.resolve("raw"), partial.resolve("raw"));
        String dt = snapshotTime(first).atZone(ZoneOffset.UTC).toLocalDate().toString();
        String run = "dt=" + dt + "/run=" + first.runId();
        // the users' pages of the first run are there, their manifest is not: as after a run cut short
        Files.delete(partial.resolve("raw/canvas_api/users/" + run + "/" + RawManifest.FILE));

        RunReport replay = run(partial, "--from-raw", run, "--entities", "users,courses");

        assertThat(replay.exitCode()).isEqualTo(1);
        assertThat(replay.failures()).singleElement().satisfies(f -> {
            assertThat(f.unit()).isEqualTo("canvas.users");
            assertThat(f.message()).contains("No finished raw snapshot of users", RawManifest.FILE);
        });
        assertThat(DeltaTables.exists(spark, Lake.at(partial.toString()).table("canvas.users"))).isFalse();
        assertThat(replay.tableCount("canvas.courses", "inserted"))
                .isEqualTo(first.tableCount("canvas.courses", "inserted")).isPositive();
        assertThat(contents(partial, CanvasEntity.COURSES.historyTable())).isEqualTo(firstSnapshotRows);
    }

    @Test
    void aCourseThatFailsIsReportedItsRowsAreKeptAndTheRestIsApplied(@TempDir Path failing) {
        // a course whose assignments do not change from V0 to V1: all it can show is the failure
        long course = V0.courses().stream().map(Institution.Course::id)
                .filter(id -> sameIn(V0, V1, CanvasEntity.ASSIGNMENTS, id)).findFirst().orElseThrow();
        try (FakeCanvasServer canvas = FakeCanvasServer.start(V0)) {
            RunReport before = run(failing, canvas, "--entities", "assignments");
            canvas.setSnapshot(V1);
            canvas.failCourse(course);
            RunReport after = run(failing, canvas, "--entities", "assignments");

            assertThat(before.exitCode()).isZero();
            assertThat(after.exitCode()).isEqualTo(1);
            // one entity of four: the report page keeps this run apart from the other entities' runs
            assertThat(after.toJson().path(RunReport.SCOPE).asText()).isEqualTo("assignments");
            assertThat(after.failures()).extracting(RunReport.Failure::unit)
                    .containsExactly("canvas.assignments course " + course);
            assertThat(after.failures().get(0).message()).contains("404");
            for (CanvasEntity e : List.of(CanvasEntity.ASSIGNMENTS)) {
                Map<Long, Object> v0 = ids(V0, e);
                Map<Long, Object> v1 = ids(V1, e);
                long ofCourse = v0.values().stream().filter(o -> courseOf(o) == course).count();
                assertThat(after.tableCount(e.table(), "kept_failed_course")).as(e + " kept").isEqualTo(ofCourse);
                assertThat(after.tableCount(e.table(), "deleted")).as(e + " deleted")
                        .isEqualTo(v0.keySet().stream().filter(id -> !v1.containsKey(id)).count());
                assertThat(after.tableCount(e.table(), "inserted")).as(e + " inserted")
                        .isEqualTo(v1.keySet().stream().filter(id -> !v0.containsKey(id)).count());
                Dataset<Row> kept = latest(failing, e).where(col(e.courseColumn()).equalTo(course));
                assertThat(kept.count()).isEqualTo(ofCourse);
                assertThat(kept.where(col(CanvasEntity.IS_DELETED)).count()).as(e + " of the failed course deleted")
                        .isZero();
                assertThat(history(failing, e).where(col(e.courseColumn()).equalTo(course)).count()).isEqualTo(ofCourse);
            }
            assertThat(DeltaTables.exists(spark, Lake.at(failing.toString()).table("canvas.users"))).isFalse();
        }
    }

    private static boolean sameIn(Institution a, Institution b, CanvasEntity e, long course) {
        List<Object> left = ids(a, e).values().stream().filter(o -> courseOf(o) == course).toList();
        List<Object> right = ids(b, e).values().stream().filter(o -> courseOf(o) == course).toList();
        return !left.isEmpty() && left.equals(right);
    }

    private static long courseOf(Object o) {
        if (o instanceof Institution.Assignment a) {
            return a.courseId();
        }
        return ((Institution.Enrollment) o).courseId();
    }

    private static RunReport run(Path into, String... extra) {
        return run(into, fake, extra);
    }

    private static RunReport run(Path into, FakeCanvasServer canvas, String... extra) {
        CanvasJob job = new CanvasJob();
        List<String> args = new ArrayList<>(List.of("--lake", into.toString(), "--canvas-url", canvas.baseUrl(),
                "--canvas-token", canvas.token(), "--per-page", "7", "--concurrency", "3",
                "--max-requests-per-second", "500"));
        args.addAll(List.of(extra));
        Options options = Options.parse(job.spec(), args);
        return job.runWith(spark, options, job.runReport(options));
    }

    private static Instant snapshotTime(RunReport report) {
        return report.startedAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    private static void assertVersion(Row r, Instant from, Instant to, boolean current, boolean deleted) {
        assertThat(r.<java.sql.Timestamp>getAs(CanvasEntity.VALID_FROM).toInstant()).isEqualTo(from);
        java.sql.Timestamp end = r.getAs(CanvasEntity.VALID_TO);
        assertThat(end == null ? null : end.toInstant()).isEqualTo(to);
        assertThat(r.<Boolean>getAs(CanvasEntity.IS_CURRENT)).isEqualTo(current);
        assertThat(r.<Boolean>getAs(CanvasEntity.IS_DELETED)).isEqualTo(deleted);
    }

    private static void assertColumns(CanvasEntity e, Map<String, DataType> required) {
        StructType latest = latest(lake, e).schema();
        StructType history = history(lake, e).schema();
        required.forEach((name, type) -> {
            assertThat(latest.apply(name).dataType()).as(e.table() + "." + name).isEqualTo(type);
            assertThat(history.apply(name).dataType()).as(e.historyTable() + "." + name).isEqualTo(type);
        });
        assertThat(latest.apply(CanvasEntity.IS_DELETED).dataType()).isEqualTo(DataTypes.BooleanType);
        assertThat(latest.apply(CanvasEntity.SNAPSHOT_AT).dataType()).isEqualTo(DataTypes.TimestampType);
        assertThat(history.apply(CanvasEntity.VALID_FROM).dataType()).isEqualTo(DataTypes.TimestampType);
        assertThat(history.apply(CanvasEntity.VALID_TO).dataType()).isEqualTo(DataTypes.TimestampType);
        assertThat(history.apply(CanvasEntity.IS_CURRENT).dataType()).isEqualTo(DataTypes.BooleanType);
    }

    /** The sandbox's objects of an entity by id (the records compare equal exactly when nothing changed). */
    static Map<Long, Object> ids(Institution institution, CanvasEntity entity) {
        Map<Long, Object> out = new LinkedHashMap<>();
        switch (entity) {
            case USERS -> institution.users().forEach(u -> out.put(u.id(), u));
            case COURSES -> institution.courses().forEach(c -> out.put(c.id(), c));
            case ASSIGNMENTS -> institution.assignments().forEach(a -> out.put(a.id(), a));
            case ENROLLMENTS -> institution.enrollments().forEach(x -> out.put(x.id(), x));
            default -> throw new IllegalArgumentException(entity.name());
        }
        return out;
    }

    private static Dataset<Row> latest(Path lakeDir, CanvasEntity e) {
        return DeltaTables.read(spark, Lake.at(lakeDir.toString()).table(e.table()));
    }

    private static Dataset<Row> history(Path lakeDir, CanvasEntity e) {
        return DeltaTables.read(spark, Lake.at(lakeDir.toString()).table(e.historyTable()));
    }

    /** Every row of a table as text, sorted: equal lists mean equal tables. */
    private static List<String> contents(Path lakeDir, String table) {
        Dataset<Row> rows = DeltaTables.read(spark, Lake.at(lakeDir.toString()).table(table));
        Function<Row, String> text = Row::toString;
        return rows.collectAsList().stream().map(text).sorted().toList();
    }

    private static Map<String, Long> versions(Path lakeDir) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (CanvasEntity e : CanvasEntity.values()) {
            for (String t : List.of(e.table(), e.historyTable())) {
                out.put(t, DeltaTable.forPath(spark, Lake.at(lakeDir.toString()).table(t)).history(1)
                        .select("version").first().getLong(0));
            }
        }
        return out;
    }

    private static List<Path> rawRuns(Path lakeDir, CanvasEntity e) {
        try (Stream<Path> runs = Files.walk(lakeDir.resolve("raw/canvas_api/" + e.folder()), 2)) {
            return runs.filter(p -> p.getFileName().toString().startsWith("run=")).toList();
        } catch (IOException x) {
            throw new IllegalStateException(x);
        }
    }
}
