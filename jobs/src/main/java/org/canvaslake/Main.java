package org.canvaslake;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.cli.CommandGroup;
import org.canvaslake.cli.Commands;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.canvaslake.common.text.Redaction;

/**
 * The one entry point: {@code ./canvaslake}, {@code spark-submit --class org.canvaslake.Main}, Glue
 * ({@code --class org.canvaslake.Main}) and EMR Serverless ({@code entryPoint}) all run this.
 *
 * <p>The command is the first argument ({@code canvaslake events --lake ...}); Glue can only pass key/value job
 * parameters, so {@code --command events} works as well.
 */
public final class Main {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args);
        System.out.flush();
        System.err.flush();
        if (SparkSessionFactory.onPlatform()) {
            // Under spark-submit, Glue and EMR the platform runs main() inside its own driver: exiting the JVM before
            // the SparkContext has stopped makes YARN report "Shutdown hook called before final status was reported"
            // and fail a run that succeeded. Stop Spark first; a success then simply returns to the platform.
            stopSpark();
            if (code == EXIT_OK) {
                return;
            }
        }
        System.exit(code);
    }

    /** Kept apart so that Spark classes are only loaded when a session may exist. */
    private static void stopSpark() {
        scala.Option<SparkSession> session = SparkSession.getDefaultSession();
        if (session.isDefined()) {
            session.get().stop();
        }
    }

    public static int run(String[] argv) {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        String name = commandName(args);
        Map<String, Command> commands = Commands.all();
        if (name == null || name.equals("help") || name.equals("--help") || name.equals("-h")) {
            System.out.print(overview(commands));
            return name == null ? EXIT_USAGE : EXIT_OK;
        }
        Command command = commands.get(name);
        if (command == null) {
            System.err.println("Unknown command '" + name + "'. Run 'canvaslake --help' for the list of commands.");
            return EXIT_USAGE;
        }
        if (args.contains("--help") || args.contains("-h")) {
            System.out.print(command instanceof CommandGroup group ? group.help(args)
                    : command.spec().help());
            return EXIT_OK;
        }
        try {
            return command.run(Options.parse(command.spec(), args));
        } catch (UsageException e) {
            System.err.println("canvaslake " + name + ": " + Redaction.redact(e.getMessage()));
            return EXIT_USAGE;
        } catch (Exception e) {
            System.err.println("canvaslake " + name + " failed: " + e.getClass().getSimpleName() + ": "
                    + Redaction.redact(String.valueOf(e.getMessage())));
            e.printStackTrace(System.err);
            return EXIT_FAILED;
        }
    }

    /**
     * Takes the command name out of the arguments: first positional, or {@code --command X} (Glue). Glue passes only
     * {@code --key value} parameters, so {@code --command "dap sync"} carries a subcommand too: the words after the
     * command become the first positional arguments, as on the command line.
     */
    static String commandName(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = null;
            if (a.equals("--command") && i + 1 < args.size()) {
                value = args.get(i + 1);
                args.remove(i + 1);
                args.remove(i);
            } else if (a.startsWith("--command=")) {
                value = a.substring("--command=".length());
                args.remove(i);
            }
            if (value != null) {
                List<String> words = new ArrayList<>(Arrays.asList(value.trim().split("\\s+")));
                String name = words.remove(0);
                args.addAll(0, words);
                return name;
            }
        }
        if (!args.isEmpty() && !args.get(0).startsWith("-")) {
            return args.remove(0);
        }
        if (!args.isEmpty() && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
            return "--help";
        }
        return null;
    }

    static String overview(Map<String, Command> commands) {
        StringBuilder out = new StringBuilder();
        out.append("Canvas Lake: Canvas LMS data into a Delta lakehouse.\n\n")
                .append("Usage: canvaslake <command> [options]     (on Glue: --command <command> [options])\n")
                .append("       canvaslake <command> --help         every option of a command\n\nCommands:\n");
        commands.forEach((n, c) -> out.append("  ").append(n).append(" ".repeat(Math.max(2, 12 - n.length())))
                .append(c.spec().summary().split("\n")[0]).append('\n'));
        out.append("\nExit codes: 0 success, 1 a unit of work failed (see the run report), 2 wrong usage.\n");
        return out.toString();
    }
}
