package org.canvaslake.common.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkTest.class)
class GeneratedCodeJitTest {

    private static final String SELF = GeneratedCodeJit.class.getName();

    @Test
    void theFactorysSessionLoadsThePluginWhichPutsTheDirectiveIntoThisJvm(SparkSession spark) throws Exception {
        assertThat(spark.sparkContext().getConf().get("spark.plugins")).contains(SELF);
        // the session's plugin added it already; asking again returns that outcome
        assertThat(GeneratedCodeJit.addDirective()).isTrue();
        String directives = GeneratedCodeJit.printDirectives();
        // the JVM's own account: one directive lists every pattern, and for it C2 is excluded (and C1 is not)
        int ours = directives.indexOf(GeneratedCodeJit.GENERATED);
        assertThat(ours).as(directives).isNotNegative();
        String section = directives.substring(directives.lastIndexOf("Directive:", ours),
                directives.indexOf("Directive:", ours));
        String matching = section.substring(section.indexOf("matching:"), section.indexOf("c1 directives:"));
        String c1 = section.substring(section.indexOf("c1 directives:"), section.indexOf("c2 directives:"));
        String c2 = section.substring(section.indexOf("c2 directives:"));
        assertThat(GeneratedCodeJit.C1_ONLY).hasSizeGreaterThan(1)
                .allSatisfy(pattern -> assertThat(matching).as(directives).contains(pattern));
        assertThat(c2).contains("Exclude:true");
        assertThat(c1).contains("Exclude:false");
        assertThat(directives.indexOf(GeneratedCodeJit.GENERATED, ours + 1))
                .as("added once, however many sessions and executors start in this JVM").isNegative();
    }

    @Test
    void thePluginIsAddedToWhateverPluginsThePlatformConfigured() {
        assertThat(GeneratedCodeJit.plugins(null)).isEqualTo(SELF);
        assertThat(GeneratedCodeJit.plugins(" ")).isEqualTo(SELF);
        assertThat(GeneratedCodeJit.plugins("com.example.Metrics")).isEqualTo("com.example.Metrics," + SELF);
        assertThat(GeneratedCodeJit.plugins("com.example.Metrics, " + SELF)).isEqualTo("com.example.Metrics, " + SELF);
    }
}
