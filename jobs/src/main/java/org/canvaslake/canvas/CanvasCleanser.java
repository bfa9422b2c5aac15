package org.canvaslake.canvas;

import java.math.BigInteger;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns one Canvas REST object into the values of its cleansed row, following the entity's {@link
 * CanvasEntity#fields()}. Pure static functions: they run inside Spark tasks.
 *
 * <p>Canvas quirks handled: ids may be JSON numbers or strings (with {@code Accept: application/json+canvas-string-ids}),
 * and global ids exceed a double, so they are read exactly; times come in UTC ("Z"), with an offset ("-06:00"), with
 * or without milliseconds, or Ruby style ("2019-11-05 07:38:00 -0800"); a value that is none of these becomes null
 * and is counted, never guessed.
 */
public final class CanvasCleanser {

    private static final Pattern DIGITS = Pattern.compile("-?\\d+");
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final DateTimeFormatter RUBY = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .appendLiteral(' ')
            .appendOffset("+HHMM", "+0000")
            .toFormatter();

    /** The values of one row, in field order, and how many time values could not be read. */
    public record Cleansed(Object[] values, int badTimestamps) {
    }

    private CanvasCleanser() {
    }

    public static Cleansed cleanse(CanvasEntity entity, JsonNode object) {
        List<CanvasEntity.Field> fields = entity.fields();
        Object[] values = new Object[fields.size()];
        int bad = 0;
        for (int i = 0; i < fields.size(); i++) {
            CanvasEntity.Field f = fields.get(i);
            JsonNode node = object == null ? null : object.get(f.json());
            if (node == null || node.isNull() || node.isMissingNode()) {
                continue;
            }
            switch (f.kind()) {
                case ID -> values[i] = id(node);
                case ID_STRING -> values[i] = node.isValueNode() ? node.asText() : null;
                case STRING -> values[i] = node.isValueNode() ? node.asText() : node.toString();
                case TIMESTAMP -> {
                    String text = node.asText().trim();
                    if (!text.isEmpty()) {
                        Instant t = timestamp(text);
                        if (t == null) {
                            bad++;
                        } else {
                            values[i] = Timestamp.from(t);
                        }
                    }
                }
                case DOUBLE -> values[i] = number(node);
                case BOOLEAN -> values[i] = bool(node);
                case JOINED -> values[i] = joined(node);
                default -> throw new IllegalStateException("Unhandled kind " + f.kind());
            }
        }
        return new Cleansed(values, bad);
    }

    /** An id as a long: a JSON integer or a string of digits; null when it is neither or too large. */
    static Long id(JsonNode node) {
        BigInteger value = null;
        if (node.isIntegralNumber()) {
            value = node.bigIntegerValue();
        } else if (node.isTextual() && DIGITS.matcher(node.asText().trim()).matches()) {
            value = new BigInteger(node.asText().trim());
        }
        if (value == null || value.compareTo(LONG_MIN) < 0 || value.compareTo(LONG_MAX) > 0) {
            return null;
        }
        return value.longValue();
    }

    /** A Canvas time as an instant, or null when it is not a time Canvas writes. */
    public static Instant timestamp(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException notIso) {
            try {
                return OffsetDateTime.parse(text, RUBY).toInstant();
            } catch (DateTimeParseException notRuby) {
                return null;
            }
        }
    }

    private static Double number(JsonNode node) {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            try {
                return Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Boolean bool(JsonNode node) {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        String t = node.asText().trim();
        if (t.equalsIgnoreCase("true")) {
            return true;
        }
        if (t.equalsIgnoreCase("false")) {
            return false;
        }
        return null;
    }

    private static String joined(JsonNode node) {
        if (node.isArray()) {
            List<String> parts = new ArrayList<>();
            node.forEach(n -> {
                if (!n.isNull()) {
                    parts.add(n.asText());
                }
            });
            return String.join(",", parts);
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }
}
