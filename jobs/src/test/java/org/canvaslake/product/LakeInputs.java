package org.canvaslake.product;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.sandbox.Institution;

/**
 * Small input tables for product tests, in exactly the column contracts the events, canvas and dap jobs write:
 * {@code events.live_stream} with global ids as strings, {@code canvas.*} (and {@code *_history}) and
 * {@code cd2.*} with local numeric ids.
 */
final class LakeInputs {

    static final StructType LIVE_STREAM = new StructType()
            .add("event_id", DataTypes.StringType)
            .add("event_name", DataTypes.StringType)
            .add("format", DataTypes.StringType)
            .add("event_time", DataTypes.TimestampType)
            .add("event_time_raw", DataTypes.StringType)
            .add("received_at", DataTypes.TimestampType)
            .add("user_id", DataTypes.StringType)
            .add("user_local_id", DataTypes.LongType)
            .add("context_type", DataTypes.StringType)
            .add("context_id", DataTypes.StringType)
            .add("context_local_id", DataTypes.LongType)
            .add("course_id", DataTypes.StringType)
            .add("course_local_id", DataTypes.LongType)
            .add("assignment_id", DataTypes.StringType)
            .add("assignment_local_id", DataTypes.LongType)
            .add("root_account_id", DataTypes.StringType)
            .add("event_json", DataTypes.StringType)
            .add("source_object", DataTypes.StringType)
            .add("dt", DataTypes.DateType);

    static final StructType USERS = new StructType()
            .add("user_id", DataTypes.LongType).add("user_id_str", DataTypes.StringType)
            .add("user_name", DataTypes.StringType).add("user_sortable_name", DataTypes.StringType)
            .add("user_short_name", DataTypes.StringType).add("user_login_id", DataTypes.StringType)
            .add("user_email", DataTypes.StringType).add("user_sis_id", DataTypes.StringType)
            .add("user_created_at", DataTypes.TimestampType).add("is_deleted", DataTypes.BooleanType)
            .add("snapshot_at", DataTypes.TimestampType);

    static final StructType COURSES = new StructType()
            .add("course_id", DataTypes.LongType).add("course_id_str", DataTypes.StringType)
            .add("course_name", DataTypes.StringType).add("course_code", DataTypes.StringType)
            .add("course_workflow_state", DataTypes.StringType).add("course_account_id", DataTypes.LongType)
            .add("course_term_id", DataTypes.LongType).add("course_sis_id", DataTypes.StringType)
            .add("course_start_at", DataTypes.TimestampType).add("course_end_at", DataTypes.TimestampType)
            .add("course_created_at", DataTypes.TimestampType).add("is_deleted", DataTypes.BooleanType)
            .add("snapshot_at", DataTypes.TimestampType);

    static final StructType ASSIGNMENTS = new StructType()
            .add("assignment_id", DataTypes.LongType).add("assignment_id_str", DataTypes.StringType)
            .add("assignment_course_id", DataTypes.LongType).add("assignment_name", DataTypes.StringType)
            .add("assignment_due_at", DataTypes.TimestampType)
            .add("assignment_points_possible", DataTypes.DoubleType)
            .add("assignment_submission_types", DataTypes.StringType)
            .add("assignment_workflow_state", DataTypes.StringType)
            .add("assignment_created_at", DataTypes.TimestampType)
            .add("assignment_updated_at", DataTypes.TimestampType)
            .add("is_deleted", DataTypes.BooleanType).add("snapshot_at", DataTypes.TimestampType);

    static final StructType HISTORY_COLUMNS = new StructType()
            .add("valid_from", DataTypes.TimestampType).add("valid_to", DataTypes.TimestampType)
            .add("is_current", DataTypes.BooleanType);

