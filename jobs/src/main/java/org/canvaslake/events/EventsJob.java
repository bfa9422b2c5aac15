package org.canvaslake.events;

import static org.apache.spark.sql.functions.col;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.delta.DeltaChanges;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.delta.MergeSpec;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.job.Failures;
import org.canvaslake.common.job.JobContext;
import org.canvaslake.common.job.SparkJob;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.lake.LakeLease;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code canvaslake events}: compacts landed live events into Delta.
 *
 * <pre>
 *   RawObjectStore.list ─ EventsLedger.pending ─▶ RawEventSource (parse, cached)
 *        ─▶ ParseSummary (objects, fields per event name)      ─▶ EventsLedger.record (last)
 *        ─▶ Deduplication ─▶ LiveStreamTable  ─▶ EventSink ─▶ events.live_stream
 *                         ─▶ TypedRows        ─▶ EventSink ─▶ events.&lt;event_name&gt;
 *        ─▶ QuarantineTable                   ─▶ EventSink ─▶ events._quarantine
 *        ─▶ TableOptimize (daily: OPTIMIZE of recent partitions and of the ledger)
 * </pre>
 *
 * Every table gets one commit per batch (created, rebuilt with {@code --full}, MERGEd by key, or appended to when the
 * batch's events are known to be new); the live stream commits first, the ledger after all of them, so a crash
 * anywhere leaves objects to be read again, never lost, and the key checks keep them from doubling. A run is one
 * batch unless its objects would not fit Spark's storage memory ({@link RunBatches}).
 */
public final class EventsJob extends SparkJob {

    private static final Logger LOG = LoggerFactory.getLogger(EventsJob.class);

    /** Crash point between the data and the ledger (see {@link CrashPoints}). */
    public static final String CRASH_BEFORE_LEDGER = "events.before_ledger";
    /** Every table of the batch planned (which events the live stream holds already is known), none written. */
    public static final String CRASH_BEFORE_TABLES = "events.before_tables";
    /** Crash point prefix: right after the named table's commit ({@code events.after_table.events.live_stream}). */
    public static final String CRASH_AFTER_TABLE = "events.after_table.";

    /**
     * Session settings for the run: date partitions written one after another (Spark sorts each task's rows by date;
     * with a Parquet writer open per date instead, a month of events kept ~30 writers per task and per table open and
     * ran 1.6x slower: Parquet shrank row groups for memory and every close flushed them all); no copy of MERGE
     * sources; no Parquet dictionary for the columns whose values are (nearly) all distinct (see
     * {@link #dictionaryOff}: the dictionary only hashes every value before giving up); timestamps as 64-bit
     * microseconds, the Parquet standard type, instead of Spark's legacy 12-byte INT96 (cheaper to encode, and to
     * compare for statistics).
     */
    private static final Map<String, String> SETTINGS = Map.of(
            "spark.sql.maxConcurrentOutputFileWriters", "0",
            "spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS",
            // MERGE sources here are the cached parse (deterministic): no need for Delta to copy them first
            "spark.databricks.delta.merge.materializeSource", "none");

    /** Columns of every run whose values are distinct or nearly so: written without a Parquet dictionary. */
    private static final List<String> DISTINCT_COLUMNS = List.of("event_json", "raw_text", "event_id", "message_id",
            "event_time_raw");
    /** Event fields that hold a value per request or session, or a URL: no dictionary either. */
    private static final Pattern DISTINCT_FIELD = Pattern.compile(".*(request_id|session_id|session__id|url|referrer)");
    /**
     * Per-file statistics of a per-type table (Delta's default is the first 32 columns, which for these ~100-column
     * tables costs a min/max of every row's ids and strings): the times, which queries filter on and which follow
     * the order events arrive in; the date is the partition. Not the event id: a hash or a random UUID, so every
     * file's min and max span nearly all ids and skip nothing (a MERGE by id finds its files by a join, not by
     * statistics), while computing them cost a min/max of a 64-character string per row.
     */
    static final Map<String, String> TYPED_TABLE_PROPERTIES =
            Map.of("delta.dataSkippingStatsColumns", "event_time,received_at");
    /**
     * Per-file statistics of {@code events.live_stream}: the times, and the numeric ids queries join on. Not the
     * string ids (the same values as the local ids; a file holds events of every user and course, so their
     * min and max skip nothing either), nor the event id or the JSON. A profile of the 1M-event benchmark had Delta's
     * statistics at 16% of this table's write with every column but the JSON and the arrival details.
     */
    static final Map<String, String> LIVE_STREAM_PROPERTIES = Map.of("delta.dataSkippingStatsColumns",
            "event_time,received_at,user_local_id,context_local_id,course_local_id,assignment_local_id",
            // the product and mirror jobs read only the commits after their last run, from the feed; on AWS their
            // roles may not write this table's log to switch it on themselves (see liveStreamFeedOn)
            DeltaChanges.FEED_PROPERTY, "true");

    /**
     * Prefix of the run report's counters that say where the run's time went, in milliseconds, one per
     * {@link #STEPS} entry (what the benchmark prints beside its ratio).
     */
    public static final String STEP_MS = "step_ms.";
    /** The steps of a run that report their time ({@link #STEP_MS}), in the order they run. */
    public static final List<String> STEPS = List.of("listing", "parse", "deduplication", "live_stream_and_quarantine",
            "per_type_tables", "ledger", "optimize");

    private static final long LIVE_STREAM_ROW_BYTES = 2048;
    private static final long TYPED_ROW_BYTES = 1024;
    /** A per-type table with more rows than this is written by more than one task (up to the cores there are). */
    private static final long ROWS_PER_WRITE_TASK = 40_000;

    @Override
    protected String name() {
        return "events";
    }

    @Override
    protected String summary() {
        return "Compact landed live events (Canvas and Caliper) into Delta: events.live_stream, events.<event_name>,"
                + " events._quarantine; incremental through _meta.events_ledger";
    }

    @Override
    protected String usage() {
        return "events [--lake DIR|s3://...] [--raw LOCATION] [--full] [--optimize daily|now|never]";
    }

    @Override
    protected List<OptionSpec> jobOptions() {
        return EventsOptions.SPECS;
    }

    @Override
    protected void execute(JobContext context) throws Exception {
        EventsOptions options = EventsOptions.from(context.options(), context.lake());
        run(context.spark(), context.lake(), options, context.report(), context.lease());
    }

    @Override
    protected String withoutLease() {
        return "Two runs at once are found afterwards only. " + OverlappingRuns.ONE_AT_A_TIME;
    }

    private void run(SparkSession spark, Lake lake, EventsOptions options, RunReport report, LakeLease lease)
            throws Exception {
        long started = System.nanoTime();
        UnfinishedRebuild rebuild = new UnfinishedRebuild(lake, spark.sparkContext().hadoopConfiguration());
        Optional<String> unfinished = rebuild.find();
        if (unfinished.isPresent() && !options.full()) {
            report.fail("events", "A --full rebuild did not finish (" + unfinished.get() + "): the tables may hold"
                    + " only the batches it reached, and the ledger objects whose events they lack. Run 'canvaslake"
                    + " events --full' again; until a rebuild finishes, runs without --full stop here.");
            return;
        }
        RawObjectStore store = new RawObjectStore(spark.sparkContext().hadoopConfiguration());
        EventsLedger ledger = new EventsLedger(spark, lake);
        PendingObjects.Pending pending = PendingObjects.find(store, ledger, options.raw(), options.full(),
                options.lookbackDays(), LocalDate.now(ZoneOffset.UTC));
        List<RawObject> listed = pending.listed();
        List<RawObject> todo = pending.todo();
        if (pending.since().isPresent()) {
            report.counter("raw_folders_not_listed", pending.foldersNotListed());
            LOG.info("events: listing the dt= folders from {} on; {} older folder(s) not listed (--lookback-days {};"
                    + " 'all' lists them)", pending.since().get(), pending.foldersNotListed(),
                    options.lookbackDays().getAsInt());
        }
        report.counter("raw_objects_listed", listed.size());
        report.counter(STEP_MS + "listing", ms(started));
        report.counter("raw_objects", todo.size());
        LOG.info("events: {} raw objects under {}, {} to read{} ({} ms)", listed.size(), options.raw(), todo.size(),
                options.full() ? " (full rebuild)" : "", ms(started));
        if (todo.isEmpty()) {
            report.note(listed.isEmpty() ? "No raw objects under " + options.raw() + ": nothing landed there yet,"
                    + " or the location is not the lander's (--raw; by default the lake's raw/live_events); nothing"
                    + " to do." : "No new raw objects under " + options.raw() + " (" + listed.size()
                    + " listed, all compacted already); nothing to do.");
            return;
        }
        RunBatches.Budget budget = RunBatches.budget(options.batchBytes(), spark);
        List<List<RawObject>> batches = RunBatches.split(todo, budget);
        report.counter("batches", batches.size());
        LOG.info("events: {} objects ({} MB) read in {} batch(es) of at most {} (--batch-mb {})", todo.size(),
                mb(RunBatches.bytes(todo)), batches.size(), budget.limit() == Long.MAX_VALUE ? "any size"
                        : mb(budget.limit()) + (budget.asStored() ? " MB as stored" : " MB in Spark's cache"),
                budget.asStored() ? "as given" : "auto: from Spark's storage memory, each object estimated by its "
                        + "size, gzip or plain");
        // the ledger's last record before this run: whether the day's OPTIMIZE is due
        Optional<Instant> lastRecorded = ledger.lastRecorded();
        Set<String> rebuilt = new HashSet<>();
        List<String> runDates = new ArrayList<>();
        if (options.full()) {
            // removed after the last batch: a rebuild that stops part way keeps normal runs from building on it
            rebuild.start(report.runId());
        }
        for (int i = 0; i < batches.size(); i++) {
            List<RawObject> batch = batches.get(i);
            if (batches.size() > 1) {
                LOG.info("events: batch {} of {}: {} objects, {} MB", i + 1, batches.size(), batch.size(),
                        mb(RunBatches.bytes(batch)));
            }
            if (!runBatch(spark, lake, options, report, store, ledger, batch, rebuilt, runDates, lease)) {
                if (options.full()) {
                    report.note("The --full rebuild stopped at batch " + (i + 1) + " of " + batches.size()
                            + ": run it again. Until a rebuild finishes, events runs without --full stop at once"
                            + " (they would build on tables that hold only part of the events).");
                } else if (i + 1 < batches.size()) {
                    int left = batches.subList(i + 1, batches.size()).stream().mapToInt(List::size).sum();
                    report.note("The run stopped at batch " + (i + 1) + " of " + batches.size() + ": " + left
                            + " raw object(s) of the later batches were not read; the next run reads them. The"
                            + " batches before it are written and recorded.");
                }
                return;
            }
        }
        if (options.full()) {
            rebuild.finish();
        }
        Instant now = Instant.now();
        // a rebuild writes whole files: nothing to pack
        if (!options.full() && TableOptimize.due(options.optimize(), lastRecorded, now)) {
            lease.ensureHeld();
            long optimizeStart = System.nanoTime();
            TableOptimize.run(spark, lake, options.targetFileBytes(), TableOptimize.since(runDates, now), report);
            report.counter(STEP_MS + "optimize", ms(optimizeStart));
        }
        LOG.info("events: run done in {} ms", ms(started));
    }

    /**
     * One batch of the run: parsed, written to every table it has events for, then recorded in the ledger. Returns
     * whether all of that succeeded (else the run stops: what failed is in the report). With {@code --full}, a table
     * is rebuilt by the first batch that has events for it ({@code rebuilt} names those written so far) and
     * MERGEd into by the later ones, and only the first batch replaces the ledger.
     */
    private boolean runBatch(SparkSession spark, Lake lake, EventsOptions options, RunReport report,
                             RawObjectStore store, EventsLedger ledger, List<RawObject> batch, Set<String> rebuilt,
                             List<String> runDates, LakeLease lease)
            throws InterruptedException {
        boolean firstOfRebuild = options.full() && rebuilt.isEmpty();
        String what = report.counter("batches") > 1 ? "batch" : "run";
        Map<String, String> previous = apply(spark, SETTINGS);
        previous.putAll(apply(spark, dictionaryOff(DISTINCT_COLUMNS)));
        RawEventSource.Parsed source = RawEventSource.read(spark, store, batch);
        try {
            long parseStart = System.nanoTime();
            ParseSummary summary = ParseSummary.collect(source.rows(ParsedRecords.OBJECT, ParsedRecords.FIELDS));
            report.counter("raw_bytes", summary.bytes());
            report.counter("raw_lines", summary.lines());
            report.counter("events_read", summary.events());
            report.counter("timestamps_unparsed", summary.unparsedTimes());
            report.counter("timestamps_unparsed_fields", summary.unparsedFieldTimes());
            List<ParseSummary.ObjectRead> unreadable = summary.failedObjects();
            for (ParseSummary.ObjectRead failed : unreadable) {
                report.fail(failed.path(), failed.error());
            }
            if (!unreadable.isEmpty()) {
                report.note(unreadable.size() + " raw object(s) could not be read (see the failures):"
                        + " the ledger does not record them, so they are read again next run. One that stays"
                        + " unreadable (a corrupt gzip, say) fails every run until it is mended or moved out of "
                        + options.raw() + ".");
            }
            long quarantined = 0;
            for (Row r : source.rows(ParsedRecords.QUARANTINE).groupBy("reason").count()
                    .collectAsList()) {
                report.counter("quarantined." + r.getString(0), r.getLong(1));
                quarantined += r.getLong(1);
            }
            report.counter("quarantined", quarantined);
            report.counter(STEP_MS + "parse", ms(parseStart));
            LOG.info("events: read {} objects ({} bytes, {} lines): {} events of {} types, {} quarantined, {} unreadable"
                    + " ({} ms; {} MB cached)", summary.objects().size(), summary.bytes(), summary.lines(),
                    summary.events(), summary.names().size(), quarantined, summary.failedObjects().size(),
                    ms(parseStart), mb(cachedBytes(spark)));

            Dataset<Row> events = source.rows(ParsedRecords.EVENT);
            long dedupStart = System.nanoTime();
            Deduplication.Result unique = Deduplication.apply(events);
            report.counter("duplicates_in_run", unique.dropped());
            report.counter(STEP_MS + "deduplication", ms(dedupStart));
            LOG.info("events: {} duplicates within the batch dropped ({} ms)", unique.dropped(), ms(dedupStart));

            // per-type values that do not convert to their column's type (stored as null)
            LongAccumulator unconverted = spark.sparkContext().longAccumulator("events.unconverted_values");
            List<TableWrite> writes = plan(spark, lake, options, report, summary, unique, source, previous,
                    quarantined, unconverted, table -> options.full() && !rebuilt.contains(table)
                            ? EventSink.Mode.REBUILD : EventSink.Mode.INCREMENTAL);
            CrashPoints.check(CRASH_BEFORE_TABLES);
            boolean allWritten = writeAll(writes, options.writeThreads(), report, lease);
            report.counter("values_unconverted", unconverted.value());
            if (!allWritten) {
                report.note("The ledger was not updated for the objects of this " + what
                        + ": they are read again next run.");
                return false;
            }
            writes.forEach(w -> rebuilt.add(w.table()));
            if (SparkSessionFactory.usesGlueDataCatalog()) {
                // makes new tables visible to Athena; locally `canvaslake sql` registers what it finds by itself
                writes.forEach(w -> LakeCatalog.register(spark, lake, w.table()));
            }
            CrashPoints.check(CRASH_BEFORE_LEDGER);
            long ledgerStart = System.nanoTime();
            List<ParseSummary.ObjectRead> done = summary.objects().stream().filter(o -> !o.failed()).toList();
            List<String> batchDates = new ArrayList<>();
            summary.names().values().forEach(n -> batchDates.addAll(n.dates().keySet()));
            EventsLedger.Recorded recorded;
            // the ledger's commit names the live stream's version this batch finished with (see EventsLedger)
            String livePath = lake.table(LiveStreamTable.NAME);
            OptionalLong liveVersion = DeltaTables.exists(spark, livePath)
                    ? OptionalLong.of(DeltaChanges.currentVersion(spark, livePath)) : OptionalLong.empty();
            try {
                lease.ensureHeld();
                recorded = ledger.record(done, report.runId(), firstOfRebuild, liveVersion);
            } catch (Exception e) {
                // Exception, not RuntimeException: Delta throws Hadoop's IOExceptions undeclared
                LOG.error("events: recording the run's objects in {} failed", EventsLedger.NAME, e);
                report.fail(EventsLedger.NAME, Failures.describe(e));
                boolean noneTwice = true;
                if (OverlappingRuns.lostToAnotherCommit(e)) {
                    try {
                        noneTwice = noneTwice(spark, lake, writes, batchDates, Map.of(), done.size(), report);
                    } catch (Exception count) {
                        LOG.warn("events: could not count events held twice after the ledger's conflict", count);
                    }
                }
                if (noneTwice) {
                    report.note("Recording the objects of this " + what
                            + " in the ledger failed: unless the commit landed all the same,"
                            + " they are read again next run (their events are in the tables already, and are not"
                            + " doubled).");
                }
                return false;
            }
            report.counter(STEP_MS + "ledger", ms(ledgerStart));
            LOG.info("events: ledger {} records {} objects ({} ms)", EventsLedger.NAME, done.size(), ms(ledgerStart));
            runDates.addAll(batchDates);
            if (recorded.alsoRecordedBy().isEmpty()) {
                return true;
            }
            if (!noneTwice(spark, lake, writes, batchDates, recorded.alsoRecordedBy(), done.size(), report)) {
                return false;
            }
            LOG.warn("events: another run recorded objects of this run too ({}); no event is twice in the tables",
                    recorded.alsoRecordedBy());
            report.note(OverlappingRuns.harmless(recorded.alsoRecordedBy(), done.size()));
            return true;
        } finally {
            source.close();
            restore(spark, previous);
        }
    }

    /**
     * After another run took some of this batch's objects too ({@link OverlappingRuns}): whether the event tables the
     * batch wrote hold none of its events twice in its dates. When some do, the run fails naming them and the mend.
     * {@code otherRuns} is empty when the ledger's commit lost to the other run's.
     */
    private static boolean noneTwice(SparkSession spark, Lake lake, List<TableWrite> writes, List<String> dates,
                                     Map<String, Long> otherRuns, int objects, RunReport report) {
        List<String> tables = writes.stream().map(TableWrite::table).filter(t -> !t.equals(QuarantineTable.NAME))
                .toList();
        Map<String, Long> doubled = OverlappingRuns.doubled(spark, lake, tables, dates);
        if (doubled.isEmpty()) {
            return true;
        }
        LOG.error("events: another run compacted objects of this run at the same time ({}); events twice: {}",
                otherRuns.isEmpty() ? "its ledger commit came first" : otherRuns, doubled);
        report.fail(OverlappingRuns.UNIT, OverlappingRuns.failure(otherRuns, objects, doubled));
        return false;
    }

    /** Bytes in Spark's cache now, in memory and on disk: what a batch's parse holds. */
    private static long cachedBytes(SparkSession spark) {
        long bytes = 0;
        for (org.apache.spark.storage.RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            bytes += info.memSize() + info.diskSize();
        }
        return bytes;
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    /** One table to write in this run. */
    private record TableWrite(String table, Callable<EventSink.Outcome> write, long rows) {
    }

    private List<TableWrite> plan(SparkSession spark, Lake lake, EventsOptions options, RunReport report,
                                  ParseSummary summary, Deduplication.Result unique, RawEventSource.Parsed source,
                                  Map<String, String> settingsBefore, long quarantineRows,
                                  LongAccumulator unconverted, Function<String, EventSink.Mode> modeOf) {
        EventSink.Mode liveBase = modeOf.apply(LiveStreamTable.NAME);
        int maxGroups = Math.max(1, spark.sparkContext().defaultParallelism());
        List<TableWrite> writes = new ArrayList<>();

        long liveRows = summary.events() - unique.dropped();
        TreeSet<String> allDates = new TreeSet<>();
        summary.names().values().forEach(n -> allDates.addAll(n.dates().keySet()));
        MergeSpec liveSpec = eventSpec(allDates, summary.unparsedTimes() > 0);
        String livePath = lake.table(LiveStreamTable.NAME);
        // which of the run's events the lake holds already: one join, instead of a check (and MERGE) per table
        Optional<StoredEvents> stored = liveBase == EventSink.Mode.INCREMENTAL && DeltaTables.exists(spark, livePath)
                ? StoredEvents.find(spark, unique.events(), livePath, liveSpec.targetFilter().orElseThrow())
                : Optional.empty();
        Dataset<Row> liveRowsData = LiveStreamTable.rows(unique.events());
        int liveGroups = EventSink.fileGroups(liveRows * LIVE_STREAM_ROW_BYTES, options.targetFileBytes(), maxGroups);
        Set<String> liveHeld = stored.map(s -> s.ids(summary.names().keySet())).orElse(Set.of());
        // when no copy there is replaced (they arrived first), they stay and the rest is appended
        boolean liveAppends = stored.isPresent() && !stored.get().replacesAny(liveHeld);
        Dataset<Row> liveData = liveAppends ? without(liveRowsData, liveHeld) : liveRowsData;
        long liveNew = liveAppends ? liveRows - liveHeld.size() : liveRows;
        EventSink.Mode liveMode = liveAppends ? EventSink.Mode.APPEND_NEW : liveBase;
        writes.add(new TableWrite(LiveStreamTable.NAME, () -> {
            liveStreamFeedOn(spark, livePath, report);
            return EventSink.write(spark, liveData, liveNew, livePath, liveSpec, liveMode, liveGroups,
                    LIVE_STREAM_PROPERTIES);
        }, liveRows));

        Map<String, List<String>> tables = EventTypeTables.byTable(summary.names().keySet());
        for (Map.Entry<String, List<String>> t : tables.entrySet()) {
            String table = t.getKey();
            List<String> names = t.getValue();
            String path = lake.table(table);
            Map<String, FieldType> seen = new LinkedHashMap<>();
            TreeSet<String> dates = new TreeSet<>();
            long rows = 0;
            boolean unparsed = false;
            for (String n : names) {
                ParseSummary.NameSeen s = summary.names().get(n);
                s.fields().forEach((f, type) -> seen.merge(f, type, FieldType::merge));
                dates.addAll(s.dates().keySet());
                rows += s.events() - unique.droppedPerName().getOrDefault(n, 0L);
                unparsed |= s.unparsedTimes() > 0;
            }
            EventSink.Mode mode = modeOf.apply(table);
            StructType existing = mode == EventSink.Mode.INCREMENTAL && DeltaTables.exists(spark, path)
                    ? DeltaTables.read(spark, path).schema() : null;
            EventTypeTables.Plan plan = EventTypeTables.plan(existing, seen);
            if (!plan.newColumns().isEmpty()) {
                report.counter("new_fields", plan.newColumns().size());
                report.count(table, "new_columns", plan.newColumns().size());
                report.note(table + " gains " + plan.newColumns().size() + " column(s) for new fields: "
                        + String.join(", ", plan.newColumns()));
            }
            if (!plan.conflicts().isEmpty()) {
                report.note(table + ": fields whose type differs from the table: " + String.join("; ", plan.conflicts()));
            }
            Map<String, String> off = dictionaryOff(List.of(plan.schema().fieldNames()).stream()
                    .filter(c -> DISTINCT_FIELD.matcher(c).matches()).toList());
            off.keySet().removeAll(settingsBefore.keySet());
            settingsBefore.putAll(apply(spark, off));
            // the table's own events only: the cache is grouped by event name
            Dataset<Row> input = unique.withoutDropped(source.events(names))
                    .selectExpr(TypedRows.inputColumns().toArray(String[]::new));
            long tableRows = rows;
            int groups = Math.max(EventSink.fileGroups(rows * TYPED_ROW_BYTES, options.targetFileBytes(), maxGroups),
                    EventSink.fileGroups(rows, ROWS_PER_WRITE_TASK, maxGroups));
            MergeSpec spec = eventSpec(dates, unparsed);
            // the typed rows are planned in the writer thread: planning (code generation) of ~20 tables then
            // overlaps with the writing of others instead of running before all of them
            Set<String> inLive = stored.isPresent() && existing != null ? stored.get().ids(names) : null;
            writes.add(new TableWrite(table, () -> {
                // none of the run's events of this table in the live stream: none in the table either; some: the
                // table is asked about those alone, and when it holds them as the live stream does, they stay
                Optional<Set<String>> held = inLive == null || stored.get().replacesAny(inLive) ? Optional.empty()
                        : inLive.isEmpty() ? Optional.of(Set.<String>of())
                        : stored.get().heldAlike(spark, path, spec.targetFilter().orElseThrow(), inLive);
                Dataset<Row> rowsIn = held.map(h -> without(input, h)).orElse(input);
                // internal rows in and out: no conversion of ~100-column rows to and from external Rows
                RDD<InternalRow> typed = rowsIn.queryExecution().toRdd().toJavaRDD()
                        .mapPartitions(new TypedRows(plan.schema(), plan.columnTypes(), unconverted)).rdd();
                Dataset<Row> data = spark.internalCreateDataFrame(typed, plan.schema(), false);
                long newRows = tableRows - held.map(Set::size).orElse(0);
                EventSink.Mode tableMode = held.isPresent() ? EventSink.Mode.APPEND_NEW : mode;
                EventSink.Outcome o = EventSink.write(spark, data, newRows, path, spec, tableMode, groups,
                        TYPED_TABLE_PROPERTIES);
                // an append adds the plan's new columns in its own commit (mergeSchema) and does not report them
                return held.isPresent() ? new EventSink.Outcome(o.inserted(), o.updated(), o.created(),
                        plan.newColumns()) : o;
            }, rows));
        }

        EventSink.Mode quarantineMode = modeOf.apply(QuarantineTable.NAME);
        if (quarantineRows > 0 || quarantineMode == EventSink.Mode.REBUILD) {
            String path = lake.table(QuarantineTable.NAME);
            Dataset<Row> data = QuarantineTable.rows(source.rows(ParsedRecords.QUARANTINE), report.runId());
            MergeSpec spec = MergeSpec.on("quarantine_id").ignoringInComparison("run_id").partitionBy("dt")
                    .appendingWhenNoKeyMatches();
            writes.add(new TableWrite(QuarantineTable.NAME, () -> EventSink.write(spark, data, quarantineRows, path,
                    spec, quarantineMode, 1, EventSink.statisticsExcept(data.columns(), "raw_text")), quarantineRows));
        }
        return writes;
    }

    /**
     * Switches the Change Data Feed on for a live stream created before the table was made with it (one metadata
     * commit, once), so that this and later commits record their changes. The product job and the mirror read the
     * feed; they would switch it on themselves, but on AWS their roles only read {@code events/}, so without this
     * they rebuild in full every run. A table created by this run gets the feed from {@link #LIVE_STREAM_PROPERTIES}.
     */
    private static void liveStreamFeedOn(SparkSession spark, String path, RunReport report) {
        if (DeltaTables.exists(spark, path) && !DeltaChanges.feedEnabled(spark, path)) {
            if (DeltaChanges.enableFeed(spark, path)) {
                report.note("switched on the Change Data Feed of " + LiveStreamTable.NAME
                        + ": the product job and the mirror read only its new commits from now on");
            } else {
                report.note("could not switch on the Change Data Feed of " + LiveStreamTable.NAME
                        + " (see the log): the product job and the mirror read it in full until it is on");
            }
        }
    }

    private static Dataset<Row> without(Dataset<Row> events, Set<String> ids) {
        return ids.isEmpty() ? events : events.where(functions.not(col("event_id").isin(ids.toArray())));
    }

    /**
     * MERGE by event id, keeping the earliest-received copy, reading only the target's partitions this run can
     * touch: an event's date follows from its content (its event time), so a stored copy sits in the same partition;
     * events whose time did not parse are dated by receipt, so for them the rows without an event time are read too.
     * An hour's events are nearly all new, so the write is an append unless one of them is already there (a
     * redelivery across runs): a Delta MERGE's fixed cost would otherwise dominate every small hourly run.
     */
    static MergeSpec eventSpec(java.util.Set<String> dates, boolean withUnparsedTimes) {
        String in = dates.stream().map(d -> "DATE'" + d + "'").collect(Collectors.joining(", "));
        // no dates: a run without events (only unreadable objects) MERGEs nothing; "IN ()" would not parse
        String dated = dates.isEmpty() ? "FALSE" : "t.dt IN (" + in + ")";
        String filter = dated + (withUnparsedTimes ? " OR t.event_time IS NULL" : "");
        return MergeSpec.on("event_id").updateWhen(Deduplication.EARLIER_ARRIVAL).partitionBy("dt")
                .targetFilter(filter).appendingWhenNoKeyMatches();
    }

    /**
     * Writes the live stream (and beside it the quarantine) first, then the per-type tables, {@code threads} at a
     * time. The live stream commits before any per-type table, and when it fails no per-type table is written: what
     * {@link StoredEvents} relies on.
     */
    private boolean writeAll(List<TableWrite> writes, int threads, RunReport report, LakeLease lease)
            throws InterruptedException {
        List<TableWrite> first = writes.stream().filter(w -> w.table().equals(LiveStreamTable.NAME)
                || w.table().equals(QuarantineTable.NAME)).toList();
        List<TableWrite> typed = writes.stream().filter(w -> !first.contains(w)).toList();
        long start = System.nanoTime();
        boolean firstWritten = writeEach(first, threads, report, lease);
        report.counter(STEP_MS + "live_stream_and_quarantine", ms(start));
        if (!firstWritten) {
            typed.forEach(w -> report.note(w.table() + " was not written: the per-type tables are written only after "
                    + LiveStreamTable.NAME + " and " + QuarantineTable.NAME + ", and one of them failed."));
            return false;
        }
        start = System.nanoTime();
        boolean typedWritten = writeEach(typed, threads, report, lease);
        report.counter(STEP_MS + "per_type_tables", ms(start));
        return typedWritten;
    }

    private boolean writeEach(List<TableWrite> writes, int threads, RunReport report, LakeLease lease)
            throws InterruptedException {
        if (writes.isEmpty()) {
            return true;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, Math.max(1, writes.size())), r -> {
            Thread t = new Thread(r, "events-writer");
            t.setDaemon(true);
            return t;
        });
        boolean ok = true;
        try {
            Map<TableWrite, Future<EventSink.Outcome>> futures = new LinkedHashMap<>();
            for (TableWrite w : writes) {
                futures.put(w, pool.submit(() -> {
                    // a writer queued behind a crashed one would have died with the process
                    CrashPoints.stopIfCrashed();
                    // a run that may have lost its lease to another does not commit
                    lease.ensureHeld();
                    long start = System.nanoTime();
                    EventSink.Outcome o = w.write().call();
                    // this table committed, others maybe not yet, the ledger certainly not
                    CrashPoints.check(CRASH_AFTER_TABLE + w.table());
                    LOG.info("events: {} {}: {} rows, {} inserted, {} updated{} ({} ms)", o.created() ? "wrote" : "merged",
                            w.table(), w.rows(), o.inserted(), o.updated(),
                            o.addedColumns().isEmpty() ? "" : ", columns added " + o.addedColumns(), ms(start));
                    return o;
                }));
            }
            for (Map.Entry<TableWrite, Future<EventSink.Outcome>> f : futures.entrySet()) {
                String table = f.getKey().table();
                try {
                    EventSink.Outcome o = f.getValue().get();
                    report.count(table, "rows_in_run", f.getKey().rows());
                    report.count(table, "inserted", o.inserted());
                    report.count(table, "updated", o.updated());
                    if (table.equals(LiveStreamTable.NAME) && !o.created()) {
                        report.counter("duplicates_already_in_lake", f.getKey().rows() - o.inserted() - o.updated());
                    }
                    if (o.created()) {
                        report.counter("tables_written_whole", 1);
                    }
                } catch (ExecutionException e) {
                    ok = false;
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    LOG.error("events: writing {} failed", table, cause);
                    report.fail(table, Failures.describe(cause));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return ok;
    }

    /** Session settings that write the named columns without a Parquet dictionary. */
    private static Map<String, String> dictionaryOff(List<String> columns) {
        Map<String, String> settings = new LinkedHashMap<>();
        columns.forEach(c -> settings.put("parquet.enable.dictionary#" + c, "false"));
        return settings;
    }

    /** Sets session settings; returns what they were (null: unset), for {@link #restore}. */
    static Map<String, String> apply(SparkSession spark, Map<String, String> settings) {
        Map<String, String> previous = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            previous.put(k, spark.conf().get(k, null));
            spark.conf().set(k, v);
        });
        return previous;
    }

    static void restore(SparkSession spark, Map<String, String> previous) {
        previous.forEach((k, v) -> {
            if (v == null) {
                spark.conf().unset(k);
            } else {
                spark.conf().set(k, v);
            }
        });
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
