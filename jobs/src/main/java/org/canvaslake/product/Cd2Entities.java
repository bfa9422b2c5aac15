package org.canvaslake.product;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.product.ProductSchema.Entity;

/**
 * Entities from Canvas Data 2 ({@code cd2.*}, DAP field names flattened: {@code key.id} → {@code id},
 * {@code value.name} → {@code name}, {@code meta.ts} → {@code meta_ts}). CD2 keeps the latest state only, so
 * events get the latest names. Logins and SIS ids live in {@code cd2.pseudonyms}, e-mail addresses in
 * {@code cd2.communication_channels}; both are joined in when present.
 */
public final class Cd2Entities extends EntitySource {

    public static final String NAME = "cd2";
    static final String PSEUDONYMS = "cd2.pseudonyms";
    static final String CHANNELS = "cd2.communication_channels";

    private static final List<EntityMapping> MAPPINGS = List.of(
            EntityMapping.of(Entity.USER, "cd2.users", "id")
                    .latestBy("meta_ts", "updated_at")
                    .map("user_name", "name")
                    .map("user_sortable_name", "sortable_name")
                    .map("user_short_name", "short_name")
                    .build(),
            EntityMapping.of(Entity.COURSE, "cd2.courses", "id")
                    .latestBy("meta_ts", "updated_at")
                    .map("course_name", "name")
                    .map("course_code", "course_code")
                    .map("course_workflow_state", "workflow_state")
                    .map("course_sis_id", "sis_source_id")
                    .map("course_account_id", "account_id")
                    .map("course_term_id", "enrollment_term_id")
                    .map("course_start_at", "start_at")
                    .map("course_end_at", "conclude_at")
                    .build(),
            EntityMapping.of(Entity.ASSIGNMENT, "cd2.assignments", "id")
                    .latestBy("meta_ts", "updated_at")
                    .map("assignment_name", "title")
                    .map("assignment_due_at", "due_at")
                    .map("assignment_points_possible", "points_possible")
                    .map("assignment_submission_types", "submission_types")
                    .map("assignment_workflow_state", "workflow_state")
                    .courseId("context_id")
                    .build());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EntityMapping> mappings() {
        return MAPPINGS;
    }

    @Override
    protected Dataset<Row> enrich(SparkSession spark, Lake lake, Entity entity, Dataset<Row> versions,
                                  List<String> notes) {
        if (entity != Entity.USER) {
            return versions;
        }
        Dataset<Row> out = versions;
        if (DeltaTables.exists(spark, lake.table(PSEUDONYMS))) {
            Optional<Dataset<Row>> logins = preferred(DeltaTables.read(spark, lake.table(PSEUDONYMS)), "user_id",
                    List.of("unique_id", "sis_user_id"), notes, PSEUDONYMS, null);
            if (logins.isPresent()) {
                out = out.drop("user_login_id", "user_sis_id")
                        .join(logins.get().select(col("__user").as("__p_user"), col("unique_id").as("user_login_id"),
                                col("sis_user_id").as("user_sis_id")), col(ID_LOCAL).equalTo(col("__p_user")), "left")
                        .drop("__p_user");
            }
        } else {
            notes.add("cd2: no " + PSEUDONYMS + " in the lake; user_login_id and user_sis_id stay empty");
        }
        if (DeltaTables.exists(spark, lake.table(CHANNELS))) {
            Optional<Dataset<Row>> emails = preferred(DeltaTables.read(spark, lake.table(CHANNELS)), "user_id",
                    List.of("path"), notes, CHANNELS, "email");
            if (emails.isPresent()) {
                out = out.drop("user_email")
                        .join(emails.get().select(col("__user").as("__c_user"), col("path").as("user_email")),
                                col(ID_LOCAL).equalTo(col("__c_user")), "left")
                        .drop("__c_user");
            }
        } else {
            notes.add("cd2: no " + CHANNELS + " in the lake; user_email stays empty");
        }
        return out.select(Arrays.stream(versions.columns()).map(c -> col(c)).toArray(Column[]::new));
    }

    /**
     * One row per user: active before deleted/retired, then by position (Canvas's order of preference), then the
     * lowest id. {@code pathType}, when given, keeps only channels of that type (e-mail).
     */
    private static Optional<Dataset<Row>> preferred(Dataset<Row> table, String userColumn, List<String> wanted,
                                          List<String> notes, String name, String pathType) {
        Set<String> have = new HashSet<>(Arrays.asList(table.columns()));
        if (!have.contains(userColumn)) {
            notes.add(name + " has no " + userColumn + " column; ignored");
            return Optional.empty();
        }
        Dataset<Row> rows = table;
        if (pathType != null && have.contains("path_type")) {
            rows = rows.where(col("path_type").equalTo(pathType));
        }
        for (String w : wanted) {
            if (!have.contains(w)) {
                rows = rows.withColumn(w, lit(null).cast("string"));
                notes.add(name + " has no " + w + " column; that product column stays empty");
            }
        }
        Column active = have.contains("workflow_state")
                ? when(col("workflow_state").isin("deleted", "retired"), lit(1)).otherwise(lit(0)) : lit(0);
        Column position = have.contains("position") ? col("position") : lit(0);
        Column id = have.contains("id") ? col("id") : lit(0);
        List<Column> keep = new ArrayList<>();
        keep.add(col("__user"));
        wanted.forEach(w -> keep.add(col(w).cast("string").as(w)));
        return Optional.of(rows.withColumn("__user", CanvasIds.local(col(userColumn)))
                .withColumn("__rank", row_number().over(Window.partitionBy(col("__user"))
                        .orderBy(active.asc(), coalesce(position, lit(Integer.MAX_VALUE)).asc(), id.asc())))
                .where(col("__rank").equalTo(1).and(col("__user").isNotNull()))
                .select(keep.toArray(Column[]::new)));
    }
}
