package org.canvaslake.product;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.canvaslake.product.ProductSchema.Entity;

/**
 * How well the product's rows joined: per entity, the rows that name one ({@code <entity>_known} not null) and
 * those whose entity was not found. One aggregate over the rows; used by the run report and the report page.
 */
public record JoinCounts(long rows, List<PerEntity> entities) {

    public record PerEntity(Entity entity, long referenced, long unmatched) {
    }

    public static JoinCounts of(Dataset<Row> productRows) {
        List<Column> aggs = new ArrayList<>();
        for (Entity e : Entity.values()) {
            aggs.add(sum(when(col(e.known()).isNotNull(), 1).otherwise(0)));
            aggs.add(sum(when(col(e.known()).equalTo(false), 1).otherwise(0)));
        }
        Row r = productRows.agg(count(lit(1)), aggs.toArray(Column[]::new)).first();
        List<PerEntity> out = new ArrayList<>();
        int i = 1;
        for (Entity e : Entity.values()) {
            out.add(new PerEntity(e, r.isNullAt(i) ? 0 : r.getLong(i), r.isNullAt(i + 1) ? 0 : r.getLong(i + 1)));
            i += 2;
        }
        return new JoinCounts(r.getLong(0), out);
    }
}