    static final StructType CD2_USERS = new StructType()
            .add("id", DataTypes.LongType).add("name", DataTypes.StringType)
            .add("sortable_name", DataTypes.StringType).add("short_name", DataTypes.StringType)
            .add("workflow_state", DataTypes.StringType).add("created_at", DataTypes.TimestampType)
            .add("updated_at", DataTypes.TimestampType).add("meta_ts", DataTypes.TimestampType);
    static final StructType CD2_COURSES = new StructType()
            .add("id", DataTypes.LongType).add("name", DataTypes.StringType)
            .add("course_code", DataTypes.StringType).add("workflow_state", DataTypes.StringType)
            .add("account_id", DataTypes.LongType).add("enrollment_term_id", DataTypes.LongType)
            .add("start_at", DataTypes.TimestampType).add("conclude_at", DataTypes.TimestampType)
            .add("created_at", DataTypes.TimestampType).add("updated_at", DataTypes.TimestampType)
            .add("meta_ts", DataTypes.TimestampType);
    static final StructType CD2_ASSIGNMENTS = new StructType()
            .add("id", DataTypes.LongType).add("title", DataTypes.StringType)
            .add("context_id", DataTypes.LongType).add("context_type", DataTypes.StringType)
            .add("due_at", DataTypes.TimestampType).add("points_possible", DataTypes.DoubleType)
            .add("workflow_state", DataTypes.StringType).add("created_at", DataTypes.TimestampType)
            .add("updated_at", DataTypes.TimestampType).add("meta_ts", DataTypes.TimestampType);
    static final StructType CD2_PSEUDONYMS = new StructType()
            .add("id", DataTypes.LongType).add("user_id", DataTypes.LongType)
            .add("unique_id", DataTypes.StringType).add("sis_user_id", DataTypes.StringType)
            .add("workflow_state", DataTypes.StringType).add("position", DataTypes.IntegerType)
            .add("meta_ts", DataTypes.TimestampType);

    static final String ROOT_ACCOUNT = String.valueOf(Institution.globalId(Institution.ROOT_ACCOUNT_ID));

    private final SparkSession spark;
    private final Lake lake;

    LakeInputs(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.lake = lake;
    }

    static String global(long local) {
        return String.valueOf(Institution.globalId(local));
    }

    static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    /** A live event as the events job stores it: global ids as strings, their local ids beside them. */
    static Row event(String id, String name, Instant time, Long user, Long course, Long assignment) {
        String contextType = course == null ? null : "Course";
        return RowFactory.create(id, name, "canvas", ts(time), time == null ? null : time.toString(),
                ts(time == null ? null : time.plusSeconds(2)),
                user == null ? null : global(user), user,
                contextType, course == null ? null : global(course), course,
                course == null ? null : global(course), course,
                assignment == null ? null : global(assignment), assignment,
                ROOT_ACCOUNT, "{\"event\":\"" + id + "\"}", "raw/live_events/test.jsonl.gz",
                Date.valueOf((time == null ? Instant.now() : time).atZone(ZoneOffset.UTC).toLocalDate()));
    }

    void appendEvents(List<Row> rows) {
        DeltaTables.append(spark.createDataFrame(rows, LIVE_STREAM), lake.table("events.live_stream"), List.of("dt"));
    }

    void writeRest(Institution inst, Instant snapshotAt) {
        write("canvas.users", USERS, inst.users(), u -> userRow(u, snapshotAt));
        write("canvas.courses", COURSES, inst.courses(), c -> courseRow(c, snapshotAt));
        write("canvas.assignments", ASSIGNMENTS, inst.assignments(), a -> assignmentRow(a, snapshotAt));
    }

    /** History of the given snapshots: each entity version valid from its snapshot until the next change. */
    void writeRestHistory(List<Institution> snapshots, List<Instant> at) {
        write("canvas.users_history", withHistory(USERS), history(snapshots, at, Institution::users,
                Institution.User::id, (u, t) -> userRow(u, t)), r -> r);
        write("canvas.courses_history", withHistory(COURSES), history(snapshots, at, Institution::courses,
                Institution.Course::id, (c, t) -> courseRow(c, t)), r -> r);
        write("canvas.assignments_history", withHistory(ASSIGNMENTS), history(snapshots, at,
                Institution::assignments, Institution.Assignment::id, (a, t) -> assignmentRow(a, t)), r -> r);
    }

