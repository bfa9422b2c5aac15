package org.canvaslake.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.job.CommonOptions;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.spark.SparkSessionFactory;

/** {@code canvaslake sql "<query>"}: Spark SQL over the lake's tables by name, printed as a table, CSV or JSON. */
public final class SqlCommand implements Command {

    @Override
    public CommandSpec spec() {
        return new CommandSpec("sql",
                "Run Spark SQL over the lake's tables by name (events.live_stream, canvas.users, _meta.runs, ...)",
                "sql [--lake DIR] [--format table|csv|json] \"<Spark SQL>\"")
                .option(OptionSpec.value("format", "table", "Output: table (aligned text), csv or json (one object a line)"))
                .option(OptionSpec.value("limit", "1000", "Print at most this many rows (0: no limit)"))
                .option(CommonOptions.LAKE)
                .option(CommonOptions.CONFIG);
    }

    @Override
    public int run(Options options) {
        String query = String.join(" ", options.positional()).trim();
        if (query.isEmpty()) {
            throw new UsageException("give the query as an argument, e.g. canvaslake sql \"SELECT * FROM _meta.runs\"");
        }
        String format = options.get("format").orElse("table");
        if (!List.of("table", "csv", "json").contains(format)) {
            throw new UsageException("--format must be table, csv or json, got '" + format + "'");
        }
        SparkSession spark = SparkSessionFactory.getOrCreate("canvaslake-sql");
        Lake lake = Lake.at(options.get("lake").orElse("./lake"));
        List<String> tables = LakeCatalog.registerAll(spark, lake);
        if (tables.isEmpty()) {
            System.err.println("Note: no Delta tables found under " + lake + " (run 'canvaslake demo' to make some).");
        }
        Dataset<Row> result = spark.sql(query);
        int limit = options.getInt("limit");
        print(limit > 0 ? result.limit(limit) : result, format, System.out);
        return 0;
    }

    static void print(Dataset<Row> result, String format, PrintStream out) {
        String[] columns = result.columns();
        switch (format) {
            case "json" -> result.toJSON().collectAsList().forEach(out::println);
            case "csv" -> {
                out.println(String.join(",", List.of(columns).stream().map(SqlCommand::csv).toList()));
                for (Row row : result.collectAsList()) {
                    List<String> cells = new ArrayList<>();
                    for (int i = 0; i < columns.length; i++) {
                        cells.add(csv(row.isNullAt(i) ? "" : String.valueOf(row.get(i))));
                    }
                    out.println(String.join(",", cells));
                }
            }
            default -> out.print(table(columns, result.collectAsList()));
        }
    }

    static String table(String[] columns, List<Row> rows) {
        int[] width = new int[columns.length];
        List<String[]> cells = new ArrayList<>();
        for (int i = 0; i < columns.length; i++) {
            width[i] = columns[i].length();
        }
        for (Row row : rows) {
            String[] line = new String[columns.length];
            for (int i = 0; i < columns.length; i++) {
                String v = row.isNullAt(i) ? "NULL" : String.valueOf(row.get(i));
                v = v.replace('\n', ' ');
                if (v.length() > 80) {
                    v = v.substring(0, 77) + "...";
                }
                line[i] = v;
                width[i] = Math.max(width[i], v.length());
            }
            cells.add(line);
        }
        StringBuilder out = new StringBuilder();
        out.append(line(columns, width)).append('\n');
        out.append(java.util.Arrays.stream(width).mapToObj("-"::repeat).collect(Collectors.joining("-+-"))).append('\n');
        cells.forEach(c -> out.append(line(c, width)).append('\n'));
        out.append("(").append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)").append('\n');
        return out.toString();
    }

    private static String line(String[] values, int[] width) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            parts.add(values[i] + " ".repeat(width[i] - values[i].length()));
        }
        return String.join(" | ", parts).stripTrailing();
    }

    private static String csv(String v) {
        if (v.contains(",") || v.contains("\"") || v.contains("\n")) {
            return "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }
}
