package org.canvaslake.events;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;

import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The SHA-256 of {@link Json#canonical} of an event, as UTF-8, without the string: the canonical JSON is written as
 * bytes straight into a reused buffer. The id of every Canvas event is this hash, so it must not change: where a
 * value needs more than copying (a string with a character Jackson escapes or one beyond ASCII, a number type other
 * than the integers and exact decimals the parse makes), the hash is taken of {@link Json#canonical} itself. In a
 * profile of the 1M-event benchmark, Jackson's generator and the string it wrote were a seventh of the parse step.
 */
final class CanonicalHash {

    /** Jackson's limit on the scale of a decimal it writes as plain text; beyond it, Jackson decides. */
    private static final int MAX_PLAIN_SCALE = 9999;

    private final MessageDigest sha256;
    private byte[] buffer = new byte[4096];
    private int size;

    CanonicalHash(MessageDigest sha256) {
        this.sha256 = sha256;
    }

    /** SHA-256 of the canonical JSON of {@code node}, UTF-8 encoded. */
    byte[] sha256(JsonNode node) {
        byte[] bytes = fastBytes(node);
        sha256.reset();
        if (bytes == null) {
            return sha256.digest(Json.canonical(node).getBytes(StandardCharsets.UTF_8));
        }
        sha256.update(bytes, 0, size);
        return sha256.digest();
    }

    /**
     * The canonical JSON as UTF-8 in the buffer (valid up to {@link #size}), or null when a value is not one this
     * writer copies (the caller then uses {@link Json#canonical}).
     */
    byte[] fastBytes(JsonNode node) {
        size = 0;
        return write(node) ? buffer : null;
    }

    int size() {
        return size;
    }

    private boolean write(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                String[] names = new String[node.size()];
                Iterator<String> it = node.fieldNames();
                for (int i = 0; it.hasNext(); i++) {
                    names[i] = it.next();
                }
                Arrays.sort(names);
                put('{');
                for (int i = 0; i < names.length; i++) {
                    if (i > 0) {
                        put(',');
                    }
                    if (!string(names[i])) {
                        return false;
                    }
                    put(':');
                    if (!write(node.get(names[i]))) {
                        return false;
                    }
                }
                put('}');
                return true;
            }
            case ARRAY -> {
                put('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        put(',');
                    }
                    if (!write(node.get(i))) {
                        return false;
                    }
                }
                put(']');
                return true;
            }
            case STRING -> {
                return string(node.textValue());
            }
            case NUMBER -> {
                return number(node);
            }
            case BOOLEAN -> {
                ascii(node.booleanValue() ? "true" : "false");
                return true;
            }
            case NULL -> {
                ascii("null");
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** Integers as their digits, exact decimals as plain text: what Jackson writes for the nodes the parse makes. */
    private boolean number(JsonNode node) {
        switch (node.numberType()) {
            case INT, LONG, BIG_INTEGER -> {
                ascii(node.isBigInteger() ? node.bigIntegerValue().toString() : Long.toString(node.longValue()));
                return true;
            }
            case BIG_DECIMAL -> {
                BigDecimal value = node.decimalValue();
                if (Math.abs(value.scale()) > MAX_PLAIN_SCALE) {
                    return false;
                }
                ascii(value.toPlainString());
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** A quoted string whose characters are all printable ASCII but the quote and backslash; false otherwise. */
    private boolean string(String s) {
        int n = s.length();
        ensure(n + 2);
        byte[] b = buffer;
        int at = size;
        b[at++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
            b[at++] = (byte) c;
        }
        b[at++] = '"';
        size = at;
        return true;
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buffer[size++] = (byte) s.charAt(i);
        }
    }

    private void put(char c) {
        ensure(1);
        buffer[size++] = (byte) c;
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(size + more, buffer.length * 2));
        }
    }
}
