package org.canvaslake.canvas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.cli.UsageException;

/**
 * The four Canvas REST entities the snapshot job keeps, each with its cleansed columns: snake_case, prefixed by
 * the entity so that joins never collide ({@code user_name}, {@code course_name}), ids as numbers plus the original
 * string for the entity's own id, times as UTC timestamps.
 *
 * <p>Only fields that describe the object are kept. Fields that change on every request without the object
 * changing (last activity, last login, grades, needs-grading counts) are left in the raw pages: they would make
 * every snapshot look like a change and bloat the history.
 */
public enum CanvasEntity {

    USERS("users", false,
            field("user_id", "id", Kind.ID),
            field("user_id_str", "id", Kind.ID_STRING),
            field("user_name", "name", Kind.STRING),
            field("user_sortable_name", "sortable_name", Kind.STRING),
            field("user_short_name", "short_name", Kind.STRING),
            field("user_first_name", "first_name", Kind.STRING),
            field("user_last_name", "last_name", Kind.STRING),
            field("user_login_id", "login_id", Kind.STRING),
            field("user_email", "email", Kind.STRING),
            field("user_sis_id", "sis_user_id", Kind.STRING),
            field("user_integration_id", "integration_id", Kind.STRING),
            field("user_created_at", "created_at", Kind.TIMESTAMP)),

    COURSES("courses", false,
            field("course_id", "id", Kind.ID),
            field("course_id_str", "id", Kind.ID_STRING),
            field("course_name", "name", Kind.STRING),
            field("course_code", "course_code", Kind.STRING),
            field("course_workflow_state", "workflow_state", Kind.STRING),
            field("course_account_id", "account_id", Kind.ID),
            field("course_root_account_id", "root_account_id", Kind.ID),
            field("course_term_id", "enrollment_term_id", Kind.ID),
            field("course_sis_id", "sis_course_id", Kind.STRING),
            field("course_integration_id", "integration_id", Kind.STRING),
            field("course_uuid", "uuid", Kind.STRING),
            field("course_time_zone", "time_zone", Kind.STRING),
            field("course_start_at", "start_at", Kind.TIMESTAMP),
            field("course_end_at", "end_at", Kind.TIMESTAMP),
            field("course_created_at", "created_at", Kind.TIMESTAMP)),

    ASSIGNMENTS("assignments", true,
            field("assignment_id", "id", Kind.ID),
            field("assignment_id_str", "id", Kind.ID_STRING),
            field("assignment_course_id", "course_id", Kind.ID),
            field("assignment_name", "name", Kind.STRING),
            field("assignment_due_at", "due_at", Kind.TIMESTAMP),
            field("assignment_unlock_at", "unlock_at", Kind.TIMESTAMP),
            field("assignment_lock_at", "lock_at", Kind.TIMESTAMP),
            field("assignment_points_possible", "points_possible", Kind.DOUBLE),
            field("assignment_grading_type", "grading_type", Kind.STRING),
            field("assignment_submission_types", "submission_types", Kind.JOINED),
            field("assignment_group_id", "assignment_group_id", Kind.ID),
            field("assignment_published", "published", Kind.BOOLEAN),
            field("assignment_workflow_state", "workflow_state", Kind.STRING),
            field("assignment_created_at", "created_at", Kind.TIMESTAMP),
            field("assignment_updated_at", "updated_at", Kind.TIMESTAMP)),

    ENROLLMENTS("enrollments", true,
            field("enrollment_id", "id", Kind.ID),
            field("enrollment_id_str", "id", Kind.ID_STRING),
            field("enrollment_user_id", "user_id", Kind.ID),
            field("enrollment_course_id", "course_id", Kind.ID),
            field("enrollment_section_id", "course_section_id", Kind.ID),
            field("enrollment_type", "type", Kind.STRING),
            field("enrollment_role", "role", Kind.STRING),
            field("enrollment_role_id", "role_id", Kind.ID),
            field("enrollment_state", "enrollment_state", Kind.STRING),
            field("enrollment_start_at", "start_at", Kind.TIMESTAMP),
            field("enrollment_end_at", "end_at", Kind.TIMESTAMP),
            field("enrollment_created_at", "created_at", Kind.TIMESTAMP),
            field("enrollment_updated_at", "updated_at", Kind.TIMESTAMP));

