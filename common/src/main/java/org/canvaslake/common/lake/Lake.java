package org.canvaslake.common.lake;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The lake's root and where everything lives under it: {@code raw/...} for verbatim input and
 * {@code <database>/<table>} for each Delta table ({@code events/live_stream}, {@code _meta/runs}, ...).
 */
public final class Lake {

    /**
     * The databases the pipeline's jobs write, each a top-level folder of the lake: what a reader of the whole lake
     * lists, one folder at a time (on AWS no role may list the lake bucket's root).
     */
    public static final List<String> DATABASES = List.of("events", "canvas", "cd2", "product", "_meta");

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*");

    private final String root;
    /** The root under which {@code raw/} lives: the lake root unless raw input is kept in a bucket of its own. */
    private final String rawRoot;

    private Lake(String root) {
        this(root, root);
    }

    private Lake(String root, String rawRoot) {
        this.root = stripSlash(root);
        this.rawRoot = stripSlash(rawRoot);
    }

    private static String stripSlash(String location) {
        return location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
    }

    /** A local directory, {@code file:} URI, {@code s3://} or {@code s3a://} URI. */
    public static Lake at(String location) {
        Objects.requireNonNull(location, "lake location");
        if (location.isBlank()) {
            throw new IllegalArgumentException("Lake location is empty; give --lake a directory or an s3:// URI");
        }
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("s3://") || lower.startsWith("s3a://") || lower.startsWith("s3n://")
                || lower.startsWith("hdfs://") || lower.startsWith("abfss://") || lower.startsWith("gs://")) {
            return new Lake(location);
        }
        Path local = lower.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        // Hadoop's form of a local path (file:/abs/path), the one Delta and Spark print and compare against
        return new Lake("file:" + local.toAbsolutePath().normalize());
    }

    public String root() {
        return root;
    }

    public boolean isLocal() {
        return root.startsWith("file:");
    }

    /** The local directory of a local lake. */
    public Path localRoot() {
        if (!isLocal()) {
            throw new IllegalStateException("Lake " + root + " is not on the local file system");
        }
        return Path.of(root.substring("file:".length()));
    }

    /** Location of a table given as {@code database.table}, e.g. {@code events.live_stream}. */
    public String table(String qualifiedName) {
        requireTableName(qualifiedName);
        int dot = qualifiedName.indexOf('.');
        return root + "/" + qualifiedName.substring(0, dot) + "/" + qualifiedName.substring(dot + 1);
    }

    /** Location under {@code raw/}, e.g. {@code raw("live_events")}. */
    public String raw(String relative) {
        return rawRoot + "/raw/" + relative;
    }

    /**
     * The same lake with {@code raw/} under another root, e.g. {@code s3://my-raw-bucket}: on AWS raw input (verbatim,
     * so it may hold personal data) sits in a bucket of its own with its own retention and access policy.
     */
    public Lake withRawRoot(String location) {
        return new Lake(root, Lake.at(location).root());
    }

    public String rawRoot() {
        return rawRoot;
    }

    public String resolve(String relative) {
        return root + "/" + relative;
    }

    /**
     * A location in the form it is recorded and compared in, wherever a record must recognise the same lake given
     * another way: {@code s3a://} and {@code s3n://} as {@code s3://} (the same bucket whichever Hadoop connector a
     * run was given); anything else as it is.
     */
    public static String recordedForm(String location) {
        return location.replaceFirst("^(?i)s3[an]?://", "s3://");
    }

    public static void requireTableName(String qualifiedName) {
        if (qualifiedName == null || !TABLE_NAME.matcher(qualifiedName).matches()) {
            throw new IllegalArgumentException("Table name must be database.table (letters, digits, _), got '"
                    + qualifiedName + "'");
        }
    }

    @Override
    public String toString() {
        return root;
    }
}
