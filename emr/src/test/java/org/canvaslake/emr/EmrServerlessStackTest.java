package org.canvaslake.emr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.canvaslake.glue.cfn.CfnTemplate.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.canvaslake.glue.cfn.CfnLint;
import org.canvaslake.glue.cfn.CfnTemplate;
import org.canvaslake.glue.cfn.CfnTemplate.Statement;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The EMR Serverless application stack, and how it plugs into the core stack's exports. */
class EmrServerlessStackTest {

    static final Path TEMPLATE = Path.of("cloudformation/emr-serverless.yaml");
    static final Path CORE = Path.of("../glue/cloudformation/canvaslake.yaml");
    static final List<String> JOBS = List.of("Events", "Canvas", "Dap", "Product", "Mirror", "Report");

    /** Spark and Delta of EMR 7 releases, from the EMR release guide (Spark and Delta release history). */
    private static final Map<String, List<String>> EMR_RELEASES = Map.of(
            "emr-7.8.0", List.of("3.5.4", "3.3.0"),
            "emr-7.9.0", List.of("3.5.5", "3.3.0"));

    private final CfnTemplate cfn = CfnTemplate.load(TEMPLATE);

    @Test
    void everyReferenceResolvesAndCfnLintFindsNothing() throws Exception {
        assertThat(cfn.unresolvedReferences()).isEmpty();
        CfnLint.Result lint = CfnLint.run(TEMPLATE);
        assertThat(lint.output()).isBlank();
        assertThat(lint.exitCode()).isZero();
    }

    @Test
    void applicationRunsTheSparkAndDeltaTheJarIsBuiltFor() throws Exception {
        JsonNode app = cfn.properties("Application");
        assertThat(app.path("Type").asText()).isEqualTo("Spark");
        assertThat(text(app.path("ReleaseLabel"))).isEqualTo("${ReleaseLabel}");
        String release = cfn.root().at("/Parameters/ReleaseLabel/Default").asText();
        assertThat(release).matches("emr-7\\.\\d+\\.\\d+");

        String pom = Files.readString(Path.of("../pom.xml"));
        assertThat(EMR_RELEASES).containsKey(release);
        assertThat(EMR_RELEASES.get(release)).as(release + " ships the build's Spark and Delta")
                .containsExactly(property(pom, "spark.version"), property(pom, "delta.version"));
        assertThat(app.at("/AutoStopConfiguration/Enabled").asBoolean()).as("idle applications stop").isTrue();
    }

    @Test
    void eachJobHasARoleCarryingTheCoreStacksDataPolicyOfThatJob() {
        CfnTemplate core = CfnTemplate.load(CORE);
        Set<String> coreExports = new TreeSet<>();
        core.root().path("Outputs").forEach(o -> {
            if (o.has("Export")) {
                coreExports.add(text(o.at("/Export/Name")));
            }
        });
        for (String job : JOBS) {
            JsonNode role = cfn.properties(job + "EmrRole");
            assertThat(text(role.at("/AssumeRolePolicyDocument/Statement/0/Principal/Service")))
                    .isEqualTo("emr-serverless.amazonaws.com");
            assertThat(text(role.at("/AssumeRolePolicyDocument/Statement/0/Condition/StringEquals/aws:SourceAccount")))
                    .isEqualTo("${AWS::AccountId}");
            List<String> policies = CfnTemplate.texts(role.path("ManagedPolicyArns"));
            String imported = "import:${CoreStackName}-" + job + "DataPolicyArn";
            assertThat(policies).containsExactlyInAnyOrder(imported, "${EmrRuntimePolicy}");
            assertThat(coreExports).as("the core stack exports what " + job + " imports")
                    .contains("${AWS::StackName}-" + job + "DataPolicyArn");
            // the Airflow config's emr_role_arns[command] is copied from this output
            assertThat(text(cfn.root().at("/Outputs/" + job + "RoleArn/Value"))).as(job + "RoleArn output")
                    .isEqualTo("${" + job + "EmrRole.Arn}");
        }
        assertThat(cfn.ofType("AWS::IAM::Role").keySet()).as("a role per job, no other")
                .containsExactlyInAnyOrderElementsOf(JOBS.stream().map(j -> j + "EmrRole").toList());
    }

    @Test
    void runtimeAndMwaaPoliciesAreScoped() {
        for (Statement s : cfn.allStatements()) {
            if (s.effect().equals("Allow")) {
                assertThat(s.resources()).as(s.where()).doesNotContain("*");
                assertThat(s.actions()).as(s.where()).noneMatch(a -> a.equals("*") || a.endsWith(":*"));
            }
        }
        List<Statement> runtime = CfnTemplate.statements("runtime", cfn.properties("EmrRuntimePolicy").path("PolicyDocument"));
        assertThat(runtime.stream().filter(s -> s.allows("s3:PutObject")).flatMap(s -> s.resources().stream()))
                .containsExactly("arn:${AWS::Partition}:s3:::${ArtifactBucket}/${ArtifactPrefix}emr-logs/*");

        List<Statement> mwaa = CfnTemplate.statements("mwaa", cfn.properties("MwaaStartJobRunsPolicy").path("PolicyDocument"));
        Statement pass = mwaa.stream().filter(s -> s.allows("iam:PassRole")).findFirst().orElseThrow();
        assertThat(pass.resources()).hasSize(JOBS.size()).allMatch(r -> r.matches("\\$\\{[A-Za-z]+EmrRole\\.Arn}"));
        assertThat(text(pass.condition().at("/StringEquals/iam:PassedToService"))).isEqualTo("emr-serverless.amazonaws.com");
        assertThat(mwaa.stream().filter(s -> s.allows("emr-serverless:StartJobRun")).flatMap(s -> s.resources().stream()))
                .containsExactlyInAnyOrder("${Application.Arn}", "${Application.Arn}/jobruns/*");
    }

    static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as("property " + name + " in the parent pom").isTrue();
        return m.group(1).trim();
    }
}
