package org.canvaslake.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.canvaslake.common.cli.CommandSpec;
import org.canvaslake.common.cli.OptionSpec;
import org.canvaslake.common.cli.Options;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.job.Command;

/**
 * A command made of subcommands ({@code canvaslake sandbox events}, {@code canvaslake bench events}): each
 * subcommand is a {@link Command} of its own; the group accepts the union of their options (Main parses against the
 * group's spec), hands over to the one named first with the options read against that subcommand's own spec (so its
 * defaults apply), and refuses options that belong to another. Subcommands may give a shared option (--port, --work)
 * different defaults; the group's listing then shows none and says so.
 */
public abstract class CommandGroup implements Command {

    private final String name;
    private final String summary;

    protected CommandGroup(String name, String summary) {
        this.name = name;
        this.summary = summary;
    }

    /** The subcommands, in help order. */
    protected abstract List<Command> subcommands();

    Map<String, Command> byName() {
        Map<String, Command> out = new LinkedHashMap<>();
        for (Command c : subcommands()) {
            out.put(c.spec().name(), c);
        }
        return out;
    }

    @Override
    public CommandSpec spec() {
        Map<String, Command> subs = byName();
        StringBuilder text = new StringBuilder(summary).append(". Subcommands:");
        Map<String, OptionSpec> options = new LinkedHashMap<>();
        subs.forEach((n, c) -> {
            text.append("\n  canvaslake ").append(c.spec().usage()).append("\n      ").append(c.spec().summary());
            c.spec().options().values().forEach(o -> options.merge(o.name(), o, CommandGroup::shared));
        });
        text.append("\n(canvaslake ").append(name).append(" <subcommand> --help: that subcommand's options)");
        return new CommandSpec(name, text.toString(), name + " <" + String.join("|", subs.keySet()) + "> [options]")
                .options(List.copyOf(options.values()));
    }

    @Override
    public int run(Options options) throws Exception {
        Map<String, Command> subs = byName();
        if (options.positional().isEmpty()) {
            throw new UsageException("name a subcommand: canvaslake " + name + " <" + String.join("|", subs.keySet())
                    + "> (canvaslake " + name + " --help explains each)");
        }
        String sub = options.positional().get(0);
        Command command = subs.get(sub);
        if (command == null) {
            throw new UsageException("unknown subcommand '" + sub + "' of canvaslake " + name + "; there are: "
                    + String.join(", ", subs.keySet()));
        }
        for (String given : options.describe().keySet()) {
            if (!command.spec().options().containsKey(given)) {
                throw new UsageException("--" + given + " is not an option of 'canvaslake " + name + " " + sub
                        + "'; it takes: --" + String.join(", --", command.spec().options().keySet()));
            }
        }
        return command.run(options.forSpec(command.spec()));
    }

    /** The help of the subcommand the arguments name ({@code bench dap --help}), else the group's. */
    public String help(List<String> args) {
        Map<String, Command> subs = byName();
        return args.stream().filter(a -> !a.startsWith("-")).findFirst().map(subs::get)
                .map(c -> c.spec().help()).orElseGet(() -> spec().help());
    }

    /** One option declared by two subcommands: its default only if both agree. */
    private static OptionSpec shared(OptionSpec first, OptionSpec second) {
        if (Objects.equals(first.defaultValue(), second.defaultValue()) || first.isFlag()) {
            return first;
        }
        return new OptionSpec(first.name(), first.help() + " (the default depends on the subcommand: see its --help)",
                null, first.kind(), first.envVar());
    }
}
