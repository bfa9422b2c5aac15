package org.canvaslake.mirror.lake;

import java.util.Iterator;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * What {@code canvaslake mirror} needs from the one fast SQL loader (the Canvas Data 2 mirror's
 * {@code org.canvaslake.mirror.JdbcMirror}): create the target table from a Spark schema when absent, and write
 * rows into it by key. The mirror decides <em>which</em> rows (the Delta versions since the last mirrored one);
 * the loader decides <em>how</em> (COPY into a staging table and upsert on PostgreSQL, batched upserts on MariaDB).
 *
 * <p>Every method must be idempotent for the same rows: a mirror run killed after loading but before saving its
 * state loads the same rows again on the next run.
 */
public interface TableLoader extends AutoCloseable {

    /** Makes the target hold exactly these rows (first load, --full, or when changes are not available). */
    LoadResult replace(String targetSchema, String targetTable, StructType schema, List<String> keys,
                       Iterator<Row> rows);

    /** Inserts rows with new keys, overwrites rows with existing keys. */
    LoadResult upsert(String targetSchema, String targetTable, StructType schema, List<String> keys,
                      Iterator<Row> rows);

    /** Deletes the rows with these keys ({@code keyRows} hold only the key columns, as {@code keySchema} says). */
    LoadResult delete(String targetSchema, String targetTable, StructType keySchema, List<String> keys,
                      Iterator<Row> keyRows);

    @Override
    void close();

    /** Rows written (or deleted) by one call. */
    record LoadResult(long rows) {
    }
}
