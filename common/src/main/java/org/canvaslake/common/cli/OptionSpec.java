package org.canvaslake.common.cli;

import java.util.Objects;

/**
 * One command-line option of a command: its name (without dashes), what it means, its default, and whether it
 * names a secret (then its value may be a reference such as {@code ssm:/canvaslake/token} and is never printed).
 */
public record OptionSpec(String name, String help, String defaultValue, Kind kind, String envVar) {

    public enum Kind { VALUE, FLAG, SECRET }

    public OptionSpec {
        Objects.requireNonNull(name, "option name");
        Objects.requireNonNull(help, "option help");
        Objects.requireNonNull(kind, "option kind");
        if (name.startsWith("-")) {
            throw new IllegalArgumentException("Option name must not start with a dash: " + name);
        }
    }

    public static OptionSpec value(String name, String defaultValue, String help) {
        return new OptionSpec(name, help, defaultValue, Kind.VALUE, null);
    }

    public static OptionSpec flag(String name, String help) {
        return new OptionSpec(name, help, "false", Kind.FLAG, null);
    }

    /** A secret: from the option, else the environment variable; either may be an ssm:/secretsmanager: reference. */
    public static OptionSpec secret(String name, String envVar, String help) {
        return new OptionSpec(name, help, null, Kind.SECRET, envVar);
    }

    /** A plain value that may also come from an environment variable (below the command line and config file). */
    public OptionSpec withEnv(String variable) {
        return new OptionSpec(name, help, defaultValue, kind, variable);
    }

    public boolean isFlag() {
        return kind == Kind.FLAG;
    }

    public boolean isSecret() {
        return kind == Kind.SECRET;
    }
}
