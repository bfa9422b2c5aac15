package org.canvaslake.product;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.product.ProductSchema.Entity;
import org.canvaslake.product.ProductSchema.Field;

/**
 * The transform of the product: live events in, one {@code product.learning_events} row per distinct event out,
 * each joined with its assignment, course and user as they were at the event's time. A pure function of
 * DataFrames; reading and writing happen in {@link ProductJob}.
 *
 * <p>Joins are left joins: an event whose user, course or assignment is unknown is kept, with
 * {@code <entity>_known = false}. Ids are matched on their local part (and shard where both sides know it), so
 * the events' global ids meet the APIs' local ids; the row keeps both forms.
 */
public final class LearningEvents {

    /** Event columns of {@code events.live_stream} this transform reads; absent ones are treated as null. */
    static final List<String> EVENT_COLUMNS = List.of("event_id", "event_name", "format", "event_time",
            "received_at", "user_id", "user_local_id", "context_type", "context_id", "context_local_id", "course_id",
            "course_local_id", "assignment_id", "assignment_local_id", "root_account_id");

    private static final String T = "__t";
    private static final String HOME_SHARD = "__home_shard";

    private LearningEvents() {
    }

    /**
     * @param events      rows of {@code events.live_stream} (any subset: the new ones of an incremental run)
     * @param submissions per event id, fields of submission events from the typed tables ({@link SubmissionFields})
     * @param entities    the normalised entity versions of the chosen source
     * @param pseudonyms  present when user identifiers are to be replaced by keyed pseudonyms
     */
    public static Dataset<Row> build(Dataset<Row> events, Optional<Dataset<Row>> submissions,
                                     EntitySource.Versions entities, Optional<Pseudonymizer> pseudonyms) {
        Dataset<Row> e = normaliseIds(DeltaTables.latestPerKey(withEventColumns(events), List.of("event_id"),
                col("received_at").desc_nulls_last(), col("event_time").desc_nulls_last()));

        // assignment first: it tells the course of events that name only the assignment (submission_created)
        e = join(e, entities.of(Entity.ASSIGNMENT), Entity.ASSIGNMENT);
        e = e.withColumn("course_local_id", coalesce(col("course_local_id"), col(EntitySource.COURSE_LOCAL)))
                .withColumn("course_global_id", coalesce(col("course_global_id"),
                        CanvasIds.globalOf(lit(null), col("course_local_id"), col(HOME_SHARD))))
                .withColumn("__course_shard", CanvasIds.shard(col("course_global_id")))
                .drop(EntitySource.COURSE_LOCAL);
        e = join(e, entities.of(Entity.COURSE), Entity.COURSE);
        e = join(e, entities.of(Entity.USER), Entity.USER);
        e = withSubmissionFields(e, submissions);
        e = e.withColumn("event_format", col("format"))
                .withColumn("event_date", to_date(col(T)))
                .withColumn("root_account_global_id", CanvasIds.globalOf(col("root_account_id"),
                        CanvasIds.local(col("root_account_id")), col(HOME_SHARD)))
                .withColumn("entity_source", lit(entities.source()));
        if (pseudonyms.isPresent()) {
            e = pseudonymise(e, pseudonyms.get());
        }
        return ProductSchema.project(e);
    }

