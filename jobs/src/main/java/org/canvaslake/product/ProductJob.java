package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_date;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeResult;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.job.JobContext;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake product}: builds {@code product.learning_events} from {@code events.live_stream} and the
 * entity tables (REST snapshots or Canvas Data 2).
 *
 * <p>Incremental by default. The unit of progress is the Delta <em>commit version</em> of the events table,
 * recorded in {@code _meta.product_state}: a run reads only the commits after the recorded one, through the events
 * table's Change Data Feed (which the job switches on), and MERGEs the result by event id. A commit version is
 * exact where a time column is not: events that land late (a raw file compacted hours after later ones) carry an
 * older received_at but always a newer commit. Where the feed does not cover the range (switched off, vacuumed),
 * or the settings changed (entity source, pseudonymisation), the run rebuilds in full and says why.
 */
public final class ProductJob extends SparkJob {

    private static final Logger LOG = LoggerFactory.getLogger(ProductJob.class);

    public static final String EVENTS = "events.live_stream";
    public static final String PSEUDONYMIZE_NONE = "none";
    public static final String PSEUDONYMIZE_USER = "user";

    /** Crash point: the events table's Change Data Feed switched on (a commit on it), nothing else written yet. */
    public static final String CRASH_AFTER_EVENTS_FEED = "product.after_events_feed";
    /** Crash point: {@code product.learning_events} committed, {@code _meta.product_state} not yet. */
    public static final String CRASH_AFTER_TABLE = "product.after_table";
    /** Crash point: the product state saved, the product table's own Change Data Feed not yet switched on. */
    public static final String CRASH_AFTER_STATE = "product.after_state";

    static final OptionSpec ENTITIES = OptionSpec.value("entities", EntitySources.AUTO,
            "Where users, courses and assignments come from: auto (cd2 when its tables exist, else rest), rest "
                    + "(canvas.* REST snapshots, point in time where history exists) or cd2 (cd2.* Canvas Data 2)");
    static final OptionSpec FULL = OptionSpec.flag("full",
            "Rebuild the whole table from every event instead of only the events added since the last run");
    static final OptionSpec PSEUDONYMIZE = OptionSpec.value("pseudonymize", PSEUDONYMIZE_NONE,
            "none, or user: replace user ids, names, logins, e-mails and SIS ids with a keyed HMAC-SHA256 "
                    + "pseudonym (same user, same pseudonym), e.g. to share the table with researchers");
    static final OptionSpec KEY = OptionSpec.secret("pseudonymize-key", "CANVASLAKE_PSEUDONYMIZE_KEY",
            "Key of the pseudonymisation HMAC (at least 16 bytes; changing it changes every pseudonym and "
                    + "rebuilds the table)");
    static final OptionSpec REMATCH_DAYS = OptionSpec.value("rematch-days", "30",
            "Each run joins again the events of the last N days whose user, course or assignment was unknown, "
                    + "for entities that arrive after their events (0: never)");

    @Override
    protected String name() {
        return "product";
    }

    @Override
    protected String summary() {
        return "Build product.learning_events: every live event joined with its user, course and assignment "
                + "(as they were at the event's time), incremental, partitioned by event date";
    }

    @Override
    protected List<OptionSpec> jobOptions() {
        return List.of(ENTITIES, FULL, PSEUDONYMIZE, KEY, REMATCH_DAYS);
    }

