package org.canvaslake.common.spark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.management.JMException;
import javax.management.ObjectName;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps HotSpot's optimising compiler (C2) off the classes Spark generates per query, and off the code that makes and
 * ships them, in the driver and in every executor (a Spark plugin: {@code spark.plugins}, set by
 * {@link SparkSessionFactory}).
 *
 * <p>Why: each write of a wide table brings its own generated projections and loops, used for one stage and then
 * thrown away. C2 spent more CPU compiling them than the stages spent running them: in a profile of the 1M-event
 * benchmark, ten C2 compilations of generated methods took 33 s of the run's CPU, one of them 31 s before C2 gave
 * the method up. Left to the quick compiler (C1), they are ready in milliseconds. The same holds for the work done
 * per query or per task rather than per row ({@link #C1_ONLY}): compiling the generated code (Janino), Java
 * serialisation of tasks and their results, parsing SQL expressions (ANTLR), cleaning closures (ASM) and loading
 * classes. A later profile of the same run found 14 s of C2 time on those; leaving them to C1 took the run from
 * 84-85 s to 74-77 s (three runs each, alternating). Our own code, Jackson, Parquet and Spark's row-by-row engine are
 * still compiled by C2 as usual.
 *
 * <p>The directive is added at run time through the JVM's diagnostic command MBean (what {@code jcmd
 * Compiler.directives_add} does), so no JVM flag is needed on Glue or EMR. A JVM that does not offer it runs the
 * job unchanged, with a warning. {@code --conf spark.canvaslake.jit.generatedCodeC2=true} leaves C2 on and the plugin
 * out of the session ({@code spark.plugins}) altogether.
 */
public final class GeneratedCodeJit implements SparkPlugin {

    /** Spark setting that keeps C2 on for generated code (to compare, or if a JVM misbehaves with the directive). */
    public static final String KEEP_C2 = "spark.canvaslake.jit.generatedCodeC2";

    /** The class pattern: every class Spark's code generator compiles is nested in this one. */
    static final String GENERATED = "org/apache/spark/sql/catalyst/expressions/GeneratedClass*.*";
    /** The methods left to C1: the generated classes first, then what runs per query or task, not per row. */
    static final List<String> C1_ONLY = List.of(GENERATED,
            "org/codehaus/janino/*.*", "org/codehaus/commons/*.*",
            "java/io/ObjectOutputStream.*", "java/io/ObjectInputStream.*", "java/io/ObjectStreamClass.*",
            "org/antlr/*.*", "org/apache/xbean/*.*", "jdk/internal/loader/*.*", "jdk/internal/org/objectweb/*.*");
    static final String DIRECTIVES = "[{ match: [" + C1_ONLY.stream().map(p -> "\"" + p + "\"")
            .collect(Collectors.joining(", ")) + "], c2: { Exclude: true } }]";

    private static final Logger LOG = LoggerFactory.getLogger(GeneratedCodeJit.class);
    private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";
    private static Boolean added;

    /** {@code spark.plugins} with this plugin added to what the platform or the user set. */
    public static String plugins(String configured) {
        String self = GeneratedCodeJit.class.getName();
        if (configured == null || configured.isBlank()) {
            return self;
        }
        boolean present = Arrays.stream(configured.split(",")).map(String::trim).anyMatch(self::equals);
        return present ? configured : configured + "," + self;
    }

    /**
     * Adds the directive to this JVM once (later calls return the first outcome).
     *
     * @return whether the JVM took it
     */
    public static synchronized boolean addDirective() {
        if (added == null) {
            added = add();
        }
        return added;
    }

    /** What the JVM's compiler directives are now, as {@code jcmd Compiler.directives_print} shows them. */
    public static String printDirectives() throws JMException {
        return String.valueOf(diagnosticCommand("compilerDirectivesPrint"));
    }

    private static boolean add() {
        Path file = null;
        try {
            file = Files.createTempFile("canvaslake-jit-", ".json");
            Files.writeString(file, DIRECTIVES, StandardCharsets.UTF_8);
            String answer = String.valueOf(diagnosticCommand("compilerDirectivesAdd", file.toString())).trim();
            if (!answer.startsWith("1 compiler directives added")) {
                LOG.warn("JIT: the JVM did not take the directive that keeps C2 off Spark's generated code ({});"
                        + " runs are correct, only slower", answer);
                return false;
            }
            LOG.info("JIT: Spark's generated code, and the code that compiles and ships it, is left to the C1 compiler"
                    + " (set {}=true to keep C2 on it)", KEEP_C2);
            return true;
        } catch (IOException | JMException | RuntimeException e) {
            LOG.warn("JIT: could not add the directive that keeps C2 off Spark's generated code ({}); runs are"
                    + " correct, only slower", e.toString());
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file of a few bytes
                }
            }
        }
    }

    private static Object diagnosticCommand(String operation, String... arguments) throws JMException {
        return ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(DIAGNOSTIC_COMMAND), operation,
                new Object[] {arguments}, new String[] {String[].class.getName()});
    }

    private static void addUnlessKept(SparkConf conf) {
        if (!conf.getBoolean(KEEP_C2, false)) {
            addDirective();
        }
    }

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public Map<String, String> init(SparkContext sc, PluginContext context) {
                addUnlessKept(sc.getConf());
                return Map.of();
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext context, Map<String, String> extraConf) {
                addUnlessKept(context.conf());
            }
        };
    }
}
