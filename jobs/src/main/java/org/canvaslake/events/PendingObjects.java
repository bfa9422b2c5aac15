package org.canvaslake.events;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Which raw objects a run reads: those the ledger does not record yet. An hourly run should not list every object
 * ever landed and read the ledger's record of each: that gets slower, and heavier on the driver, with every hour of
 * history. So where the raw objects are in the lander's {@code dt=YYYY-MM-DD} folders, a run lists only the recent
 * folders and reads only their part of the ledger.
 *
 * <p>Recent means: from {@code --lookback-days} days before the newest folder that holds a compacted object, or
 * before the newest folder if that is earlier, on. So every folder newer than what was compacted is listed however
 * long runs have stopped, and the lookback covers what lands late in older folders: the lander writes a batch into
 * the folder of its first receipt, and SQS redelivers a message for at most 14 days. Folders are counted from
 * tomorrow at the latest, so a folder dated in the future by a wrong clock cannot move the window past the data.
 * Nothing compacted from these folders yet (the first run): all of them. Any other layout: everything, against the
 * whole ledger.
 */
final class PendingObjects {

    /**
     * @param listed           the objects listed
     * @param todo             those not compacted yet
     * @param since            the date of the oldest folder listed when not all were
     * @param foldersNotListed how many older date folders were left out
     */
    record Pending(List<RawObject> listed, List<RawObject> todo, Optional<LocalDate> since, int foldersNotListed) {
    }

    private PendingObjects() {
    }

    /**
     * @param full         list everything and read it all again ({@code --full}; the ledger is not read)
     * @param lookbackDays how many days before the newest compacted folder to list; empty: everything
     * @param today        today's date in UTC
     */
    static Pending find(RawObjectStore store, EventsLedger ledger, String raw, boolean full, OptionalInt lookbackDays,
                        LocalDate today) {
        Optional<RawObjectStore.DateFolders> dated = full || lookbackDays.isEmpty() ? Optional.empty()
                : store.dateFolders(raw);
        if (dated.isEmpty()) {
            List<RawObject> all = store.list(raw);
            return new Pending(all, full ? all : ledger.pending(all), Optional.empty(), 0);
        }
        RawObjectStore.DateFolders folders = dated.get();
        int days = lookbackDays.getAsInt();
        LocalDate anchor = earlier(folders.newest(), today.plusDays(1));
        LocalDate recent = anchor.minusDays(days);
        // the usual hourly case: what the ledger holds of the recent folders, which include the newest compacted one
        Set<String> done = new HashSet<>(ledger.compacted(folders, recent, null));
        Optional<LocalDate> newestDone = done.stream().max(String::compareTo).flatMap(folders::dateOf)
                .or(() -> ledger.last(folders, recent).flatMap(folders::dateOf));
        LocalDate since = newestDone.map(d -> earlier(anchor, d).minusDays(days)).orElse(folders.byDate().firstKey());
        if (newestDone.isPresent() && since.isBefore(recent)) {
            // runs stopped for a while (or a new day began): the ledger's part for the older folders listed too
            done.addAll(ledger.compacted(folders, since, recent));
        }
        List<RawObject> listed = store.list(folders, since);
        List<RawObject> todo = listed.stream().filter(o -> !done.contains(o.path())).toList();
        int notListed = folders.byDate().headMap(since).size();
        return new Pending(listed, todo, notListed > 0 ? Optional.of(since) : Optional.empty(), notListed);
    }

    private static LocalDate earlier(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }
}
