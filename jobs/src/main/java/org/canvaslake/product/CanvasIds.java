package org.canvaslake.product;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;

/**
 * Canvas id forms as Spark expressions. Live events carry <em>global</em> ids (shard × 10^13 + local id) as strings;
 * the REST API and Canvas Data 2 carry <em>local</em> numeric ids, except for objects of another shard (cross-shard
 * users), which they give in global form. Joins therefore compare the local part and, where both sides know it,
 * the shard.
 *
 * <p>Ids are parsed as exact decimals: an 18-digit global id does not fit a double.
 */
final class CanvasIds {

    static final long SHARD_FACTOR = 10_000_000_000_000L;

    private CanvasIds() {
    }

    /** The id as an exact number, or null when it is not a plain non-negative integer (e.g. a Caliper URN). */
    static Column number(Column id) {
        Column text = id.cast(DataTypes.StringType);
        return when(text.rlike("^[0-9]{1,19}$"), text.cast(DataTypes.createDecimalType(20, 0)));
    }

    static Column isGlobal(Column id) {
        return number(id).geq(lit(SHARD_FACTOR));
    }

    /** The local part of an id in either form. */
    static Column local(Column id) {
        Column n = number(id);
        return when(n.geq(lit(SHARD_FACTOR)), n.mod(lit(SHARD_FACTOR))).otherwise(n).cast(DataTypes.LongType);
    }

    /** The shard of a global id; null for a local id. */
    static Column shard(Column id) {
        Column n = number(id);
        return when(n.geq(lit(SHARD_FACTOR)), n.divide(lit(SHARD_FACTOR)).cast(DataTypes.LongType));
    }

    /**
     * An event's id in both forms. {@code given} is the id as the event carries it (global string, sometimes a
     * short local id); {@code givenLocal} the local id the events job already derived (may be null);
     * {@code homeShard} the shard of the event's root account, used to build the global form of a local id.
     */
    static Column localOf(Column given, Column givenLocal) {
        return coalesce(givenLocal.cast(DataTypes.LongType), local(given));
    }

    static Column globalOf(Column given, Column localId, Column homeShard) {
        Column text = given.cast(DataTypes.StringType);
        Column built = homeShard.multiply(lit(SHARD_FACTOR)).plus(localId).cast(DataTypes.StringType);
        // a global id stays as given; a local one gets the home shard when we know it; anything else is kept verbatim
        return when(isGlobal(text), number(text).cast(DataTypes.StringType))
                .when(localId.isNotNull().and(homeShard.isNotNull()), built)
                .otherwise(when(length(text).gt(0), text));
    }
}
