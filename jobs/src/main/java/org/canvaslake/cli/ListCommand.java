package org.canvaslake.cli;

import java.util.Map;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.json.Json;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Prints every command and its options as JSON: the machine-readable contract the Airflow DAG tests and the
 * deployment templates are checked against.
 */
final class ListCommand implements Command {

    @Override
    public CommandSpec spec() {
        return new CommandSpec("commands", "List every command and option as JSON (for DAG and template checks)",
                "commands");
    }

    @Override
    public int run(Options options) {
        System.out.println(describe(Commands.all()).toPrettyString());
        return 0;
    }

    static ObjectNode describe(Map<String, Command> commands) {
        ObjectNode root = Json.object();
        commands.forEach((name, c) -> {
            ObjectNode cmd = root.putObject(name);
            cmd.put("summary", c.spec().summary());
            cmd.put("usage", c.spec().usage());
            // a command whose flow is not built yet still lists its common options; checks of job-specific
            // options against it can then say "not built yet" instead of "unknown option"
            cmd.put("available", !(c instanceof Unavailable));
            ObjectNode opts = cmd.putObject("options");
            for (OptionSpec o : c.spec().options().values()) {
                ObjectNode od = opts.putObject(o.name());
                od.put("kind", o.kind().name().toLowerCase());
                od.put("default", o.defaultValue());
                od.put("env", o.envVar());
                od.put("help", o.help());
            }
        });
        return root;
    }
}