    /** CD2 copies of the institution; {@code nameSuffix} makes them distinguishable from the REST copies. */
    void writeCd2(Institution inst, Instant metaTs, String nameSuffix) {
        write("cd2.users", CD2_USERS, inst.users(), u -> RowFactory.create(u.id(), u.name() + nameSuffix,
                u.sortableName(), u.shortName(), u.workflowState(), ts(u.createdAt()), ts(metaTs), ts(metaTs)));
        write("cd2.courses", CD2_COURSES, inst.courses(), c -> RowFactory.create(c.id(), c.name() + nameSuffix,
                c.courseCode(), c.workflowState(), c.accountId(), c.termId(), ts(c.startAt()), ts(c.endAt()),
                ts(c.createdAt()), ts(metaTs), ts(metaTs)));
        write("cd2.assignments", CD2_ASSIGNMENTS, inst.assignments(), a -> RowFactory.create(a.id(),
                a.name() + nameSuffix, a.courseId(), "Course", ts(a.dueAt()), a.pointsPossible(), a.workflowState(),
                ts(a.createdAt()), ts(a.updatedAt()), ts(metaTs)));
        write("cd2.pseudonyms", CD2_PSEUDONYMS, inst.users(), u -> RowFactory.create(u.id() + 70000, u.id(),
                u.loginId(), u.sisUserId(), "active", 1, ts(metaTs)));
    }

    private static StructType withHistory(StructType base) {
        StructType out = base;
        for (var f : HISTORY_COLUMNS.fields()) {
            out = out.add(f);
        }
        return out;
    }

    private static <T> List<Row> history(List<Institution> snapshots, List<Instant> at,
                                         Function<Institution, List<T>> entities, Function<T, Long> id,
                                         java.util.function.BiFunction<T, Instant, Row> row) {
        List<Row> out = new ArrayList<>();
        java.util.Map<Long, T> open = new java.util.LinkedHashMap<>();
        java.util.Map<Long, Instant> openSince = new java.util.HashMap<>();
        for (int i = 0; i < snapshots.size(); i++) {
            Instant t = at.get(i);
            java.util.Map<Long, T> now = new java.util.LinkedHashMap<>();
            entities.apply(snapshots.get(i)).forEach(e -> now.put(id.apply(e), e));
            for (var e : new ArrayList<>(open.entrySet())) {
                T next = now.get(e.getKey());
                if (next == null || !next.equals(e.getValue())) {
                    out.add(close(row.apply(e.getValue(), openSince.get(e.getKey())), openSince.get(e.getKey()), t));
                    open.remove(e.getKey());
                }
            }
            for (var e : now.entrySet()) {
                if (!open.containsKey(e.getKey())) {
                    open.put(e.getKey(), e.getValue());
                    openSince.put(e.getKey(), t);
                }
            }
        }
        open.forEach((k, v) -> out.add(close(row.apply(v, openSince.get(k)), openSince.get(k), null)));
        return out;
    }

    private static Row close(Row base, Instant from, Instant to) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < base.length(); i++) {
            values.add(base.get(i));
        }
        values.add(ts(from));
        values.add(ts(to));
        values.add(to == null);
        return RowFactory.create(values.toArray());
    }

    static Row userRow(Institution.User u, Instant snapshotAt) {
        return RowFactory.create(u.id(), String.valueOf(u.id()), u.name(), u.sortableName(), u.shortName(),
                u.loginId(), u.email(), u.sisUserId(), ts(u.createdAt()), false, ts(snapshotAt));
    }

    static Row courseRow(Institution.Course c, Instant snapshotAt) {
        return RowFactory.create(c.id(), String.valueOf(c.id()), c.name(), c.courseCode(), c.workflowState(),
                c.accountId(), c.termId(), c.sisCourseId(), ts(c.startAt()), ts(c.endAt()), ts(c.createdAt()), false,
                ts(snapshotAt));
    }

    static Row assignmentRow(Institution.Assignment a, Instant snapshotAt) {
        return RowFactory.create(a.id(), String.valueOf(a.id()), a.courseId(), a.name(), ts(a.dueAt()),
                a.pointsPossible(), a.submissionTypes(), a.workflowState(), ts(a.createdAt()), ts(a.updatedAt()),
                false, ts(snapshotAt));
    }

    void writeRows(String table, StructType schema, List<Row> rows) {
        DeltaTables.overwrite(spark.createDataFrame(rows, schema), lake.table(table), List.of());
    }

    private <T> void write(String table, StructType schema, List<T> items, Function<T, Row> row) {
        List<Row> rows = items.stream().map(row).toList();
        DeltaTables.overwrite(spark.createDataFrame(rows, schema), lake.table(table), List.of());
    }
}
