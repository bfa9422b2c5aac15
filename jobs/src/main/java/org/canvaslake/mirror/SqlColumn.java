package org.canvaslake.mirror;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A column of a mirrored table: its name, the Spark type its values come as, whether it holds JSON text (field
 * metadata {@value #JSON_METADATA}, or a nested Spark type, which the loader turns into JSON), and whether it is a key.
 */
record SqlColumn(String name, DataType sparkType, boolean json, boolean key) {

    static final String JSON_METADATA = "canvaslake.json";

    /** The kinds of SQL column the loader creates; each dialect names them. */
    enum Family { LONG, INT, SMALL, DOUBLE, FLOAT, BOOLEAN, TIMESTAMP, TIMESTAMP_NTZ, DATE, DECIMAL, TEXT, KEY_TEXT, JSON }

    Family family() {
        if (json) {
            return Family.JSON;
        }
        DataType t = sparkType;
        if (t.equals(DataTypes.LongType)) {
            return Family.LONG;
        }
        if (t.equals(DataTypes.IntegerType)) {
            return Family.INT;
        }
        if (t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType)) {
            return Family.SMALL;
        }
        if (t.equals(DataTypes.DoubleType)) {
            return Family.DOUBLE;
        }
        if (t.equals(DataTypes.FloatType)) {
            return Family.FLOAT;
        }
        if (t.equals(DataTypes.BooleanType)) {
            return Family.BOOLEAN;
        }
        if (t.equals(DataTypes.TimestampType)) {
            return Family.TIMESTAMP;
        }
        if (t.equals(DataTypes.TimestampNTZType)) {
            return Family.TIMESTAMP_NTZ;
        }
        if (t.equals(DataTypes.DateType)) {
            return Family.DATE;
        }
        if (t instanceof org.apache.spark.sql.types.DecimalType) {
            return Family.DECIMAL;
        }
        return key ? Family.KEY_TEXT : Family.TEXT;
    }

    static SqlColumn of(StructField f, boolean key) {
        DataType t = f.dataType();
        boolean nested = t instanceof StructType || t instanceof org.apache.spark.sql.types.MapType
                || t instanceof org.apache.spark.sql.types.ArrayType;
        if (t.equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("Column " + f.name() + " is binary, which the SQL mirror does not carry;"
                    + " drop it or encode it as text first");
        }
        boolean json = nested || (f.metadata().contains(JSON_METADATA) && f.metadata().getBoolean(JSON_METADATA));
        return new SqlColumn(f.name(), nested ? DataTypes.StringType : t, json, key);
    }
}
