package org.canvaslake.common.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.common.secrets.SecretResolver;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The options of one command after parsing: command line first, then the {@code --config} file, then environment
 * variables, then defaults. Immutable.
 *
 * <p>Glue passes every job parameter as {@code --key value} and adds arguments of its own ({@code --JOB_NAME},
 * {@code --TempDir}, ...); those are accepted and ignored so the same jar runs unchanged on Glue. Flags accept an
 * explicit {@code true}/{@code false} after them for the same reason: Glue parameters always carry a value.
 */
public final class Options {

    /** Arguments the Glue and EMR runtimes add by themselves; each takes a value. */
    static final Set<String> PLATFORM_ARGUMENTS = Set.of(
            "JOB_NAME", "JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION", "job-bookmark-option", "job-bookmark-from",
            "job-bookmark-to", "TempDir", "enable-glue-datacatalog", "enable-metrics", "enable-spark-ui",
            "spark-event-logs-path", "enable-continuous-cloudwatch-log", "enable-continuous-log-filter",
            "continuous-log-logGroup", "continuous-log-logStreamPrefix", "continuous-log-conversionPattern",
            "enable-job-insights", "enable-observability-metrics", "enable-auto-scaling", "extra-jars", "extra-files",
            "extra-py-files", "class", "datalake-formats", "conf", "job-language", "user-jars-first",
            "additional-python-modules", "python-modules-installer-option", "encryption-type", "scriptLocation",
            "redshift-tmp-dir", "debug", "executor-cores", "job-type", "glue-version", "auto-scaling",
            "disable-proxy-v2", "enable-s3-parquet-optimized-committer", "enable-rename-algorithm-v2",
            "customer-driver-env-vars", "customer-executor-env-vars", "source-table", "WORKFLOW_NAME",
            "WORKFLOW_RUN_ID");

    private final CommandSpec spec;
    private final Map<String, String> values;
    private final List<String> positional;
    private final Function<String, String> env;
    private final SecretResolver secrets;

    private Options(CommandSpec spec, Map<String, String> values, List<String> positional,
                    Function<String, String> env, SecretResolver secrets) {
        this.spec = spec;
        this.values = Collections.unmodifiableMap(values);
        this.positional = List.copyOf(positional);
        this.env = env;
        this.secrets = secrets;
    }

    public static Options parse(CommandSpec spec, List<String> args) {
        return parse(spec, args, System::getenv, SecretResolver.aws());
    }