    @Override
    protected void execute(JobContext context) {
        SparkSession spark = context.spark();
        Lake lake = context.lake();
        RunReport report = context.report();
        Settings settings = Settings.from(context.options());

        String eventsPath = lake.table(EVENTS);
        if (!DeltaTables.exists(spark, eventsPath)) {
            throw new IllegalStateException("No " + EVENTS + " at " + eventsPath + ": run 'canvaslake events' "
                    + "first (the product is built from it)");
        }
        EntitySources.Choice choice = EntitySources.choose(settings.entities(), spark, lake);
        report.note(choice.reason());
        EntitySource.Versions entities = choice.source().map(s -> s.read(spark, lake))
                .orElse(EntitySource.Versions.none());
        entities.readFrom().forEach((entity, table) -> report.note(entity.plural() + " from " + table));
        entities.notes().forEach(report::note);

        if (!DeltaChanges.feedEnabled(spark, eventsPath)) {
            if (DeltaChanges.enableFeed(spark, eventsPath)) {
                report.note("switched on the Change Data Feed of " + EVENTS + " so later runs read only new commits");
            } else {
                report.note("could not switch on the Change Data Feed of " + EVENTS + ": every run rebuilds in full");
            }
        }
        CrashPoints.check(CRASH_AFTER_EVENTS_FEED);
        long version = FinishedEvents.version(spark, lake, eventsPath, report);
        String productPath = lake.table(ProductSchema.TABLE);
        Optional<ProductState> state = ProductState.read(spark, lake, ProductSchema.TABLE);

        Optional<String> fullBecause = settings.full() ? Optional.of("--full was given")
                : state.isEmpty() || !DeltaTables.exists(spark, productPath) ? Optional.of("first run")
                : state.get().incompatibility(choice.name(), settings.pseudonymize(), settings.fingerprint());
        Optional<Dataset<Row>> changes = Optional.empty();
        if (fullBecause.isEmpty() && state.get().eventsVersion() < version) {
            try {
                changes = Optional.of(DeltaChanges.changes(spark, eventsPath, state.get().eventsVersion() + 1,
                        version));
            } catch (DeltaChanges.ChangesUnavailable e) {
                fullBecause = Optional.of(e.getMessage());
            }
        }

        long start = System.nanoTime();
        context.lease().ensureHeld();
        if (fullBecause.isPresent()) {
            report.note("full rebuild of " + ProductSchema.TABLE + ": " + fullBecause.get());
            report.counter("product.full_rebuilds", 1);
            rebuild(spark, lake, version, entities, settings, report);
        } else {
            long from = state.get().eventsVersion();
            report.note("incremental: " + EVENTS + " commits " + (from + 1) + ".." + version
                    + (from == version ? " (none new)" : ""));
            update(spark, lake, changes, version, entities, settings, report);
        }
        CrashPoints.check(CRASH_AFTER_TABLE);
        context.lease().ensureHeld();
        new ProductState(ProductSchema.TABLE, EVENTS, version, choice.name(), settings.pseudonymize(),
                settings.fingerprint(), report.runId(), Instant.now()).write(spark, lake);
        CrashPoints.check(CRASH_AFTER_STATE);
        DeltaChanges.enableFeed(spark, productPath);
        long rows = DeltaTables.read(spark, productPath).count();
        report.count(ProductSchema.TABLE, "rows", rows);
        report.counter("product.events_version", version);
        // its own tables only: each job registers what it writes, and on AWS this job's role may neither list the
        // lake's root (to find the others) nor register them
        List<String> registered = List.of(ProductSchema.TABLE, ProductState.TABLE);
        registered.forEach(t -> LakeCatalog.register(spark, lake, t));
        LOG.info("{} holds {} rows as of {} version {} ({} s); {} registered in the catalog",
                ProductSchema.TABLE, rows, EVENTS, version, (System.nanoTime() - start) / 1_000_000_000.0,
                registered);
    }

    private void rebuild(SparkSession spark, Lake lake, long version, EntitySource.Versions entities,
                         Settings settings, RunReport report) {
        Dataset<Row> events = spark.read().format("delta").option("versionAsOf", version).load(lake.table(EVENTS));
        List<String> notes = new ArrayList<>();
        Optional<Dataset<Row>> submissions = SubmissionFields.read(spark, lake, Optional.empty(), notes);
        notes.forEach(report::note);
        Dataset<Row> built = LearningEvents.build(events, submissions, entities, settings.pseudonymizer());
        DeltaTables.overwrite(built, lake.table(ProductSchema.TABLE), List.of(ProductSchema.PARTITION));
        Dataset<Row> written = DeltaTables.read(spark, lake.table(ProductSchema.TABLE));
        report.count(ProductSchema.TABLE, "events_read", events.count());
        countJoins(written, report);
    }

