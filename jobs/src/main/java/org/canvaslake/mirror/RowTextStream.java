package org.canvaslake.mirror;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;

/**
 * Rows as the tab-separated text both PostgreSQL's {@code COPY ... FROM STDIN} (text format) and MariaDB's
 * {@code LOAD DATA} (with {@code ESCAPED BY '\\'}) read: {@code \N} for NULL, backslash, tab, newline and carriage
 * return escaped. Produced lazily as the database reads, so a million rows never sit in memory at once.
 *
 * <p>NUL characters are dropped: PostgreSQL text cannot hold them, nor can its {@code jsonb} hold the escape
 * <code>&#92;u0000</code> (it refuses the whole load), so that escape is dropped from JSON values as well.
 */
final class RowTextStream extends InputStream {

    private final Iterator<Row> rows;
    private final int[] fields;
    private final SqlColumn[] columns;
    private final Integer markerField;
    private final SqlDialect dialect;
    private final StringBuilder line = new StringBuilder(512);
    private byte[] buffer = new byte[0];
    private int position;
    private long count;

    /**
     * @param fields      for each column, its index in the rows
     * @param markerField index of the delete-marker field (written last, as a boolean), or null
     */
    RowTextStream(Iterator<Row> rows, int[] fields, List<SqlColumn> columns, Integer markerField, SqlDialect dialect) {
        this.rows = rows;
        this.fields = fields;
        this.columns = columns.toArray(SqlColumn[]::new);
        this.markerField = markerField;
        this.dialect = dialect;
    }

    long rowsWritten() {
        return count;
    }

    /** Whether any row has been read: a bulk path that failed before that can still be replaced by another. */
    boolean started() {
        return count > 0 || position > 0;
    }

    /**
     * The next row as text values (null for NULL), for loaders that bind parameters instead of streaming text; null
     * when the rows are exhausted. Not to be mixed with reading the stream.
     */
    String[] nextValues() {
        if (!rows.hasNext()) {
            return null;
        }
        Row row = rows.next();
        String[] out = new String[columns.length + (markerField == null ? 0 : 1)];
        for (int i = 0; i < columns.length; i++) {
            out[i] = row.isNullAt(fields[i]) ? null : text(row.get(fields[i]), columns[i]);
        }
        if (markerField != null) {
            out[columns.length] = row.isNullAt(markerField) ? null : dialect.booleanText(row.getBoolean(markerField));
        }
        count++;
        return out;
    }

    @Override
    public int read() {
        if (!fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, buffer.length - position);
        System.arraycopy(buffer, position, b, off, n);
        position += n;
        return n;
    }

    private boolean fill() {
        if (position < buffer.length) {
            return true;
        }
        line.setLength(0);
        while (line.length() < (1 << 16) && rows.hasNext()) {
            encode(rows.next());
        }
        buffer = line.toString().getBytes(StandardCharsets.UTF_8);
        position = 0;
        return buffer.length > 0;
    }

    private void encode(Row row) {
        for (int i = 0; i < columns.length; i++) {
            if (i > 0) {
                line.append('\t');
            }
            int f = fields[i];
            append(row.isNullAt(f) ? null : text(row.get(f), columns[i]));
        }
        if (markerField != null) {
            line.append('\t');
            append(row.isNullAt(markerField) ? null : dialect.booleanText(row.getBoolean(markerField)));
        }
        line.append('\n');
        count++;
    }

    private String text(Object v, SqlColumn column) {
        String text = text(v);
        return column.json() ? withoutNulEscapes(text) : text;
    }

    /**
     * JSON text without its <code>&#92;u0000</code> escapes (a NUL in a string value, which user-written text can
     * hold): an escape is a backslash preceded by an even number of backslashes, so an escaped backslash followed by
     * {@code u0000} stays as it is.
     */
    static String withoutNulEscapes(String json) {
        int at = json.indexOf("\\u0000");
        if (at < 0) {
            return json;
        }
        StringBuilder out = new StringBuilder(json.length());
        int from = 0;
        for (; at >= 0; at = json.indexOf("\\u0000", at + 1)) {
            int backslashes = 0;
            while (at - backslashes - 1 >= 0 && json.charAt(at - backslashes - 1) == '\\') {
                backslashes++;
            }
            if (backslashes % 2 == 0 && at >= from) {
                out.append(json, from, at);
                from = at + 6;
            }
        }
        return out.append(json, from, json.length()).toString();
    }

    private String text(Object v) {
        if (v instanceof Boolean b) {
            return dialect.booleanText(b);
        }
        if (v instanceof Timestamp t) {
            // Spark hands out a Timestamp shifted to the hybrid Julian calendar, which moves times before 1582 by
            // days (a typo'd year 1019 due date); its own inverse gives back the instant the table holds
            return dialect.timestampText(Instant.EPOCH.plus(DateTimeUtils.fromJavaTimestamp(t), ChronoUnit.MICROS));
        }
        if (v instanceof Instant t) {
            return dialect.timestampText(t);
        }
        if (v instanceof LocalDateTime t) {
            return dialect.timestampText(t.toInstant(ZoneOffset.UTC));
        }
        if (v instanceof Date d) {
            return d.toLocalDate().toString();
        }
        if (v instanceof LocalDate d) {
            return d.toString();
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
            return dialect.nonFiniteText(d);
        }
        if (v instanceof Float d && (d.isNaN() || d.isInfinite())) {
            return dialect.nonFiniteText(d);
        }
        return v.toString();
    }

    private void append(String s) {
        if (s == null) {
            line.append("\\N");
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> line.append("\\\\");
                case '\t' -> line.append("\\t");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\0' -> { }
                default -> line.append(ch);
            }
        }
    }
}