    public static Options parse(CommandSpec spec, List<String> args, Function<String, String> env,
                                SecretResolver secrets) {
        Map<String, String> given = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.equals("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            String next = i + 1 < args.size() ? args.get(i + 1) : null;
            OptionSpec option = spec.options().get(name);
            if (option == null) {
                if (PLATFORM_ARGUMENTS.contains(name)) {
                    if (inline == null && next != null && !next.startsWith("--")) {
                        i++;
                    }
                    continue;
                }
                throw new UsageException("Unknown option --" + name + " for 'canvaslake " + spec.name()
                        + "'. Run 'canvaslake " + spec.name() + " --help' for the options it takes.");
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (option.isFlag()) {
                value = "true";
                // Glue always passes a value; accept an explicit true/false after a flag
                if ("true".equalsIgnoreCase(next) || "false".equalsIgnoreCase(next)) {
                    value = next.toLowerCase();
                    i++;
                }
            } else {
                if (next == null) {
                    throw new UsageException("Option --" + name + " of 'canvaslake " + spec.name()
                            + "' needs a value: " + option.help());
                }
                value = next;
                i++;
            }
            given.put(name, value);
        }
        Map<String, String> merged = new LinkedHashMap<>();
        String configFile = given.get("config");
        if (configFile != null && !configFile.isBlank()) {
            readConfigFile(spec, Path.of(configFile)).forEach(merged::put);
        }
        merged.putAll(given);
        return new Options(spec, merged, positional, env, secrets);
    }

    /** A config file holds the same options as the command line: Java properties or a JSON object. */
    static Map<String, String> readConfigFile(CommandSpec spec, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("Config file " + file + " does not exist or is not a file (given by --config).");
        }
        Map<String, String> out = new LinkedHashMap<>();
        try {
            if (file.toString().endsWith(".json")) {
                JsonNode root = Json.MAPPER.readTree(file.toFile());
                if (root == null || !root.isObject()) {
                    throw new UsageException("Config file " + file + " must hold a JSON object of option names to values.");
                }
                root.fields().forEachRemaining(e -> out.put(e.getKey(),
                        e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
            } else {
                Properties props = new Properties();
                try (Reader reader = Files.newBufferedReader(file)) {
                    props.load(reader);
                }
                props.stringPropertyNames().forEach(k -> out.put(k, props.getProperty(k).trim()));
            }
        } catch (IOException e) {
            throw new UsageException("Cannot read config file " + file + ": " + e.getMessage());
        }
        for (String key : out.keySet()) {
            String name = key.startsWith("--") ? key.substring(2) : key;
            if (!spec.options().containsKey(name)) {
                throw new UsageException("Config file " + file + " sets '" + key + "', which 'canvaslake " + spec.name()
                        + "' does not take. Run 'canvaslake " + spec.name() + " --help' for its options.");
            }
        }
        Map<String, String> normalised = new LinkedHashMap<>();
        out.forEach((k, v) -> normalised.put(k.startsWith("--") ? k.substring(2) : k, v));
        return normalised;
    }

    public CommandSpec spec() {
        return spec;
    }

    /**
     * The same given values read against another spec: a subcommand's, so that its own defaults and help apply
     * rather than those of the group it was parsed with. Every given option must be one the other spec declares.
     */
    public Options forSpec(CommandSpec other) {
        for (String given : values.keySet()) {
            if (!other.options().containsKey(given)) {
                throw new UsageException("--" + given + " is not an option of 'canvaslake " + other.usage()
                        + "'; it takes: --" + String.join(", --", other.options().keySet()));
            }
        }
        return new Options(other, new LinkedHashMap<>(values), positional, env, secrets);
    }

    public List<String> positional() {
        return positional;
    }

    public boolean has(String name) {
        return raw(name).isPresent();
    }

    /** The value of a non-secret option, or its default; empty when neither is set. */
    public Optional<String> get(String name) {
        OptionSpec option = require(name);
        if (option.isSecret()) {
            throw new IllegalStateException("Option --" + name + " is a secret; read it with secret()");
        }
        return raw(name).or(() -> Optional.ofNullable(option.defaultValue()));
    }

    public String require(String name, String why) {
        return get(name).filter(v -> !v.isBlank()).orElseThrow(() -> new UsageException(
                "'canvaslake " + spec.name() + "' needs --" + name + ": " + why));
    }

    public String getOrDefault(String name, String fallback) {
        return get(name).filter(v -> !v.isBlank()).orElse(fallback);
    }

    public int getInt(String name) {
        String v = get(name).orElseThrow(() -> new UsageException("Option --" + name + " has no value"));
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("Option --" + name + " must be a whole number, got '" + v + "'");
        }
    }

    public long getLong(String name) {
        String v = get(name).orElseThrow(() -> new UsageException("Option --" + name + " has no value"));
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("Option --" + name + " must be a whole number, got '" + v + "'");
        }
    }

    public boolean flag(String name) {
        String v = get(name).orElse("false").trim();
        if (v.equalsIgnoreCase("true") || v.isEmpty()) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new UsageException("Option --" + name + " is a flag: give it alone or with true/false, got '" + v + "'");
    }

    /** A comma-separated list option; empty list when unset. */
    public List<String> list(String name) {
        return get(name).map(v -> Arrays.stream(v.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
    }

    /** A secret option, resolved from the option, then its environment variable; references are looked up. */
    public Optional<Secret> secret(String name) {
        OptionSpec option = require(name);
        if (!option.isSecret()) {
            throw new IllegalStateException("Option --" + name + " is not declared as a secret");
        }
        Optional<String> ref = raw(name);
        if (ref.isEmpty() && option.envVar() != null) {
            ref = Optional.ofNullable(env.apply(option.envVar())).filter(s -> !s.isBlank());
        }
        return ref.map(r -> secrets.resolve(r, "--" + name + (option.envVar() == null ? "" : " / " + option.envVar())));
    }

    public Secret requireSecret(String name) {
        OptionSpec option = require(name);
        return secret(name).orElseThrow(() -> new UsageException("'canvaslake " + spec.name() + "' needs --" + name
                + (option.envVar() == null ? "" : " or the environment variable " + option.envVar())
                + ": " + option.help()));
    }

    private Optional<String> raw(String name) {
        require(name);
        String v = values.get(name);
        if (v == null) {
            OptionSpec option = spec.options().get(name);
            if (option.envVar() != null && !option.isSecret()) {
                v = env.apply(option.envVar());
            }
        }
        return Optional.ofNullable(v);
    }

    private OptionSpec require(String name) {
        OptionSpec option = spec.options().get(name);
        if (option == null) {
            throw new IllegalStateException("Command " + spec.name() + " does not declare option --" + name);
        }
        return option;
    }

    /** The options as given, secrets masked: safe to print or store in a run report. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            OptionSpec o = spec.options().get(k);
            out.put(k, o != null && o.isSecret() ? "****" : v);
        });
        return out;
    }
}