    /** Adds any contract column the input lacks as null, so a thinner events table still builds. */
    static Dataset<Row> withEventColumns(Dataset<Row> events) {
        Set<String> have = new HashSet<>(Arrays.asList(events.columns()));
        if (!have.contains("event_id")) {
            throw new IllegalArgumentException("The events input has no event_id column (columns: "
                    + String.join(", ", events.columns()) + "); product needs events.live_stream as the events "
                    + "job writes it");
        }
        Dataset<Row> out = events;
        for (String c : EVENT_COLUMNS) {
            if (!have.contains(c)) {
                DataType type = c.endsWith("_local_id") ? DataTypes.LongType
                        : c.equals("event_time") || c.equals("received_at") ? DataTypes.TimestampType
                        : DataTypes.StringType;
                out = out.withColumn(c, lit(null).cast(type));
            }
        }
        return out.select(EVENT_COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new));
    }

    /** Both id forms of user, context, course and assignment, and the shard of each global id. */
    static Dataset<Row> normaliseIds(Dataset<Row> e) {
        Column home = CanvasIds.shard(col("root_account_id"));
        Column courseFromContext = when(col("context_type").equalTo("Course"), col("context_id"));
        Column courseGiven = coalesce(col("course_id"), courseFromContext);
        Column courseLocalGiven = coalesce(col("course_local_id"),
                when(col("context_type").equalTo("Course"), col("context_local_id")));
        return e.withColumn(T, coalesce(col("event_time"), col("received_at")))
                .withColumn(HOME_SHARD, home)
                .withColumn("user_local_id", CanvasIds.localOf(col("user_id"), col("user_local_id")))
                .withColumn("user_global_id", CanvasIds.globalOf(col("user_id"), col("user_local_id"), col(HOME_SHARD)))
                .withColumn("context_local_id", CanvasIds.localOf(col("context_id"), col("context_local_id")))
                .withColumn("context_global_id", CanvasIds.globalOf(col("context_id"), col("context_local_id"),
                        col(HOME_SHARD)))
                .withColumn("course_local_id", CanvasIds.localOf(courseGiven, courseLocalGiven))
                .withColumn("course_global_id", CanvasIds.globalOf(courseGiven, col("course_local_id"),
                        col(HOME_SHARD)))
                .withColumn("assignment_local_id", CanvasIds.localOf(col("assignment_id"),
                        col("assignment_local_id")))
                .withColumn("assignment_global_id", CanvasIds.globalOf(col("assignment_id"),
                        col("assignment_local_id"), col(HOME_SHARD)))
                .withColumn("__user_shard", CanvasIds.shard(col("user_global_id")))
                .withColumn("__course_shard", CanvasIds.shard(col("course_global_id")))
                .withColumn("__assignment_shard", CanvasIds.shard(col("assignment_global_id")))
                .drop("user_id", "context_id", "course_id", "assignment_id");
    }

    /**
     * Left join with the entity's versions: same local id, same shard where both sides know it (a local id on
     * the entity side is of the home shard, the shard of the event's root account), and the event's time inside
     * the version's validity.
     */
    static Dataset<Row> join(Dataset<Row> events, Optional<Dataset<Row>> versions, Entity entity) {
        String local = entity.localId();
        String shard = "__" + entity.prefix() + "_shard";
        String matched = "__" + entity.prefix() + "_matched";
        Dataset<Row> out;
        if (versions.isEmpty()) {
            out = events.withColumn(matched, lit(null).cast(DataTypes.BooleanType));
            for (Field f : entity.attributes()) {
                out = out.withColumn(f.name(), lit(null).cast(f.type()));
            }
            if (entity == Entity.ASSIGNMENT) {
                out = out.withColumn(EntitySource.COURSE_LOCAL, lit(null).cast(DataTypes.LongType));
            }
        } else {
            String p = "__v" + entity.prefix();
            Dataset<Row> v = versions.get();
            for (String c : List.of(EntitySource.ID_LOCAL, EntitySource.ID_SHARD, EntitySource.FROM, EntitySource.TO)) {
                v = v.withColumnRenamed(c, p + c);
            }
            v = v.withColumn(matched, lit(true));
            Column on = col(p + EntitySource.ID_LOCAL).equalTo(col(local))
                    .and(col(shard).isNull().or(coalesce(col(p + EntitySource.ID_SHARD), col(HOME_SHARD), col(shard))
                            .equalTo(col(shard))))
                    .and(col(p + EntitySource.FROM).isNull().or(col(T).geq(col(p + EntitySource.FROM))))
                    .and(col(p + EntitySource.TO).isNull().or(col(T).lt(col(p + EntitySource.TO))));
            out = events.join(v, on, "left")
                    .drop(p + EntitySource.ID_LOCAL, p + EntitySource.ID_SHARD, p + EntitySource.FROM,
                            p + EntitySource.TO);
            if (entity == Entity.ASSIGNMENT && !Arrays.asList(out.columns()).contains(EntitySource.COURSE_LOCAL)) {
                out = out.withColumn(EntitySource.COURSE_LOCAL, lit(null).cast(DataTypes.LongType));
            }
        }
        return out.withColumn(entity.known(), when(col(local).isNotNull(), coalesce(col(matched), lit(false))))
                .drop(matched, shard);
    }

    static Dataset<Row> withSubmissionFields(Dataset<Row> e, Optional<Dataset<Row>> submissions) {
        Dataset<Row> out;
        if (submissions.isPresent()) {
            Dataset<Row> s = submissions.get().withColumnRenamed("event_id", "__s_event_id");
            out = e.join(s, col("event_id").equalTo(col("__s_event_id")), "left").drop("__s_event_id");
        } else {
            out = e;
            for (String c : SubmissionFields.COLUMNS) {
                out = out.withColumn(c, lit(null).cast(ProductSchema.byName().get(c).type()));
            }
        }
        Column submissionEvent = col("event_name").isin("submission_created", "submission_updated");
        Column submittedAt = coalesce(col("submission_submitted_at"),
                when(col("event_name").equalTo("submission_created"), col("event_time")));
        return out.withColumn("submission_submitted_at", when(submissionEvent, submittedAt))
                .withColumn("submission_late", when(submissionEvent, coalesce(col("submission_late"),
                        when(submittedAt.isNotNull().and(col("assignment_due_at").isNotNull()),
                                submittedAt.gt(col("assignment_due_at"))))));
    }

    /**
     * Replaces every user identifier and name by the user's keyed pseudonym (the same in every column, so a
     * researcher can still count and group by user) and drops the local id. A context that is a user is treated
     * the same way.
     */
    static Dataset<Row> pseudonymise(Dataset<Row> e, Pseudonymizer p) {
        Column identity = coalesce(col("user_global_id"), col("user_local_id").cast(DataTypes.StringType));
        Column pseudonym = p.pseudonymOf(identity);
        Dataset<Row> out = e.withColumn("__pseudonym", pseudonym).withColumn("user_global_id", col("__pseudonym"));
        for (String c : List.of("user_name", "user_sortable_name", "user_short_name",
                "user_login_id", "user_email", "user_sis_id")) {
            out = out.withColumn(c, when(col(c).isNotNull(), col("__pseudonym")));
        }
        Column userContext = col("context_type").equalTo("User");
        Column contextIdentity = coalesce(col("context_global_id"), col("context_local_id").cast(DataTypes.StringType));
        return out.withColumn("user_local_id", lit(null).cast(DataTypes.LongType))
                .withColumn("context_global_id", when(userContext, p.pseudonymOf(contextIdentity))
                        .otherwise(col("context_global_id")))
                .withColumn("context_local_id", when(userContext, lit(null).cast(DataTypes.LongType))
                        .otherwise(col("context_local_id")))
                .drop("__pseudonym");
    }
}
