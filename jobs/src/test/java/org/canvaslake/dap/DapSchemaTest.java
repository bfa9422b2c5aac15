package org.canvaslake.dap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.spark.sql.types.DataTypes;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.dap.DapSchema.DapColumn;
import org.canvaslake.dap.DapSchema.Kind;
import org.canvaslake.sandbox.dap.FakeDapServer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class DapSchemaTest {

    @Test
    void readsTheDocumentedVersionedSchemaExampleWithItsPrimaryKey() {
        JsonNode json = Json.parse(Fixtures.read("dap/02_get_table_schema_200_VersionedSchema_example.json"));

        DapSchema schema = DapSchema.parse("submission_versions", json);

        assertThat(schema.version()).isEqualTo(1);
        assertThat(schema.keyNames()).containsExactly("id");
        assertThat(schema.columns()).containsExactly(
                new DapColumn("id", true, Kind.LONG),
                new DapColumn("user_id", false, Kind.LONG),
                new DapColumn("context_id", false, Kind.LONG),
                new DapColumn("context_type", false, Kind.STRING));
    }

    @Test
    void skipsTheMisplacedKeywordsOfThePublishedSchemaExampleAndTakesTheKeyFromRecords() {
        // the published example nests "additionalProperties" and "required" inside "properties"
        JsonNode schemaOnly = Json.parse(Fixtures.read("dap/09_schema_doc_example_table_schema.json"));
        JsonNode versioned = Json.object().put("version", 3).set("schema", schemaOnly);

        DapSchema schema = DapSchema.parse("example", versioned);

        assertThat(schema.columns()).extracting(DapColumn::name).containsExactly("pkey", "prop1", "prop2");
        assertThat(schema.hasKeys()).isFalse();
        DapSchema keyed = schema.withKeys(List.of("pkey"));
        assertThat(keyed.keyNames()).containsExactly("pkey");
        assertThat(keyed.columns()).extracting(DapColumn::kind).containsExactly(Kind.LONG, Kind.STRING, Kind.LONG);
        assertThatThrownBy(() -> schema.withKeys(List.of("nope"))).hasMessageContaining("'nope'");
    }

    @Test
    void everySynthesizedObjectOfTheSchemaDocumentationFitsTheSchemaColumns() {
        JsonNode versioned = Json.object().put("version", 1)
                .set("schema", Json.parse(Fixtures.read("dap/09_schema_doc_example_table_schema.json")));
        DapSchema schema = DapSchema.parse("example", versioned);
        for (String line : Fixtures.read("dap/10_schema_doc_synthesized_objects.jsonl").split("\n")) {
            JsonNode object = Json.parse(line);
            object.fieldNames().forEachRemaining(field ->
                    assertThat(schema.columns()).extracting(DapColumn::name).contains(field));
        }
    }

    @Test
    void mapsJsonSchemaTypesIncludingNullableFormsToSparkTypes() {
        assertThat(kind("{\"type\": \"integer\", \"format\": \"int32\"}")).isEqualTo(Kind.INT);
        assertThat(kind("{\"type\": \"integer\"}")).isEqualTo(Kind.LONG);
        assertThat(kind("{\"type\": [\"number\", \"null\"]}")).isEqualTo(Kind.DOUBLE);
        assertThat(kind("{\"oneOf\": [{\"type\": \"null\"}, {\"type\": \"string\", \"format\": \"date-time\"}]}"))
                .isEqualTo(Kind.TIMESTAMP);
        assertThat(kind("{\"anyOf\": [{\"type\": \"string\", \"format\": \"date\"}, {\"type\": \"null\"}]}"))
                .isEqualTo(Kind.DATE);
        assertThat(kind("{\"type\": \"object\", \"additionalProperties\": {}}")).isEqualTo(Kind.JSON);
        assertThat(kind("{\"type\": \"array\", \"items\": {\"type\": \"string\"}}")).isEqualTo(Kind.JSON);
        assertThat(kind("{\"type\": \"string\", \"enum\": [\"a\", \"b\"]}")).isEqualTo(Kind.STRING);
        assertThat(kind("{\"type\": \"boolean\"}")).isEqualTo(Kind.BOOLEAN);
        assertThat(kind("{\"description\": \"no type at all\"}")).isEqualTo(Kind.STRING);
    }

    @Test
    void tableSchemaAddsMetaTimestampAndUnparsedAndMarksJsonColumns() {
        try (FakeDapServer server = FakeDapServer.start(FakeDapServer.Settings.defaults())) {
            DapSchema courses = DapSchema.parse("courses", serverSchema(server, "courses"));
            assertThat(courses.keyNames()).containsExactly("id");
            assertThat(courses.tableSchema().apply("settings").metadata().getBoolean(DapSchema.JSON_METADATA)).isTrue();
            assertThat(courses.tableSchema().apply("start_at").dataType()).isEqualTo(DataTypes.TimestampType);
            assertThat(courses.tableSchema().fieldNames()).endsWith(DapSchema.META_TS, DapSchema.UNPARSED);
        }
    }

    private static JsonNode serverSchema(FakeDapServer server, String table) {
        return DapClient.create(DapClient.Settings.defaults(server.baseUrl()),
                new Secret(server.clientId()), new Secret(server.clientSecret())).schemaJson("canvas", table);
    }

    private static Kind kind(String schema) {
        return DapSchema.kindOf(Json.parse(schema));
    }
}
