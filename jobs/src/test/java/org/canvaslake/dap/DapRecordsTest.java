package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.node.ObjectNode;

@ExtendWith(SparkTest.class)
class DapRecordsTest {

    private static final StructType LINES = new StructType().add("value", DataTypes.StringType);

    private static DapSchema exampleSchema() {
        ObjectNode versioned = Json.object().put("version", 1);
        versioned.set("schema", Json.parse(Fixtures.read("dap/09_schema_doc_example_table_schema.json")));
        return DapSchema.parse("example", versioned).withKeys(List.of("pkey"));
    }

    private static Dataset<Row> lines(SparkSession spark, String text) {
        List<Row> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            rows.add(org.apache.spark.sql.RowFactory.create(line));
        }
        return spark.createDataFrame(rows, LINES);
    }

    @Test
    void incrementalFixtureGivesTwoUpsertsAndADeleteThatCarriesOnlyItsKey(SparkSession spark) {
        DapRecords.Batch batch = DapRecords.parse(lines(spark,
                Fixtures.read("dap/07_incremental_records_min_fixed.jsonl")), exampleSchema());

        List<Row> rows = batch.rows().orderBy("pkey").collectAsList();
        assertThat(batch.rejected().count()).isZero();
        assertThat(rows).hasSize(3);
        assertThat(values(rows.get(0), "pkey", "prop1", "prop2", DapRecords.DELETED))
                .containsExactly(1L, "value1", 42L, false);
        assertThat(values(rows.get(1), "pkey", "prop1", "prop2", DapRecords.DELETED))
                .containsExactly(2L, "value2", null, false);
        assertThat(values(rows.get(2), "pkey", "prop1", "prop2", DapRecords.DELETED))
                .containsExactly(3L, null, null, true);
        assertThat(rows).allSatisfy(r -> assertThat((Object) r.getAs(DapSchema.UNPARSED)).isNull());
    }

    @Test
    void snapshotFixtureWithEmptyMetaIsAllUpserts(SparkSession spark) {
        DapRecords.Batch batch = DapRecords.parse(lines(spark,
                Fixtures.read("dap/08_snapshot_records_min_fixed.jsonl")), exampleSchema());

        List<Row> rows = batch.rows().orderBy("pkey").collectAsList();
        assertThat(rows).extracting(r -> r.<Long>getAs("pkey")).containsExactly(1L, 2L);
        assertThat(rows).extracting(r -> r.<Boolean>getAs(DapRecords.DELETED)).containsOnly(false);
        assertThat(rows).extracting(r -> r.<Timestamp>getAs(DapSchema.META_TS)).containsOnlyNulls();
    }

    @Test
    void valuesTheirColumnCannotHoldStayReadableInUnparsed(SparkSession spark) {
        DapSchema schema = new DapSchema("t", 1, List.of(
                new DapSchema.DapColumn("id", true, DapSchema.Kind.LONG),
                new DapSchema.DapColumn("due_at", false, DapSchema.Kind.TIMESTAMP),
                new DapSchema.DapColumn("settings", false, DapSchema.Kind.JSON),
                new DapSchema.DapColumn("body", false, DapSchema.Kind.STRING),
                new DapSchema.DapColumn("points", false, DapSchema.Kind.DOUBLE)));
        String text = String.join("\n",
                "{\"meta\":{\"ts\":\"2026-09-01T10:00:00.5Z\",\"action\":\"U\"},\"key\":{\"id\":21070000000000001},"
                        + "\"value\":{\"due_at\":\"+10000-01-01T00:00:00Z\",\"settings\":\"__cd2_oversized_truncated__\","
                        + "\"body\":\"__cd2_oversized_truncated__\",\"points\":12.5}}",
                "{\"meta\":{\"ts\":\"2026-09-01T10:00:00Z\",\"action\":\"U\"},\"key\":{\"id\":2},"
                        + "\"value\":{\"due_at\":\"2026-09-30T23:59:00Z\",\"settings\":{\"b\":[1,2],\"a\":true},"
                        + "\"points\":\"n/a\"}}");

        List<Row> rows = DapRecords.parse(lines(spark, text), schema).rows().orderBy("id").collectAsList();

        Row first = rows.get(0);
        assertThat(first.<Long>getAs("id")).isEqualTo(2L);
        assertThat(first.<Timestamp>getAs("due_at").toInstant()).hasToString("2026-09-30T23:59:00Z");
        assertThat(Json.parse(first.getAs("settings"))).isEqualTo(Json.parse("{\"b\":[1,2],\"a\":true}"));
        assertThat((Object) first.getAs("points")).isNull();
        assertThat(Json.parse(first.getAs(DapSchema.UNPARSED))).isEqualTo(Json.parse("{\"points\":\"n/a\"}"));

        Row big = rows.get(1);
        // a global id beyond a double's exact range survives as a long
        assertThat(big.<Long>getAs("id")).isEqualTo(21070000000000001L);
        assertThat((Object) big.getAs("due_at")).isNull();
        assertThat((Object) big.getAs("settings")).isNull();
        assertThat(big.<String>getAs("body")).isEqualTo("__cd2_oversized_truncated__");
        assertThat(big.<Double>getAs("points")).isEqualTo(12.5);
        assertThat(Json.parse(big.getAs(DapSchema.UNPARSED))).isEqualTo(Json.parse(
                "{\"due_at\": \"+10000-01-01T00:00:00Z\", \"settings\": \"__cd2_oversized_truncated__\"}"));
        assertThat(big.<Timestamp>getAs(DapSchema.META_TS).toInstant()).hasToString("2026-09-01T10:00:00.500Z");
    }

    @Test
    void latestMetaTimestampWinsWithinABatchAndBrokenLinesAreSetApart(SparkSession spark) {
        DapSchema schema = exampleSchema();
        String text = String.join("\n",
                "{\"meta\":{\"ts\":\"2026-09-01T10:00:00Z\",\"action\":\"U\"},\"key\":{\"pkey\":1},\"value\":{\"prop1\":\"old\"}}",
                "{\"meta\":{\"ts\":\"2026-09-01T11:00:00Z\",\"action\":\"U\"},\"key\":{\"pkey\":1},\"value\":{\"prop1\":\"new\"}}",
                "{\"meta\":{\"ts\":\"2026-09-01T12:00:00Z\",\"action\":\"D\"},\"key\":{\"pkey\":2}}",
                "{\"meta\":{\"ts\":\"2026-09-01T09:00:00Z\",\"action\":\"U\"},\"key\":{\"pkey\":2},\"value\":{\"prop1\":\"gone\"}}",
                "{\"meta\":{\"action\":\"U\"},\"value\":{\"prop1\":\"no key\"}}",
                "not json at all {",
                "");

        DapRecords.Batch batch = DapRecords.parse(lines(spark, text), schema);

        List<Row> rows = batch.rows().orderBy("pkey").collectAsList();
        assertThat(rows).extracting(r -> values(r, "pkey", "prop1", DapRecords.DELETED))
                .containsExactly(Arrays.asList(1L, "new", false), Arrays.asList(2L, null, true));
        assertThat(batch.rejected().orderBy("line").collectAsList())
                .extracting(r -> r.<String>getAs("reason"))
                .containsExactlyInAnyOrder("key field missing or not of the key type [pkey]", "not a JSON record");
    }

    private static List<Object> values(Row row, String... names) {
        List<Object> out = new ArrayList<>();
        for (String n : names) {
            out.add(row.getAs(n));
        }
        return out;
    }
}
