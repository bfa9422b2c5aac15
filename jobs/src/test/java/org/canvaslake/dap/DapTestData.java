package org.canvaslake.dap;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.SecretResolver;
import org.canvaslake.dap.DapSchema.DapColumn;
import org.canvaslake.sandbox.dap.FakeDapServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Runs the sync against the fake DAP API and reads a table back from the fake, from Delta and from a SQL database
 * in one comparable form: key → column → canonical text (instants as ISO, JSON with sorted keys, doubles as Java
 * prints them), so tables can be compared row by row.
 */
final class DapTestData {

    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test?user=root";

    private DapTestData() {
    }

    static Options options(FakeDapServer server, Lake lake, String... extra) {
        List<String> args = new ArrayList<>(List.of("sync", "--base-url", server.baseUrl(), "--lake", lake.root(),
                "--poll-seconds", "0.05", "--jobs-per-minute", "6000"));
        args.addAll(List.of(extra));
        Map<String, String> env = Map.of("DAP_CLIENT_ID", server.clientId(), "DAP_CLIENT_SECRET", server.clientSecret());
        return Options.parse(new DapCommand().spec(), args, env::get, SecretResolver.aws());
    }

    static RunReport run(DapSyncJob job, SparkSession spark, Options options) {
        return job.runWith(spark, options, job.runReport(options));
    }

    static String uniqueSchema() {
        return "cl_test_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The fake API's current rows of a table. */
    static Map<String, Map<String, String>> expected(FakeDapServer server, DapSchema schema) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (ObjectNode row : server.currentRows(schema.table())) {
            Map<String, String> values = new TreeMap<>();
            for (DapColumn c : schema.columns()) {
                values.put(c.name(), fromJson(row.get(c.name()), c));
            }
            out.put(key(values, schema), values);
        }
        return out;
    }

    /** The table's rows in Delta. */
    static Map<String, Map<String, String>> delta(SparkSession spark, Lake lake, DapSchema schema) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Row r : DeltaTables.read(spark, lake.table("cd2." + schema.table())).collectAsList()) {
            Map<String, String> values = new TreeMap<>();
            for (DapColumn c : schema.columns()) {
                values.put(c.name(), fromValue(r.isNullAt(r.fieldIndex(c.name())) ? null : r.getAs(c.name()), c));
            }
            out.put(key(values, schema), values);
        }
        return out;
    }

    /** The table's rows in a SQL database. */
    static Map<String, Map<String, String>> sql(Connection c, String dbSchema, DapSchema schema, String quote)
            throws SQLException {
        Map<String, Map<String, String>> out = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + quote + dbSchema
                + quote + "." + quote + schema.table() + quote)) {
            while (rs.next()) {
                Map<String, String> values = new TreeMap<>();
                for (DapColumn col : schema.columns()) {
                    Object v = switch (col.kind()) {
                        case TIMESTAMP -> rs.getMetaData().getColumnTypeName(rs.findColumn(col.name()))
                                .toLowerCase().startsWith("timestamptz")
                                ? rs.getObject(col.name(), OffsetDateTime.class)
                                : rs.getObject(col.name(), LocalDateTime.class);
                        case BOOLEAN -> rs.getObject(col.name()) == null ? null : rs.getBoolean(col.name());
                        default -> rs.getObject(col.name());
                    };
                    values.put(col.name(), fromValue(v, col));
                }
                out.put(key(values, schema), values);
            }
        }
        return out;
    }

    static Connection postgres() throws SQLException {
        return DriverManager.getConnection(PG_URL);
    }

    static Connection mariadb() throws SQLException {
        return DriverManager.getConnection(MARIADB_URL);
    }

    private static String key(Map<String, String> values, DapSchema schema) {
        return String.join("|", schema.keyNames().stream().map(values::get).toList());
    }

    private static String fromJson(JsonNode v, DapColumn c) {
        if (v == null || v.isNull()) {
            return null;
        }
        return switch (c.kind()) {
            case LONG, INT -> v.bigIntegerValue().toString();
            case DOUBLE -> Double.toString(v.asDouble());
            case BOOLEAN -> Boolean.toString(v.asBoolean());
            case STRING -> v.asText();
            case TIMESTAMP -> {
                try {
                    Instant i = Instant.parse(v.asText());
                    // the lake keeps years 1 to 9999 in the column; anything else stays text in _unparsed
                    yield i.atOffset(ZoneOffset.UTC).getYear() > 9999 ? null : i.toString();
                } catch (RuntimeException e) {
                    yield null;
                }
            }
            case DATE -> v.asText();
            case JSON -> v.isContainerNode() ? Json.canonical(v) : null;
        };
    }

    private static String fromValue(Object v, DapColumn c) {
        if (v == null) {
            return null;
        }
        if (c.kind() == DapSchema.Kind.JSON) {
            return Json.canonical(Json.parse(v.toString()));
        }
        if (v instanceof Timestamp t) {
            return t.toInstant().toString();
        }
        if (v instanceof OffsetDateTime t) {
            return t.toInstant().toString();
        }
        if (v instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC).toString();
        }
        if (v instanceof Number n && c.kind() == DapSchema.Kind.DOUBLE) {
            return Double.toString(n.doubleValue());
        }
        return v.toString();
    }
}
