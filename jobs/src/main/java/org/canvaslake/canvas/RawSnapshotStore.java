package org.canvaslake.canvas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where raw Canvas API pages live and how they are written and found again:
 * {@code raw/canvas_api/<entity>/dt=YYYY-MM-DD/run=<run id>/page-NNNNN.json}, one file per page exactly as received
 * (credentials redacted), plus the run's {@link RawManifest}. Everything goes through Hadoop's FileSystem, so the
 * lake may be a local folder or {@code s3://}.
 */
public final class RawSnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(RawSnapshotStore.class);

    public static final String FOLDER = "canvas_api";
    private static final Pattern SPEC = Pattern.compile("(?:dt=)?(\\d{4}-\\d{2}-\\d{2})(?:/run=([A-Za-z0-9._-]+))?/?");
    private static final Pattern PAGE = Pattern.compile("page-(\\d+)\\.json");
    private static final Pattern SAFE_RUN_ID = Pattern.compile("[A-Za-z0-9._-]+");

    private final Lake lake;
    private final Configuration conf;

    public RawSnapshotStore(Lake lake, Configuration hadoopConf) {
        this.lake = lake;
        this.conf = hadoopConf;
    }

    public String entityDir(CanvasEntity entity) {
        return lake.raw(FOLDER + "/" + entity.folder());
    }

    public String runDir(CanvasEntity entity, LocalDate dt, String runId) {
        if (!SAFE_RUN_ID.matcher(runId).matches()) {
            throw new UsageException("The run id '" + runId + "' names a raw folder, so it may hold only letters, "
                    + "digits, '.', '_' and '-'; choose another --run-id");
        }
        return entityDir(entity) + "/dt=" + dt + "/run=" + runId;
    }

    public static String pageFile(int number) {
        return String.format(Locale.ROOT, "page-%05d.json", number);
    }

    /** The page number in a page file's name, or -1. */
    public static int pageNumber(String fileName) {
        Matcher m = PAGE.matcher(fileName);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    public void write(String dir, String file, byte[] bytes) {
        Path path = new Path(dir, file);
        try (OutputStream out = fs(dir).create(path, true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write raw page " + path + ": " + e.getMessage()
                    + " (check that the lake is writable)", e);
        }
    }

    /**
     * Empties a run folder an earlier try of the same run id left (a rerun with the same {@code --run-id} the same
     * day): its manifest would otherwise vouch for pages this try overwrites, and its pages beyond this try's last one
     * would be read with them. Returns how many files were removed.
     */
    public int clear(String dir) {
        Path path = new Path(dir);
        try {
            FileSystem fs = fs(dir);
            if (!fs.exists(path)) {
                return 0;
            }
            int files = 0;
            for (FileStatus s : fs.listStatus(path)) {
                if (s.isFile()) {
                    files++;
                }
            }
            fs.delete(path, true);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot empty the raw folder " + dir + " an earlier try of this run left: "
                    + e.getMessage() + " (check that the lake is writable, or give another --run-id)", e);
        }
    }

    /** Written last: its presence marks the run folder as finished. */
    public void writeManifest(String dir, RawManifest manifest) {
        write(dir, RawManifest.FILE, manifest.toJson().getBytes(StandardCharsets.UTF_8));
    }

    public RawManifest readManifest(String dir) {
        Path path = new Path(dir, RawManifest.FILE);
        try (InputStream in = fs(dir).open(path)) {
            return RawManifest.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The run folder a {@code --from-raw} value names: {@code dt=YYYY-MM-DD/run=<id>} exactly, or with only the date
     * the latest finished run (one with a manifest) of that day.
     */
    public String locate(CanvasEntity entity, String spec) {
        Matcher m = SPEC.matcher(spec == null ? "" : spec.trim());
        if (!m.matches()) {
            throw new UsageException("--from-raw must be dt=YYYY-MM-DD or dt=YYYY-MM-DD/run=<run id>, got '" + spec + "'");
        }
        LocalDate dt;
        try {
            dt = LocalDate.parse(m.group(1));
        } catch (DateTimeParseException e) {
            throw new UsageException("--from-raw names no valid date: '" + m.group(1) + "'");
        }
        String day = entityDir(entity) + "/dt=" + dt;
        try {
            FileSystem fs = fs(day);
            if (m.group(2) != null) {
                String dir = day + "/run=" + m.group(2);
                if (!fs.exists(new Path(dir, RawManifest.FILE))) {
                    throw new IllegalStateException("No finished raw snapshot of " + entity.folder() + " at " + dir
                            + " (no " + RawManifest.FILE + "; the run may have been cut short). Runs of that day: "
                            + runs(fs, day));
                }
                return dir;
            }
            List<String> runs = runs(fs, day);
            if (runs.isEmpty()) {
                throw new IllegalStateException("No finished raw snapshot of " + entity.folder() + " on " + dt + " under "
                        + entityDir(entity) + ". Days with snapshots: " + days(fs, entity)
                        + ". Take one with 'canvaslake canvas' or pick another --from-raw date.");
            }
            return day + "/run=" + runs.get(runs.size() - 1);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + day + ": " + e.getMessage(), e);
        }
    }

    /** Every page file of a run folder, in page order. */
    public List<String> pages(String dir) {
        try {
            FileSystem fs = fs(dir);
            List<FileStatus> files = new ArrayList<>();
            for (FileStatus s : fs.listStatus(new Path(dir))) {
                if (s.isFile() && pageNumber(s.getPath().getName()) >= 0) {
                    files.add(s);
                }
            }
            files.sort((a, b) -> Integer.compare(pageNumber(a.getPath().getName()), pageNumber(b.getPath().getName())));
            return files.stream().map(s -> s.getPath().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list raw pages in " + dir + ": " + e.getMessage(), e);
        }
    }

    private List<String> runs(FileSystem fs, String day) throws IOException {
        Path dayPath = new Path(day);
        List<String> out = new ArrayList<>();
        if (!fs.exists(dayPath)) {
            return out;
        }
        Map<String, Instant> taken = new HashMap<>();
        for (FileStatus s : fs.listStatus(dayPath)) {
            String name = s.getPath().getName();
            if (s.isDirectory() && name.startsWith("run=") && fs.exists(new Path(s.getPath(), RawManifest.FILE))) {
                String run = name.substring("run=".length());
                out.add(run);
                taken.put(run, snapshotAt(s.getPath().toString()));
            }
        }
        // in the order the snapshots were taken: run ids need not sort by time ("try10" before "try2", a default
        // id before an Airflow one)
        out.sort(Comparator.comparing((String run) -> taken.get(run)).thenComparing(Comparator.naturalOrder()));
        return out;
    }

    /** When a finished run folder's snapshot was taken; the earliest instant when its manifest cannot be read. */
    private Instant snapshotAt(String dir) {
        try {
            return readManifest(dir).snapshotAt();
        } catch (RuntimeException e) {
            LOG.warn("canvas: cannot read the manifest of {} ({}); taken for the oldest run of its day", dir,
                    e.getMessage());
            return Instant.MIN;
        }
    }

    private List<String> days(FileSystem fs, CanvasEntity entity) throws IOException {
        Path dir = new Path(entityDir(entity));
        List<String> out = new ArrayList<>();
        if (fs.exists(dir)) {
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isDirectory() && s.getPath().getName().startsWith("dt=")) {
                    out.add(s.getPath().getName());
                }
            }
        }
        out.sort(String::compareTo);
        return out.isEmpty() ? List.of("(none)") : out;
    }

    private FileSystem fs(String location) {
        try {
            return FileSystem.get(URI.create(location), conf);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot reach the lake at " + location + ": " + e.getMessage(), e);
        }
    }
}