    /** How a JSON field becomes a column. */
    public enum Kind {
        /** a number or numeric string, as bigint; null when it is neither */
        ID(DataTypes.LongType),
        /** the id exactly as Canvas sent it, as text */
        ID_STRING(DataTypes.StringType),
        STRING(DataTypes.StringType),
        /** ISO-8601 with an offset, or Ruby's "2019-11-05 07:38:00 -0800", as a UTC timestamp */
        TIMESTAMP(DataTypes.TimestampType),
        DOUBLE(DataTypes.DoubleType),
        BOOLEAN(DataTypes.BooleanType),
        /** an array of strings joined with "," */
        JOINED(DataTypes.StringType);

        private final DataType type;

        Kind(DataType type) {
            this.type = type;
        }

        public DataType type() {
            return type;
        }
    }

    /** One cleansed column: its name, the Canvas JSON field it comes from, and how. */
    public record Field(String column, String json, Kind kind) {
    }

    public static final String IS_DELETED = "is_deleted";
    public static final String SNAPSHOT_AT = "snapshot_at";
    public static final String ROW_HASH = "row_hash";
    public static final String VALID_FROM = "valid_from";
    public static final String VALID_TO = "valid_to";
    public static final String IS_CURRENT = "is_current";

    private final String folder;
    private final boolean perCourse;
    private final List<Field> fields;

    CanvasEntity(String folder, boolean perCourse, Field... fields) {
        this.folder = folder;
        this.perCourse = perCourse;
        this.fields = List.of(fields);
    }

    private static Field field(String column, String json, Kind kind) {
        return new Field(column, json, kind);
    }

    /** The name used on the command line, in raw paths and table names: users, courses, ... */
    public String folder() {
        return folder;
    }

    /** Fetched once per course ({@code /courses/:id/...}) rather than once per account. */
    public boolean perCourse() {
        return perCourse;
    }

    public List<Field> fields() {
        return fields;
    }

    /** The id column: the first field. */
    public String key() {
        return fields.get(0).column();
    }

    /** The course id column of a per-course entity (a failed course protects its rows), else null. */
    public String courseColumn() {
        return switch (this) {
            case ASSIGNMENTS -> "assignment_course_id";
            case ENROLLMENTS -> "enrollment_course_id";
            default -> null;
        };
    }

    public List<String> dataColumns() {
        return fields.stream().map(Field::column).toList();
    }

    /** {@code canvas.users}: the latest cleansed copy. */
    public String table() {
        return "canvas." + folder;
    }

    /** {@code canvas.users_history}: every version with its validity range. */
    public String historyTable() {
        return "canvas." + folder + "_history";
    }

    /** The cleansed columns only. */
    public StructType dataSchema() {
        StructType schema = new StructType();
        for (Field f : fields) {
            schema = schema.add(f.column(), f.kind().type(), !f.column().equals(key()));
        }
        return schema;
    }

    /** The latest table: cleansed columns, the deleted flag, when the version was seen, and its hash. */
    public StructType latestSchema() {
        return dataSchema()
                .add(IS_DELETED, DataTypes.BooleanType, false)
                .add(SNAPSHOT_AT, DataTypes.TimestampType, false)
                .add(ROW_HASH, DataTypes.StringType, false);
    }

    public StructType historySchema() {
        return latestSchema()
                .add(VALID_FROM, DataTypes.TimestampType, false)
                .add(VALID_TO, DataTypes.TimestampType, true)
                .add(IS_CURRENT, DataTypes.BooleanType, false);
    }

    public List<String> latestColumns() {
        return Arrays.asList(latestSchema().fieldNames());
    }

    public List<String> historyColumns() {
        return Arrays.asList(historySchema().fieldNames());
    }

    public static CanvasEntity of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (CanvasEntity e : values()) {
            if (e.folder.equals(n)) {
                return e;
            }
        }
        throw new UsageException("Unknown Canvas entity '" + name + "' in --entities; choose from "
                + Arrays.stream(values()).map(CanvasEntity::folder).collect(Collectors.joining(", ")));
    }

    /** The entities named, in pipeline order (users, courses, assignments, enrollments), without repeats. */
    public static List<CanvasEntity> parse(List<String> names) {
        if (names.isEmpty()) {
            return List.of(values());
        }
        Set<CanvasEntity> chosen = new LinkedHashSet<>();
        names.forEach(n -> chosen.add(of(n)));
        List<CanvasEntity> out = new ArrayList<>();
        for (CanvasEntity e : values()) {
            if (chosen.contains(e)) {
                out.add(e);
            }
        }
        return out;
    }
}
