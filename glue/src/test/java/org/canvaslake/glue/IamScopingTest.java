package org.canvaslake.glue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.canvaslake.glue.CoreStackTest.JOBS;
import static org.canvaslake.glue.CoreStackTest.id;
import static org.canvaslake.glue.cfn.CfnTemplate.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.canvaslake.glue.cfn.CfnTemplate;
import org.canvaslake.glue.cfn.CfnTemplate.Statement;
import org.junit.jupiter.api.Test;

/**
 * Least privilege, checked statement by statement: each role reaches only its own prefixes, queue, topic and SSM
 * parameters; nothing grants a wildcard action or a wildcard resource on data.
 */
class IamScopingTest {

    /** Actions that have no resource-level permissions in IAM, and so may (only) be granted on "*". */
    private static final Set<String> NO_RESOURCE_LEVEL = Set.of("cloudwatch:PutMetricData");

    private static final String LAKE = "${LakeBucket.Arn}/";
    private static final String RAW = "${RawBucket.Arn}/";

    /** Per job: the object prefixes it may write, and the ones it may only read. */
    private static final Map<String, Set<String>> WRITES = Map.of(
            "events", Set.of(LAKE + "events/*", LAKE + "_meta/*"),
            "canvas", Set.of(RAW + "raw/canvas_api/*", LAKE + "canvas/*", LAKE + "_meta/*"),
            "dap", Set.of(LAKE + "cd2/*", LAKE + "_meta/*"),
            "product", Set.of(LAKE + "product/*", LAKE + "_meta/*"),
            "mirror", Set.of(LAKE + "_meta/*"),
            "report", Set.of(LAKE + "_meta/runs/*", LAKE + "_meta/report/*"));
    private static final Map<String, Set<String>> READS_ONLY = Map.of(
            "events", Set.of(RAW + "raw/live_events/*"),
            "canvas", Set.of(),
            "dap", Set.of(),
            "product", Set.of(LAKE + "events/*", LAKE + "canvas/*", LAKE + "cd2/*"),
            "mirror", Set.of(LAKE + "events/*", LAKE + "canvas/*", LAKE + "cd2/*", LAKE + "product/*"),
            "report", Set.of(LAKE + "events/*", LAKE + "canvas/*", LAKE + "cd2/*", LAKE + "product/*",
                    LAKE + "_meta/*"));
    private static final String SSM = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${SsmPrefix}/";
    private static final Map<String, Set<String>> SECRETS = Map.of(
            "events", Set.of(),
            "canvas", Set.of(SSM + "canvas-token"),
            "dap", Set.of(SSM + "dap-client-id", SSM + "dap-client-secret", SSM + "cd2-db-password"),
            "product", Set.of(SSM + "pseudonymize-key"),
            "mirror", Set.of(SSM + "mirror-db-password"),
            "report", Set.of());
    private static final Map<String, Set<String>> OWN_DATABASES = Map.of(
            "events", Set.of("events", "_meta"),
            "canvas", Set.of("canvas", "_meta"),
            "dap", Set.of("cd2", "_meta"),
            "product", Set.of("product", "_meta"),
            "mirror", Set.of("_meta"),
            "report", Set.of());

    private final CfnTemplate cfn = CfnTemplate.load(CoreStackTest.TEMPLATE);

