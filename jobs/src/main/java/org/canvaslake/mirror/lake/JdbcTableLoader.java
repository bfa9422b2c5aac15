package org.canvaslake.mirror.lake;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.mirror.JdbcMirror;
import org.canvaslake.mirror.LoadMode;
import org.canvaslake.mirror.MirrorTarget;
import org.canvaslake.mirror.SyncPosition;

/**
 * {@code canvaslake mirror}'s loader: the Canvas Data 2 mirror's {@link JdbcMirror} (COPY + upsert on PostgreSQL,
 * LOAD DATA + upsert on MariaDB) behind the {@link TableLoader} interface, so both mirrors load the same way.
 */
final class JdbcTableLoader implements TableLoader {

    // the column JdbcMirror reads as "delete this key" in a load
    private static final String DELETED = "__canvaslake_deleted";

    private final JdbcMirror mirror;

    JdbcTableLoader(TableLoaders.Target target) {
        this.mirror = JdbcMirror.at(target.jdbcUrl(), target.user() == null ? null : new Secret(target.user()),
                target.password());
    }

    @Override
    public LoadResult replace(String targetSchema, String targetTable, StructType schema, List<String> keys,
                              Iterator<Row> rows) {
        return load(schema, rows, MirrorTarget.of(targetSchema, targetTable, keys), LoadMode.REPLACE);
    }

    @Override
    public LoadResult upsert(String targetSchema, String targetTable, StructType schema, List<String> keys,
                             Iterator<Row> rows) {
        return load(schema, rows, MirrorTarget.of(targetSchema, targetTable, keys), LoadMode.UPSERT);
    }

    @Override
    public LoadResult delete(String targetSchema, String targetTable, StructType keySchema, List<String> keys,
                             Iterator<Row> keyRows) {
        StructType marked = keySchema.add(DELETED, DataTypes.BooleanType, false);
        Iterator<Row> rows = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return keyRows.hasNext();
            }

            @Override
            public Row next() {
                Row key = keyRows.next();
                List<Object> values = new ArrayList<>(key.size() + 1);
                for (int i = 0; i < key.size(); i++) {
                    values.add(key.get(i));
                }
                values.add(true);
                return RowFactory.create(values.toArray());
            }
        };
        MirrorTarget target = MirrorTarget.of(targetSchema, targetTable, keys).deleteWhere(DELETED);
        return new LoadResult(mirror.load(marked, rows, target, LoadMode.UPSERT, position(targetSchema, targetTable))
                .deleted());
    }

    private LoadResult load(StructType schema, Iterator<Row> rows, MirrorTarget target, LoadMode mode) {
        return new LoadResult(mirror.load(schema, rows, target, mode, position(target.schema(), target.table()))
                .staged());
    }

    private static SyncPosition position(String schema, String table) {
        return new SyncPosition("canvaslake mirror", schema + "." + table, null, null);
    }

    @Override
    public void close() {
        // JdbcMirror opens a connection per load; nothing is held between calls
    }
}