    private void update(SparkSession spark, Lake lake, Optional<Dataset<Row>> changes, long version,
                        EntitySource.Versions entities, Settings settings, RunReport report) {
        String productPath = lake.table(ProductSchema.TABLE);
        Dataset<Row> changed = changes.map(c -> DeltaChanges.lastChangePerKey(c, List.of("event_id")))
                .orElse(null);
        if (changed != null) {
            changed = changed.persist(StorageLevel.MEMORY_AND_DISK());
        }
        Dataset<Row> current = spark.read().format("delta").option("versionAsOf", version).load(lake.table(EVENTS));
        Dataset<Row> rematch = rematchCandidates(spark, productPath, current, changed, settings.rematchDays());

        List<Dataset<Row>> toBuild = new ArrayList<>();
        Dataset<Row> deletes = null;
        if (changed != null) {
            toBuild.add(changed.where(col(DeltaChanges.DELETED).equalTo(false)).drop(DeltaChanges.DELETED));
            deletes = changed.where(col(DeltaChanges.DELETED)).select("event_id");
            report.count(ProductSchema.TABLE, "events_read", changed.count());
        }
        if (rematch != null) {
            toBuild.add(rematch);
        }
        if (toBuild.isEmpty()) {
            report.count(ProductSchema.TABLE, "events_read", 0);
            return;
        }
        Dataset<Row> input = toBuild.get(0);
        for (int i = 1; i < toBuild.size(); i++) {
            input = input.unionByName(toBuild.get(i), true);
        }
        List<String> notes = new ArrayList<>();
        Optional<Dataset<Row>> submissions = SubmissionFields.read(spark, lake, Optional.of(input), notes);
        notes.forEach(report::note);
        Dataset<Row> built = LearningEvents.build(input, submissions, entities, settings.pseudonymizer())
                .persist(StorageLevel.MEMORY_AND_DISK());
        countJoins(built, report);
        Dataset<Row> source = built.withColumn(DeltaChanges.DELETED, lit(false));
        if (deletes != null) {
            Dataset<Row> deleted = deletes.withColumn(DeltaChanges.DELETED, lit(true));
            source = source.unionByName(deleted, true);
        }
        MergeResult merged = DeltaTables.merge(spark, source, productPath,
                MergeSpec.on(ProductSchema.KEY).deleteWhere(DeltaChanges.DELETED).partitionBy(ProductSchema.PARTITION));
        report.count(ProductSchema.TABLE, "inserted", merged.inserted());
        report.count(ProductSchema.TABLE, "updated", merged.updated());
        report.count(ProductSchema.TABLE, "deleted", merged.deleted());
        built.unpersist();
        if (changed != null) {
            changed.unpersist();
        }
    }

    /**
     * Events of the last {@code days} days already in the product whose user, course or assignment was unknown,
     * read again from the events table (minus those the changes bring anyway). Null when there are none or
     * rematching is off.
     */
    static Dataset<Row> rematchCandidates(SparkSession spark, String productPath, Dataset<Row> events,
                                          Dataset<Row> changed, int days) {
        if (days <= 0) {
            return null;
        }
        Column unknown = col("user_known").equalTo(false).or(col("course_known").equalTo(false))
                .or(col("assignment_known").equalTo(false));
        Dataset<Row> ids = DeltaTables.read(spark, productPath)
                .where(col(ProductSchema.PARTITION).geq(date_sub(current_date(), days)).and(unknown))
                .select("event_id");
        if (changed != null) {
            ids = ids.join(changed.select("event_id"), "event_id", "left_anti");
        }
        ids = ids.persist(StorageLevel.MEMORY_AND_DISK());
        if (ids.isEmpty()) {
            ids.unpersist();
            return null;
        }
        Dataset<Row> candidates = events;
        if (Arrays.asList(events.columns()).contains("dt")) {
            // prune the events table's partitions: nothing older than the window (a day of slack for late receipt)
            candidates = candidates.where(col("dt").geq(date_sub(current_date(), days + 1)));
        }
        return candidates.join(ids, "event_id", "left_semi");
    }

    /** Events that name an entity, and how many of those found it, per entity (this run's rows). */
    static void countJoins(Dataset<Row> rows, RunReport report) {
        JoinCounts counts = JoinCounts.of(rows);
        report.count(ProductSchema.TABLE, "rows_built", counts.rows());
        for (JoinCounts.PerEntity e : counts.entities()) {
            report.count(ProductSchema.TABLE, e.entity().prefix() + "_referenced", e.referenced());
            report.count(ProductSchema.TABLE, e.entity().prefix() + "_unmatched", e.unmatched());
        }
    }

    /** The job's options, parsed and checked once. */
    record Settings(String entities, boolean full, String pseudonymize, Optional<Pseudonymizer> pseudonymizer,
                    int rematchDays) {

        static Settings from(Options options) {
            String mode = options.getOrDefault("pseudonymize", PSEUDONYMIZE_NONE).trim().toLowerCase();
            Optional<Pseudonymizer> p;
            switch (mode) {
                case PSEUDONYMIZE_NONE -> p = Optional.empty();
                case PSEUDONYMIZE_USER -> p = Optional.of(Pseudonymizer.withKey(options.requireSecret("pseudonymize-key")));
                default -> throw new UsageException("--pseudonymize must be none or user, got '" + mode + "'");
            }
            int days = options.getInt("rematch-days");
            if (days < 0) {
                throw new UsageException("--rematch-days must be 0 or more, got " + days);
            }
            return new Settings(options.getOrDefault("entities", EntitySources.AUTO), options.flag("full"), mode, p,
                    days);
        }

        String fingerprint() {
            return pseudonymizer.map(Pseudonymizer::fingerprint).orElse("");
        }
    }
}
