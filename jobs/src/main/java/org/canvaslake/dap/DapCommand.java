package org.canvaslake.dap;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code canvaslake dap <sync|list|schema>}: Canvas Data 2 through Instructure's DAP API.
 *
 * <ul>
 *   <li>{@code dap sync [--tables a,b | --all]}: snapshot, then incrementals, into {@code cd2.*} (+ SQL mirrors).</li>
 *   <li>{@code dap list}: the namespace's tables.</li>
 *   <li>{@code dap schema <table>}: the table's versioned JSON schema, and the columns it becomes.</li>
 * </ul>
 */
public final class DapCommand implements Command {

    private final DapSyncJob sync;

    public DapCommand() {
        this(new DapSyncJob());
    }

    DapCommand(DapSyncJob sync) {
        this.sync = sync;
    }

    @Override
    public CommandSpec spec() {
        // the sync's options as the job declares them (its own, its lease, the common ones); list and schema use a few
        List<OptionSpec> all = new ArrayList<>(sync.spec().options().values());
        return new CommandSpec("dap",
                "Canvas Data 2: sync DAP tables into Delta (cd2.*) and optionally PostgreSQL/MariaDB; list tables; "
                        + "show a table's schema.\n"
                        + "  dap [sync] [--tables a,b | --all] snapshot first, then incremental from the last 'until'\n"
                        + "                                    (sync is the default: Glue/EMR pass no subcommand)\n"
                        + "  dap list                          the tables of --namespace\n"
                        + "  dap schema <table>                the table's DAP schema and the columns it becomes",
                "dap sync|list|schema [<table>] [options]")
                .options(all);
    }

    @Override
    public int run(Options options) throws Exception {
        List<String> args = options.positional();
        // Glue and EMR pass only --key value parameters: with no subcommand, a scheduled "dap" is a sync
        String sub = args.isEmpty() ? "sync" : args.get(0);
        return switch (sub) {
            case "sync" -> {
                if (args.size() > 1) {
                    throw new UsageException("'dap sync' takes tables with --tables a,b, not as arguments: " + args);
                }
                if (options.flag("all") && !options.list("tables").isEmpty()) {
                    throw new UsageException("give either --tables or --all, not both");
                }
                yield sync.run(options);
            }
            case "list" -> list(options, System.out);
            case "schema" -> {
                if (args.size() != 2) {
                    throw new UsageException("give one table: canvaslake dap schema <table> (see 'canvaslake dap list')");
                }
                yield schema(options, args.get(1), System.out);
            }
            default -> throw new UsageException("unknown subcommand '" + sub
                    + "': canvaslake dap [sync] | dap list | dap schema <table>");
        };
    }

    static int list(Options options, PrintStream out) {
        String namespace = options.get("namespace").orElse("canvas");
        List<String> tables = DapSyncJob.client(options, UnaryOperator.identity()).listTables(namespace);
        tables.forEach(out::println);
        out.println("(" + tables.size() + " tables in " + namespace + ")");
        return 0;
    }

    static int schema(Options options, String table, PrintStream out) {
        String namespace = options.get("namespace").orElse("canvas");
        JsonNode json = DapSyncJob.client(options, UnaryOperator.identity()).schemaJson(namespace, table);
        out.println(json.toPrettyString());
        DapSchema schema = DapSchema.parse(table, json);
        out.println();
        out.println("cd2." + table + " (schema version " + schema.version() + ", key " + schema.keyNames() + "):");
        for (var f : schema.tableSchema().fields()) {
            out.println("  " + f.name() + "  " + f.dataType().simpleString()
                    + (schema.keyNames().contains(f.name()) ? "  key" : "")
                    + (f.metadata().contains(DapSchema.JSON_METADATA) ? "  (JSON text)" : ""));
        }
        return 0;
    }
}
