package org.canvaslake.common.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a command is called, what it does, and every option it takes; the source of its --help. */
public final class CommandSpec {

    private final String name;
    private final String summary;
    private final String usage;
    private final Map<String, OptionSpec> options = new LinkedHashMap<>();

    public CommandSpec(String name, String summary, String usage) {
        this.name = name;
        this.summary = summary;
        this.usage = usage;
    }

    public CommandSpec option(OptionSpec option) {
        if (options.putIfAbsent(option.name(), option) != null) {
            throw new IllegalArgumentException("Command " + name + " declares option --" + option.name() + " twice");
        }
        return this;
    }

    public CommandSpec options(List<OptionSpec> more) {
        more.forEach(this::option);
        return this;
    }

    public String name() {
        return name;
    }

    public String summary() {
        return summary;
    }

    public String usage() {
        return usage;
    }

    public Map<String, OptionSpec> options() {
        return Collections.unmodifiableMap(options);
    }

    public String help() {
        StringBuilder out = new StringBuilder();
        out.append("Usage: canvaslake ").append(usage).append("\n\n").append(summary).append("\n\nOptions:\n");
        List<OptionSpec> sorted = new ArrayList<>(options.values());
        for (OptionSpec o : sorted) {
            String left = "  --" + o.name() + (o.isFlag() ? "" : " <value>");
            out.append(left);
            out.append(" ".repeat(Math.max(2, 34 - left.length())));
            out.append(o.help());
            if (o.defaultValue() != null && !o.isFlag()) {
                out.append(" (default: ").append(o.defaultValue()).append(')');
            }
            if (o.envVar() != null) {
                out.append(" [env ").append(o.envVar()).append(']');
            }
            if (o.isSecret()) {
                out.append(" [secret: a value, or ssm:<parameter name>, or secretsmanager:<secret id>; never printed]");
            }
            out.append('\n');
        }
        out.append("  --help").append(" ".repeat(26)).append("Show this help and exit\n");
        return out.toString();
    }
}
