package org.canvaslake.events;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Cuts the text of a raw object into JSON documents without parsing them, whatever the layout people have:
 * one document a line (our envelopes, JSON lines exports), documents concatenated with nothing between them
 * ({@code }{}, as Kinesis Firehose writes them), and pretty-printed documents spanning many lines (an
 * {@code aws sqs receive-message} dump, a saved example).
 *
 * <p>A record that cannot be a document is cut out on its own and returned as broken, so that one bad line never
 * takes its neighbours with it: a raw newline inside a string (JSON strings cannot contain one, so the line was
 * truncated), a document still open at the end of the object or after {@link #MAX_LINES_PER_DOCUMENT} lines, or a
 * line that does not start with {@code {} or {@code [}. Each record carries the line it starts on (1-based) and its
 * position among the documents starting on that line.
 */
public final class RecordSplitter implements Iterator<RecordSplitter.Record> {

    /** A pretty-printed SQS dump of 10 messages is a few hundred lines; far more means a line was left open. */
    static final int MAX_LINES_PER_DOCUMENT = 20_000;

    /**
     * One piece of the object.
     *
     * @param line    1-based line the record starts on
     * @param index   0-based position among the records starting on that line
     * @param text    the document text, or for a broken record the text of its line
     * @param problem null for a candidate document; otherwise why it cannot be one
     */
    public record Record(long line, int index, String text, String problem) {
        public boolean broken() {
            return problem != null;
        }
    }

    private final String text;
    private final int length;
    private int pos;
    private long line = 1;
    private long lastLine = 0;
    private int indexOnLine;
    private Record next;

    public RecordSplitter(String text) {
        this.text = text;
        this.length = text.length();
        // a UTF-8 byte order mark some tools write
        this.pos = length > 0 && text.charAt(0) == '\uFEFF' ? 1 : 0;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = advance();
        }
        return next != null;
    }

    @Override
    public Record next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Record r = next;
        next = null;
        return r;
    }

    private Record advance() {
        skipWhitespace();
        if (pos >= length) {
            return null;
        }
        int start = pos;
        long startLine = line;
        int index = startLine == lastLine ? indexOnLine + 1 : 0;
        lastLine = startLine;
        indexOnLine = index;
        char first = text.charAt(start);
        if (first != '{' && first != '[') {
            int end = lineEnd(start);
            pos = end;
            return new Record(startLine, index, text.substring(start, end), "not a JSON document: the record starts with "
                    + describe(first) + " instead of { or [");
        }
        int depth = 0;
        long lines = 0;
        // where the next newline is, looked up again only once the scan passes it
        int newline = -1;
        for (int i = start; i < length; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> {
                    // a string: jump from quote to quote with the (vectorised) indexOf instead of looking at each
                    // character; a quote preceded by an odd run of backslashes is escaped and does not end it
                    if (newline < i) {
                        newline = text.indexOf('\n', i);
                        if (newline < 0) {
                            newline = length;
                        }
                    }
                    int close = closingQuote(i + 1);
                    if (close < 0 || close > newline) {
                        return brokenLine(start, startLine, index, close < 0 && newline == length
                                ? "the record is not closed before the end of the object"
                                : "the line ends inside a JSON string (truncated record)");
                    }
                    i = close;
                }
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    depth--;
                    if (depth == 0) {
                        pos = i + 1;
                        line = startLine + lines;
                        return new Record(startLine, index, text.substring(start, i + 1), null);
                    }
                }
                case '\n' -> {
                    if (++lines > MAX_LINES_PER_DOCUMENT) {
                        return brokenLine(start, startLine, index, "the record is not closed within "
                                + MAX_LINES_PER_DOCUMENT + " lines");
                    }
                }
                default -> {
                }
            }
        }
        return brokenLine(start, startLine, index, "the record is not closed before the end of the object");
    }

    /** The position of the quote that ends the string whose text starts at {@code from}, or -1 when there is none. */
    private int closingQuote(int from) {
        int q = text.indexOf('"', from);
        while (q >= 0) {
            int backslashes = 0;
            while (q - 1 - backslashes >= from && text.charAt(q - 1 - backslashes) == '\\') {
                backslashes++;
            }
            if (backslashes % 2 == 0) {
                return q;
            }
            q = text.indexOf('"', q + 1);
        }
        return -1;
    }

    /** Gives up on the record starting at {@code start}: returns its first line as broken and resumes after it. */
    private Record brokenLine(int start, long startLine, int index, String problem) {
        int end = lineEnd(start);
        pos = end;
        line = startLine;
        return new Record(startLine, index, text.substring(start, end), problem);
    }

    private int lineEnd(int from) {
        int nl = text.indexOf('\n', from);
        int end = nl < 0 ? length : nl;
        if (end > from && text.charAt(end - 1) == '\r') {
            end--;
        }
        return end;
    }

    private void skipWhitespace() {
        while (pos < length) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
            } else if (c != ' ' && c != '\t' && c != '\r' && c != ',') {
                // a comma between top-level documents appears when someone joined documents like array elements
                return;
            }
            pos++;
        }
    }

    private static String describe(char c) {
        return Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : "'" + c + "'";
    }
}
