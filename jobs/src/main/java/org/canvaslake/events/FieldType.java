package org.canvaslake.events;

import java.math.BigInteger;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The column type a flattened event field gets. Inferred per value, then merged over every value of the field:
 * integers and decimals make a double, anything mixed with text makes a string, nulls say nothing. Fields whose name
 * says they hold a time ({@code *_at}, {@code *_time}, {@code *_date}, {@code date_*}, ...) and whose values are text
 * become timestamps.
 */
public enum FieldType {
    NULL, BOOLEAN, BIGINT, DOUBLE, TIMESTAMP, STRING;

    public FieldType merge(FieldType other) {
        if (this == other || other == NULL) {
            return this;
        }
        if (this == NULL) {
            return other;
        }
        if ((this == BIGINT && other == DOUBLE) || (this == DOUBLE && other == BIGINT)) {
            return DOUBLE;
        }
        return STRING;
    }

    public DataType sparkType() {
        return switch (this) {
            case BOOLEAN -> DataTypes.BooleanType;
            case BIGINT -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
            case TIMESTAMP -> DataTypes.TimestampType;
            case NULL, STRING -> DataTypes.StringType;
        };
    }

    public static FieldType of(DataType type) {
        if (type.equals(DataTypes.BooleanType)) {
            return BOOLEAN;
        }
        if (type.equals(DataTypes.LongType) || type.equals(DataTypes.IntegerType)) {
            return BIGINT;
        }
        if (type.equals(DataTypes.DoubleType)) {
            return DOUBLE;
        }
        if (type.equals(DataTypes.TimestampType)) {
            return TIMESTAMP;
        }
        return STRING;
    }

    /** The type of one value of the field {@code column}. */
    public static FieldType of(String column, JsonNode value) {
        return of(value != null && value.isTextual() && isTimeName(column), value);
    }

    /** The type of one value of a field, {@code timeName} saying whether {@link #isTimeName} holds for its name. */
    public static FieldType of(boolean timeName, JsonNode value) {
        if (value == null || value.isNull()) {
            return NULL;
        }
        if (value.isTextual()) {
            return timeName ? TIMESTAMP : STRING;
        }
        if (value.isBoolean()) {
            return BOOLEAN;
        }
        if (value.isIntegralNumber()) {
            return value.canConvertToLong() ? BIGINT : STRING;
        }
        if (value.isNumber()) {
            return DOUBLE;
        }
        return STRING;
    }

    /**
     * The value converted for a column of this type, as Spark's internal rows hold it: text as {@code UTF8String},
     * timestamps as microseconds since the epoch (a {@code Long}); null when it does not convert (counted by the
     * caller).
     */
    public Object convert(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        switch (this) {
            case BOOLEAN:
                if (value.isBoolean()) {
                    return value.booleanValue();
                }
                if (value.isTextual() && (value.asText().equals("true") || value.asText().equals("false"))) {
                    return Boolean.valueOf(value.asText());
                }
                return null;
            case BIGINT:
                if (value.isIntegralNumber() && value.canConvertToLong()) {
                    return value.longValue();
                }
                if (value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong()) {
                    return value.longValue();
                }
                if (value.isTextual()) {
                    try {
                        return Long.parseLong(value.asText().trim());
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return null;
            case DOUBLE:
                if (value.isNumber()) {
                    return value.doubleValue();
                }
                if (value.isTextual()) {
                    try {
                        return Double.parseDouble(value.asText().trim());
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return null;
            case TIMESTAMP:
                if (value.isTextual()) {
                    long micros = EventTime.parseMicros(value.asText());
                    return micros == EventTime.UNPARSED ? null : (Object) micros;
                }
                return null;
            case NULL:
            case STRING:
            default:
                return UTF8String.fromString(text(value));
        }
    }

    /** A value as text: strings as they are, numbers as written (never in exponent form), containers as JSON. */
    public static String text(JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isBigDecimal()) {
            return value.decimalValue().toPlainString();
        }
        if (value.isBigInteger()) {
            BigInteger b = value.bigIntegerValue();
            return b.toString();
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        return value.toString();
    }

    /** Whether a column's name says it holds a point in time. */
    public static boolean isTimeName(String column) {
        int cut = column.lastIndexOf("__");
        String last = cut >= 0 ? column.substring(cut + 2) : column;
        return last.endsWith("_at") || last.endsWith("_time") || last.endsWith("_date") || last.endsWith("_until")
                || last.startsWith("date_") || last.equals("date") || last.equals("time");
    }
}
