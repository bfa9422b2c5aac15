package org.canvaslake.events;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Lists and reads raw objects, locally through java.nio (fast, no checksum side files) and anywhere else (S3)
 * through the Hadoop file system Spark is configured with. Serializable so that executors read the objects
 * themselves: it carries the Hadoop settings as plain strings.
 */
public final class RawObjectStore implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Prefix of the date folders the lander writes: {@code dt=YYYY-MM-DD}. */
    static final String DATE_FOLDER = "dt=";

    private final Map<String, String> hadoopSettings;
    private transient Configuration configuration;

    public RawObjectStore(Configuration conf) {
        Map<String, String> settings = new HashMap<>();
        conf.iterator().forEachRemaining(e -> settings.put(e.getKey(), e.getValue()));
        this.hadoopSettings = settings;
        this.configuration = conf;
    }

    /**
     * The {@code dt=YYYY-MM-DD} folders directly under a location laid out as the lander writes it.
     *
     * @param prefix the folders' common path up to and including {@code dt=}, in the form objects are listed in:
     *               {@code prefix + date} is a folder's path, and every object in it sorts after that
     * @param byDate each folder's path by its date
     */
    public record DateFolders(String prefix, TreeMap<LocalDate, String> byDate) {

        public LocalDate newest() {
            return byDate.lastKey();
        }

        /** The path a folder of that date has (or would have): objects of older folders sort before it. */
        public String at(LocalDate date) {
            return prefix + date;
        }

        /** A path that sorts after every object of these folders. */
        public String end() {
            // "\uffff" sorts after every character a date has
            return prefix + '\uffff';
        }

        /** The date of the folder an object's path is in; empty for a path outside these folders. */
        public Optional<LocalDate> dateOf(String objectPath) {
            return objectPath.startsWith(prefix) ? date(objectPath.substring(prefix.length())) : Optional.empty();
        }
    }

    /**
     * The date folders under {@code location}, when nothing else is directly under it (names starting with {@code .}
     * or {@code _} aside); empty for any other layout, or when there are none.
     */
    public Optional<DateFolders> dateFolders(String location) {
        TreeMap<LocalDate, String> folders = new TreeMap<>();
        try {
            for (Child child : children(location)) {
                if (child.name().startsWith(".") || child.name().startsWith("_")) {
                    continue;
                }
                Optional<LocalDate> date = folderDate(child.name());
                if (date.isEmpty() || !child.folder()) {
                    return Optional.empty();
                }
                folders.put(date.get(), child.path());
            }
        } catch (IOException | UncheckedIOException e) {
            throw cannotList(location, e);
        }
        if (folders.isEmpty()) {
            return Optional.empty();
        }
        String any = folders.firstEntry().getValue();
        return Optional.of(new DateFolders(any.substring(0, any.length() - "YYYY-MM-DD".length()), folders));
    }

    /**
     * Every object of the folders dated {@code since} or later, sorted by path: each folder's objects come sorted, and
     * the folders, one prefix and a date apiece, sort by date.
     */
    public List<RawObject> list(DateFolders folders, LocalDate since) {
        List<RawObject> out = new ArrayList<>();
        folders.byDate().tailMap(since, true).values().forEach(folder -> out.addAll(list(folder)));
        return out;
    }

    /** The date of a {@code dt=YYYY-MM-DD} folder name. */
    static Optional<LocalDate> folderDate(String name) {
        if (!name.startsWith(DATE_FOLDER) || name.length() != DATE_FOLDER.length() + 10) {
            return Optional.empty();
        }
        return date(name.substring(DATE_FOLDER.length()));
    }

    /**
     * The date of the innermost {@code dt=YYYY-MM-DD} folder an object's path is in (for the lander's layout, the
     * folder directly under the raw location, {@link DateFolders#dateOf}); empty when no folder of the path is one.
     */
    static Optional<LocalDate> objectFolderDate(String objectPath) {
        int end = objectPath.lastIndexOf('/');
        while (end > 0) {
            int start = objectPath.lastIndexOf('/', end - 1);
            Optional<LocalDate> date = folderDate(objectPath.substring(start + 1, end));
            if (date.isPresent()) {
                return date;
            }
            end = start;
        }
        return Optional.empty();
    }

    /** The {@code YYYY-MM-DD} date {@code text} begins with. */
    private static Optional<LocalDate> date(String text) {
        if (text.length() < 10) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(text.substring(0, 10)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** An entry directly under a location: its name, its path in the form objects are listed in, folder or not. */
    private record Child(String name, String path, boolean folder) {
    }

    /** What is directly under {@code location}; nothing when it does not exist. */
    private List<Child> children(String location) throws IOException {
        List<Child> out = new ArrayList<>();
        if (isLocal(location)) {
            Path root = localPath(location);
            if (Files.isDirectory(root)) {
                try (Stream<Path> list = Files.list(root)) {
                    list.forEach(p -> out.add(new Child(p.getFileName().toString(), "file:" + p.toAbsolutePath(),
                            Files.isDirectory(p))));
                }
            }
            return out;
        }
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(location);
        FileSystem fs = root.getFileSystem(configuration());
        if (!fs.exists(root)) {
            return out;
        }
        // one request with a delimiter on S3: the folders come back as common prefixes, not their objects
        for (FileStatus s : fs.listStatus(root)) {
            out.add(new Child(s.getPath().getName(), s.getPath().toString(), s.isDirectory()));
        }
        return out;
    }

    private static IllegalStateException cannotList(String location, Exception e) {
        return new IllegalStateException("Cannot list the raw objects under " + location + ": " + e.getMessage()
                + ". Check that the location exists and that this job may read it (--raw / --lake).", e);
    }

    /**
     * Every object under {@code location} (recursively), sorted by path. Names starting with {@code .} or {@code _}
     * (temporary files of a write in progress, checksums, markers) are skipped.
     */
    public List<RawObject> list(String location) {
        List<RawObject> out = new ArrayList<>();
        try {
            if (isLocal(location)) {
                Path root = localPath(location);
                if (!Files.isDirectory(root)) {
                    return out;
                }
                try (Stream<Path> walk = Files.walk(root)) {
                    walk.forEach(p -> {
                        String name = p.getFileName().toString();
                        if (name.startsWith(".") || name.startsWith("_")) {
                            return;
                        }
                        try {
                            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                            if (a.isRegularFile()) {
                                // Hadoop's form of a local path (file:/abs/path), as the lake's own paths
                                out.add(new RawObject("file:" + p.toAbsolutePath(), a.size(),
                                        a.lastModifiedTime().toMillis()));
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            } else {
                org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(location);
                FileSystem fs = root.getFileSystem(configuration());
                if (!fs.exists(root)) {
                    return out;
                }
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    LocatedFileStatus s = it.next();
                    String name = s.getPath().getName();
                    if (s.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
                        out.add(new RawObject(s.getPath().toString(), s.getLen(), s.getModificationTime()));
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw cannotList(location, e);
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /** The object's content as text, gunzipped when it is gzip (by its magic bytes, whatever its name). */
    public String readText(RawObject object) throws IOException {
        byte[] bytes;
        if (isLocal(object.path())) {
            bytes = Files.readAllBytes(localPath(object.path()));
        } else {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(object.path());
            try (InputStream in = p.getFileSystem(configuration()).open(p)) {
                bytes = in.readAllBytes();
            }
        }
        return decode(bytes);
    }

    static String decode(byte[] bytes) throws IOException {
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            // GZIPInputStream reads concatenated gzip members too (objects appended to by some tools)
            // the input is in memory already: a buffer the object's size, not 64 KiB zeroed for every small object
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes),
                    Math.max(512, Math.min(bytes.length, 1 << 16)))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(gunzippedSize(bytes));
                in.transferTo(out);
                return out.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A buffer size for the gunzipped object: gzip's trailer holds the (last member's) size modulo 2^32, exact for
     * the objects the lander writes. A trailer that cannot be right (a cut object: its last bytes are compressed
     * data) or does not fit is not trusted; the buffer grows when it is short.
     */
    static int gunzippedSize(byte[] gzip) {
        int n = gzip.length;
        if (n < 18) {
            return 1024;
        }
        long trailer = (gzip[n - 4] & 0xffL) | (gzip[n - 3] & 0xffL) << 8 | (gzip[n - 2] & 0xffL) << 16
                | (gzip[n - 1] & 0xffL) << 24;
        long guess = trailer >= n && trailer <= 32L * n && trailer < Integer.MAX_VALUE - 16 ? trailer : 4L * n;
        return (int) Math.min(Math.max(1024, guess), Integer.MAX_VALUE - 16);
    }

    private Configuration configuration() {
        if (configuration == null) {
            Configuration conf = new Configuration(false);
            hadoopSettings.forEach(conf::set);
            configuration = conf;
        }
        return configuration;
    }

    static boolean isLocal(String location) {
        return location.startsWith("file:");
    }

    /** {@code file:/x}, {@code file:///x} → {@code /x} (not through URI: paths may hold spaces). */
    static Path localPath(String location) {
        return Path.of(location.substring("file:".length()));
    }
}