    private static Set<String> resourcesFor(List<Statement> statements, String action) {
        return statements.stream().filter(s -> s.allows(action)).flatMap(s -> s.resources().stream())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void noAllowGrantsAWildcardAction() {
        List<String> offenders = new ArrayList<>();
        for (Statement s : cfn.allStatements()) {
            if (s.effect().equals("Allow")) {
                s.actions().stream().filter(a -> a.equals("*") || a.endsWith(":*")).forEach(a -> offenders.add(s.where() + " " + a));
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void noAllowOnAllResourcesExceptActionsThatHaveNoResourcesAndThenOnlyUnderACondition() {
        List<String> offenders = new ArrayList<>();
        for (Statement s : cfn.allStatements()) {
            if (s.effect().equals("Allow") && s.resources().contains("*")) {
                boolean ok = NO_RESOURCE_LEVEL.containsAll(s.actions()) && !s.condition().isMissingNode();
                if (!ok) {
                    offenders.add(s.where() + " " + s.actions());
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void landerMayOnlyConsumeItsQueueAndPutUnderRawLiveEvents() {
        List<Statement> lander = cfn.roleStatements("LanderRole");

        assertThat(resourcesFor(lander, "s3:PutObject")).containsExactly(RAW + "raw/live_events/*");
        assertThat(lander).noneMatch(s -> s.actions().stream().anyMatch(a -> a.startsWith("s3:") && !a.equals("s3:PutObject")));
        assertThat(lander.stream().filter(s -> s.actions().stream().anyMatch(a -> a.startsWith("sqs:")))
                .flatMap(s -> s.resources().stream())).containsOnly("${LiveEventsQueue.Arn}");
        assertThat(resourcesFor(lander, "sqs:DeleteMessage")).containsExactly("${LiveEventsQueue.Arn}");
        assertThat(resourcesFor(lander, "logs:PutLogEvents")).containsExactly("${LanderLogGroup.Arn}");
        assertThat(trustedServices("LanderRole")).containsExactly("lambda.amazonaws.com");
    }

    @Test
    void eachJobWritesOnlyItsOwnPrefixes() {
        for (String job : JOBS) {
            List<Statement> role = cfn.roleStatements(id(job) + "GlueRole");
            Set<String> dataWrites = resourcesFor(role, "s3:PutObject").stream()
                    .filter(r -> !r.contains("${ArtifactBucket}")).collect(Collectors.toSet());
            assertThat(dataWrites).as(job + " PutObject").containsExactlyInAnyOrderElementsOf(WRITES.get(job));
            assertThat(resourcesFor(role, "s3:DeleteObject")).as(job + " DeleteObject")
                    .isSubsetOf(WRITES.get(job)).doesNotContain(RAW + "raw/canvas_api/*", RAW + "raw/live_events/*");
            Set<String> readable = new TreeSet<>(WRITES.get(job));
            readable.addAll(READS_ONLY.get(job));
            Set<String> dataReads = resourcesFor(role, "s3:GetObject").stream()
                    .filter(r -> !r.contains("${ArtifactBucket}")).collect(Collectors.toSet());
            assertThat(dataReads).as(job + " GetObject").containsExactlyInAnyOrderElementsOf(readable);
        }
    }

    @Test
    void onlyTheLanderWritesLiveEventsAndNoJobDeletesRaw() {
        for (String job : JOBS) {
            assertThat(resourcesFor(cfn.roleStatements(id(job) + "GlueRole"), "s3:PutObject"))
                    .as(job).doesNotContain(RAW + "raw/live_events/*");
        }
        assertThat(cfn.allStatements()).filteredOn(s -> s.allows("s3:DeleteObject"))
                .allMatch(s -> s.resources().stream().noneMatch(r -> r.startsWith(RAW)));
    }

    @Test
    void bucketListingIsLimitedToOwnPrefixes() {
        for (String job : JOBS) {
            for (Statement s : cfn.roleStatements(id(job) + "GlueRole")) {
                if (s.allows("s3:ListBucket")) {
                    assertThat(s.condition().at("/StringLike/s3:prefix").isMissingNode())
                            .as(s.where() + " lists only under a prefix condition").isFalse();
                }
            }
        }
    }

    @Test
    void noJobListsTheLakesRoot() {
        for (String job : JOBS) {
            for (Statement s : cfn.roleStatements(id(job) + "GlueRole")) {
                if (s.allows("s3:ListBucket")) {
                    assertThat(CfnTemplate.texts(s.condition().at("/StringLike/s3:prefix"))).as(s.where()
                            + ": the jobs list their own databases' folders (LakeCatalog.discover with a database)")
                            .isNotEmpty().doesNotContain("", "*", "/*");
                }
            }
        }
    }

    @Test
    void theReportReadsTheLakeAndWritesOnlyItsRunAndItsPages() {
        List<Statement> report = cfn.roleStatements("ReportGlueRole");
        // each database folder is listed (Lake.DATABASES), then every table found there is read
        assertThat(report).filteredOn(s -> s.allows("s3:ListBucket"))
                .flatExtracting(s -> CfnTemplate.texts(s.condition().at("/StringLike/s3:prefix")))
                .contains("events/*", "canvas/*", "cd2/*", "product/*", "_meta/*");
        assertThat(resourcesFor(report, "s3:GetObject")).contains(LAKE + "_meta/*", LAKE + "events/*",
                LAKE + "product/*");
        assertThat(resourcesFor(report, "s3:PutObject")).filteredOn(r -> !r.contains("${ArtifactBucket}"))
                .as("the run log and the pages, nothing else")
                .containsExactlyInAnyOrder(LAKE + "_meta/runs/*", LAKE + "_meta/report/*")
                .doesNotContain(LAKE + "_meta/*", LAKE + "events/*", LAKE + "product/*");
        assertThat(report).noneMatch(s -> s.effect().equals("Allow") && s.actions().stream()
                .anyMatch(a -> a.startsWith("ssm:") || a.equals("glue:CreateTable") || a.equals("glue:UpdateTable")));
    }

    @Test
    void eachJobReadsOnlyItsOwnSecrets() {
        for (String job : JOBS) {
            List<Statement> role = cfn.roleStatements(id(job) + "GlueRole");
            assertThat(resourcesFor(role, "ssm:GetParameter")).as(job)
                    .containsExactlyInAnyOrderElementsOf(SECRETS.get(job));
            assertThat(role).as(job + " no other SSM or Secrets Manager access")
                    .noneMatch(s -> s.actions().stream().anyMatch(a -> (a.startsWith("ssm:") && !a.equals("ssm:GetParameter"))
                            || a.startsWith("secretsmanager:") || a.startsWith("kms:")));
        }
    }

    @Test
    void eachJobRegistersTablesOnlyInItsOwnDatabases() {
        String glue = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:";
        for (String job : JOBS) {
            // a job that registers no table (the report reads its tables by path) gets no catalog writes at all
            Set<String> expected = new TreeSet<>(
                    OWN_DATABASES.get(job).isEmpty() ? Set.of() : Set.of(glue + "catalog"));
            OWN_DATABASES.get(job).forEach(db -> {
                expected.add(glue + "database/" + db);
                expected.add(glue + "table/" + db + "/*");
            });
            List<Statement> role = cfn.roleStatements(id(job) + "GlueRole");
            for (String write : List.of("glue:CreateTable", "glue:UpdateTable", "glue:CreateDatabase")) {
                assertThat(resourcesFor(role, write)).as(job + " " + write).containsExactlyInAnyOrderElementsOf(expected);
            }
            assertThat(role).noneMatch(s -> s.actions().contains("glue:DeleteDatabase"));
        }
    }

    @Test
    void everyJobPublishesOnlyToTheRunReportTopic() {
        for (String job : JOBS) {
            assertThat(resourcesFor(cfn.roleStatements(id(job) + "GlueRole"), "sns:Publish")).as(job)
                    .containsExactly("${RunReportsTopic}");
            assertThat(trustedServices(id(job) + "GlueRole")).as(job).containsExactly("glue.amazonaws.com");
        }
    }

    @Test
    void mwaaMayStartOnlyTheseJobs() {
        assertThat(cfn.resource("MwaaStartJobsPolicy").path("Condition").asText()).isEqualTo("HasMwaaRole");
        List<Statement> mwaa = CfnTemplate.statements("mwaa", cfn.properties("MwaaStartJobsPolicy").path("PolicyDocument"));
        assertThat(resourcesFor(mwaa, "glue:StartJobRun")).containsExactlyInAnyOrderElementsOf(JOBS.stream()
                .map(j -> "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/${" + id(j) + "Job}").toList());
        assertThat(resourcesFor(mwaa, "sns:Publish")).containsExactly("${RunReportsTopic}");
    }

    private List<String> trustedServices(String roleId) {
        List<String> out = new ArrayList<>();
        cfn.properties(roleId).at("/AssumeRolePolicyDocument/Statement").forEach(s ->
                out.addAll(CfnTemplate.texts(s.at("/Principal/Service"))));
        assertThat(text(cfn.properties(roleId).at("/AssumeRolePolicyDocument/Statement/0/Action")))
                .isEqualTo("sts:AssumeRole");
        return out;
    }
}
