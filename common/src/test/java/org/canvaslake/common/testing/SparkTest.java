package org.canvaslake.common.testing;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.spark.SparkSessionFactory;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving every Spark test of a module the same local session, built by the production
 * {@link SparkSessionFactory} (not a copy of its settings). Surefire runs a module's test classes in two JVMs that
 * it reuses, so the session starts once per JVM. Use with {@code @ExtendWith(SparkTest.class)} and a {@code SparkSession}
 * parameter.
 */
public final class SparkTest implements ParameterResolver {

    private static SparkSession session;

    public static synchronized SparkSession session() {
        if (session == null) {
            System.setProperty("canvaslake.spark.master", "local[2]");
            session = SparkSessionFactory.getOrCreate("canvaslake-tests");
        }
        return session;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == SparkSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return session();
    }
}
