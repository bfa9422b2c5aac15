package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of {@code product.learning_events}, in order, with their types and the comments stored on the Delta
 * table (what Athena, Spark SQL and the Glue console show). One place, so the build, the tests and the docs agree.
 */
public final class ProductSchema {

    public static final String TABLE = "product.learning_events";
    public static final String KEY = "event_id";
    public static final String PARTITION = "event_date";

    /** One column of the product. */
    public record Field(String name, DataType type, String comment) {
    }

    /** The entities events are joined with, and the columns each contributes. */
    public enum Entity {
        USER("user", "users"),
        COURSE("course", "courses"),
        ASSIGNMENT("assignment", "assignments");

        private final String prefix;
        private final String plural;

        Entity(String prefix, String plural) {
            this.prefix = prefix;
            this.plural = plural;
        }

        public String prefix() {
            return prefix;
        }

        public String plural() {
            return plural;
        }

        public String localId() {
            return prefix + "_local_id";
        }

        public String globalId() {
            return prefix + "_global_id";
        }

        /** True when the event names this entity and it was found; false when named but unknown; null when not named. */
        public String known() {
            return prefix + "_known";
        }

        /** The descriptive columns the entity source supplies (names, codes, dates, ...). */
        public List<Field> attributes() {
            return FIELDS.stream().filter(f -> f.name().startsWith(prefix + "_") && !f.name().equals(localId())
                    && !f.name().equals(globalId()) && !f.name().equals(known())).toList();
        }
    }

    private static final DataType S = DataTypes.StringType;
    private static final DataType TS = DataTypes.TimestampType;
    private static final DataType L = DataTypes.LongType;
    private static final DataType B = DataTypes.BooleanType;

    public static final List<Field> FIELDS = List.of(
            new Field("event_id", S, "Unique id of the event (one row per distinct event)"),
            new Field("event_name", S, "Canvas event name, e.g. submission_created, asset_accessed, logged_in"),
            new Field("event_format", S, "Format the event arrived in: canvas or caliper"),
            new Field("event_time", TS, "When the event happened (UTC)"),
            new Field("event_date", DataTypes.DateType, "UTC date of event_time (received_at when the event has no time); partition column"),
            new Field("received_at", TS, "When the live-event queue received the event (UTC)"),
            new Field("root_account_global_id", S, "Canvas global id of the root account (institution)"),
            new Field("user_global_id", S, "Acting user's Canvas global id (shard * 10^13 + local id), as live events carry it; a keyed pseudonym when the table is pseudonymised"),
            new Field("user_local_id", L, "Acting user's local id, as the Canvas REST API and Canvas Data 2 give it; null when pseudonymised"),
            new Field("user_known", B, "true: the user was found in the entity tables; false: the event names a user nobody knows (yet); null: the event names no user"),
            new Field("user_name", S, "User's display name as it was at event_time (latest known where there is no history)"),
            new Field("user_sortable_name", S, "User's sortable name (Last, First)"),
            new Field("user_short_name", S, "User's short name"),
            new Field("user_login_id", S, "User's login (pseudonym unique_id)"),
            new Field("user_email", S, "User's primary e-mail address"),
            new Field("user_sis_id", S, "User's SIS id"),
            new Field("context_type", S, "Type of the event's context: Course, Group, Account, User, ..."),
            new Field("context_global_id", S, "Context's Canvas global id"),
            new Field("context_local_id", L, "Context's local id"),
            new Field("course_global_id", S, "Course's Canvas global id (from the event, or from its assignment's course)"),
            new Field("course_local_id", L, "Course's local id"),
            new Field("course_known", B, "true: course found; false: the event names an unknown course; null: no course"),
            new Field("course_name", S, "Course name as it was at event_time"),
            new Field("course_code", S, "Course code, e.g. BIO-110"),
            new Field("course_workflow_state", S, "Course state: unpublished, available, completed, deleted"),
            new Field("course_sis_id", S, "Course's SIS id"),
            new Field("course_account_id", L, "Local id of the account (sub-account) the course belongs to"),
            new Field("course_term_id", L, "Local id of the course's enrollment term"),
            new Field("course_start_at", TS, "Course start (UTC)"),
            new Field("course_end_at", TS, "Course end / conclude date (UTC)"),
            new Field("assignment_global_id", S, "Assignment's Canvas global id"),
            new Field("assignment_local_id", L, "Assignment's local id"),
            new Field("assignment_known", B, "true: assignment found; false: the event names an unknown assignment; null: no assignment"),
            new Field("assignment_name", S, "Assignment name (title) as it was at event_time"),
            new Field("assignment_due_at", TS, "Assignment due date as it was at event_time (UTC)"),
            new Field("assignment_points_possible", DataTypes.DoubleType, "Points the assignment is worth"),
            new Field("assignment_submission_types", S, "Accepted submission types, comma separated"),
            new Field("assignment_workflow_state", S, "Assignment state: published, unpublished, deleted"),
            new Field("submission_submitted_at", TS, "Submission events: when the submission was made (from the event body; event_time otherwise)"),
            new Field("submission_late", B, "Submission events: Canvas's own late flag where the event carries it, else submitted after the due date; null for other events"),
            new Field("submission_attempt", L, "Submission events: attempt number, where the event carries it"),
            new Field("submission_score", DataTypes.DoubleType, "Submission events: score, where the event carries it"),
            new Field("entity_source", S, "Where the user/course/assignment columns came from: rest (canvas.*), cd2 (cd2.*) or none"));

    private ProductSchema() {
    }

    public static List<String> names() {
        return FIELDS.stream().map(Field::name).toList();
    }

    public static StructType structType() {
        StructType t = new StructType();
        for (Field f : FIELDS) {
            t = t.add(f.name(), f.type(), true, comment(f));
        }
        return t;
    }

    static Metadata comment(Field f) {
        return new MetadataBuilder().putString("comment", f.comment()).build();
    }

    /** Projects onto exactly the product's columns, in order, typed, each carrying its comment. */
    static Dataset<Row> project(Dataset<Row> rows) {
        List<Column> out = new ArrayList<>();
        for (Field f : FIELDS) {
            out.add(col(f.name()).cast(f.type()).as(f.name(), comment(f)));
        }
        return rows.select(out.toArray(Column[]::new));
    }

    static Map<String, Field> byName() {
        return FIELDS.stream().collect(Collectors.toMap(Field::name, Function.identity()));
    }
}
