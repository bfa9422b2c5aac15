package org.canvaslake.events;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;

/**
 * Every option of {@code canvaslake events}, parsed once.
 *
 * @param raw            where the raw objects are (our landed envelopes or any of the layouts the job reads)
 * @param full           rebuild every table from all raw objects instead of reading only new ones
 * @param targetFileMb   roughly how big a written file should get; small runs write one file per date
 * @param writeThreads   how many tables are written at the same time
 * @param optimize       when the run packs small files ({@link TableOptimize})
 * @param lookbackDays   how many days of {@code dt=} folders before the newest compacted one a run lists; empty:
 *                       all of them ({@link PendingObjects})
 * @param batchBytes     the most raw bytes one batch of the run reads ({@link RunBatches}); empty: sized by Spark's
 *                       memory for caching; {@link Long#MAX_VALUE}: the whole run in one batch
 */
public record EventsOptions(String raw, boolean full, int targetFileMb, int writeThreads, TableOptimize.When optimize,
                            OptionalInt lookbackDays, OptionalLong batchBytes) {

    /** SQS keeps a message for 14 days at most, so a redelivered batch lands at most that far back; one more day. */
    public static final int DEFAULT_LOOKBACK_DAYS = 15;

    public static final List<OptionSpec> SPECS = List.of(
            OptionSpec.flag("full", "Rebuild every events table from all raw objects (the ledger is ignored and "
                    + "rewritten); without it only objects not yet in _meta.events_ledger are read. A rebuild that "
                    + "stops part way must be run again: until one finishes, runs without --full stop at once"),
            OptionSpec.value("raw", null, "Where the raw objects are, if not <lake>/raw/live_events: a directory or "
                    + "s3:// prefix of landed envelopes, bare event JSON lines, SQS dumps (aws sqs receive-message "
                    + "output) or Firehose objects; gzip or plain"),
            OptionSpec.value("target-file-mb", "128", "Approximate size of the data files written; a run with less "
                    + "data writes one file per event date"),
            OptionSpec.value("write-threads", "4", "How many tables are written at the same time (the live stream and "
                    + "the quarantine first, then the per-type tables)"),
            OptionSpec.value("optimize", "daily", "When to pack the small files hourly runs leave (Delta OPTIMIZE of "
                    + "the events tables' last " + TableOptimize.RECENT_DAYS + " days of date partitions and of the "
                    + "ledger, after the run is recorded): daily = in the first run of each UTC day, now = in this "
                    + "run, never = not at all (when OPTIMIZE is scheduled elsewhere)"),
            OptionSpec.value("lookback-days", String.valueOf(DEFAULT_LOOKBACK_DAYS), "When the raw objects are in "
                    + "dt=YYYY-MM-DD folders (as the lander writes them), list only the folders from this many days "
                    + "before the newest one holding compacted objects on, and read only their part of the ledger, so "
                    + "that hourly runs do not slow down as raw history grows; newer folders are always listed. The "
                    + "lander writes a batch into the folder of its first receipt, and SQS redelivers for at most 14 "
                    + "days. 'all' lists every folder: use it once after copying older raw objects in. --full always "
                    + "lists everything"),
            OptionSpec.value("batch-mb", "auto", "The most raw data (MB, as stored: gzip counts compressed) one batch "
                    + "of the run reads. A run parses its objects into Spark's memory and writes every table from "
                    + "there, so a backlog or a --full rebuild is read in batches, each written and recorded in the "
                    + "ledger before the next: a run that stops part way keeps the batches it finished, and the next "
                    + "run reads the rest (a --full run is run again whole). auto = what fits in " + RunBatches.STORAGE_SHARE + " of Spark's storage "
                    + "memory, counting about " + (long) RunBatches.CACHE_PER_GZIP_BYTE + " bytes cached per byte of a "
                    + "gzip object (named .gz) and " + RunBatches.CACHE_PER_PLAIN_BYTE + " per byte of a plain one, "
                    + "at least " + RunBatches.MIN_AUTO_CACHE_BYTES / (1024 * 1024) + " MB cached; the run log says "
                    + "what it chose and what each batch took; all = the whole run in one batch"));

    public EventsOptions {
        if (targetFileMb < 1) {
            throw new UsageException("--target-file-mb must be at least 1, got " + targetFileMb);
        }
        if (writeThreads < 1) {
            throw new UsageException("--write-threads must be at least 1, got " + writeThreads);
        }
    }

    public static EventsOptions from(Options options, Lake lake) {
        String raw = options.get("raw").filter(s -> !s.isBlank()).map(EventsOptions::location)
                .orElse(lake.raw("live_events"));
        return new EventsOptions(raw, options.flag("full"), options.getInt("target-file-mb"),
                options.getInt("write-threads"), TableOptimize.When.parse(options.get("optimize").orElse("daily")),
                lookback(options.get("lookback-days").orElse(String.valueOf(DEFAULT_LOOKBACK_DAYS))),
                batchBytes(options.get("batch-mb").orElse("auto")));
    }

    /** {@code --batch-mb}: {@code auto}, {@code all} or a positive number of MB (decimals allowed). */
    static OptionalLong batchBytes(String given) {
        String v = given.trim();
        if (v.equalsIgnoreCase("auto")) {
            return OptionalLong.empty();
        }
        if (v.equalsIgnoreCase("all")) {
            return OptionalLong.of(Long.MAX_VALUE);
        }
        try {
            double mb = Double.parseDouble(v);
            if (mb > 0 && mb < Long.MAX_VALUE / (1024.0 * 1024.0)) {
                return OptionalLong.of(Math.max(1, (long) (mb * 1024 * 1024)));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--batch-mb must be 'auto', 'all' or a number of MB above 0, got '" + given + "'");
    }

    /** {@code --lookback-days}: a number of days (0 or more) or {@code all}. */
    static OptionalInt lookback(String given) {
        if (given.trim().equalsIgnoreCase("all")) {
            return OptionalInt.empty();
        }
        try {
            int days = Integer.parseInt(given.trim());
            if (days >= 0) {
                return OptionalInt.of(days);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--lookback-days must be a number of days (0 or more) or 'all', got '" + given
                + "'; the default, " + DEFAULT_LOOKBACK_DAYS + ", covers the 14 days SQS may redeliver a message");
    }

    /** A local directory in Hadoop's form ({@code file:/abs}), anything with a scheme as given. */
    private static String location(String given) {
        if (given.contains("://") || given.startsWith("file:")) {
            return given.endsWith("/") ? given.substring(0, given.length() - 1) : given;
        }
        return Lake.at(given).root();
    }

    public long targetFileBytes() {
        return targetFileMb * 1024L * 1024L;
    }
}
