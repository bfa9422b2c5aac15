package org.canvaslake.glue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.canvaslake.glue.cfn.CfnTemplate.text;
import static org.canvaslake.glue.cfn.CfnTemplate.texts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.canvaslake.glue.cfn.CfnLint;
import org.canvaslake.glue.cfn.CfnTemplate;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The core stack's resources and how they are wired: buckets, queue, lander, Glue jobs, databases, topic. */
class CoreStackTest {

    static final Path TEMPLATE = Path.of("cloudformation/canvaslake.yaml");
    static final List<String> JOBS = List.of("events", "canvas", "dap", "product", "mirror", "report");

    private final CfnTemplate cfn = CfnTemplate.load(TEMPLATE);

    static String id(String command) {
        return Character.toUpperCase(command.charAt(0)) + command.substring(1);
    }

    @Test
    void everyReferenceResolves() {
        assertThat(cfn.unresolvedReferences()).isEmpty();
    }

    @Test
    void shortFormTagsAreRefusedSoTheTestsCannotBeFooled() throws Exception {
        Path bad = Files.createTempFile("short-form", ".yaml");
        Files.writeString(bad, "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref X\n");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> CfnTemplate.load(bad))
                    .hasMessageContaining("!Ref");
        } finally {
            Files.delete(bad);
        }
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        CfnLint.Result lint = CfnLint.run(TEMPLATE);
        assertThat(lint.output()).as("cfn-lint output").isBlank();
        assertThat(lint.exitCode()).isZero();
    }

    @Test
    void bothBucketsAreEncryptedPrivateAndTlsOnly() {
        for (String bucket : List.of("RawBucket", "LakeBucket")) {
            JsonNode p = cfn.properties(bucket);
            assertThat(text(p.at("/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm")))
                    .as(bucket + " SSE").isIn("AES256", "aws:kms");
            JsonNode block = p.path("PublicAccessBlockConfiguration");
            for (String flag : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
                assertThat(block.path(flag).asBoolean()).as(bucket + " " + flag).isTrue();
            }
            assertThat(cfn.resource(bucket).path("DeletionPolicy").asText()).as(bucket + " kept on stack delete")
                    .isEqualTo("Retain");

            String policyId = bucket + "Policy";
            assertThat(text(cfn.properties(policyId).path("Bucket"))).isEqualTo("${" + bucket + "}");
            List<CfnTemplate.Statement> tls = CfnTemplate.statements(policyId,
                    cfn.properties(policyId).path("PolicyDocument")).stream()
                    .filter(s -> s.effect().equals("Deny")
                            && s.condition().at("/Bool/aws:SecureTransport").asText().equals("false"))
                    .toList();
            assertThat(tls).as(bucket + " denies plain HTTP").hasSize(1);
            assertThat(tls.get(0).resources()).containsExactlyInAnyOrder("${" + bucket + ".Arn}",
                    "${" + bucket + ".Arn}/*");
        }
    }

    @Test
    void onlyRawExpiresAndOnlyWhenARetentionIsGiven() {
        JsonNode rules = cfn.properties("RawBucket").at("/LifecycleConfiguration/Rules/Fn::If");
        assertThat(rules.get(0).asText()).isEqualTo("HasRawRetention");
        JsonNode withRetention = rules.get(1);
        JsonNode expire = null;
        for (JsonNode r : withRetention) {
            if (r.has("ExpirationInDays")) {
                expire = r;
            }
        }
        assertThat(expire).as("an expiry rule when RawRetentionDays > 0").isNotNull();
        assertThat(expire.path("Prefix").asText()).isEqualTo("raw/");
        assertThat(text(expire.path("ExpirationInDays"))).isEqualTo("${RawRetentionDays}");
        assertThat(rules.get(2).toString()).doesNotContain("Expiration");
        assertThat(cfn.root().at("/Conditions/HasRawRetention").toString()).contains("RawRetentionDays");

        assertThat(cfn.properties("LakeBucket").toString()).as("the lake never expires").doesNotContain("Expiration");
    }

    @Test
    void queueRedrivesToItsDeadLetterQueueAndOutlastsTheLander() {
        JsonNode queue = cfn.properties("LiveEventsQueue");
        assertThat(text(queue.at("/RedrivePolicy/deadLetterTargetArn"))).isEqualTo("${LiveEventsDeadLetterQueue.Arn}");
        assertThat(queue.at("/RedrivePolicy/maxReceiveCount").asInt()).isBetween(2, 10);
        int landerTimeout = cfn.properties("LanderFunction").path("Timeout").asInt();
        assertThat(queue.path("VisibilityTimeout").asInt()).as("visibility >= 6 x the Lambda timeout")
                .isGreaterThanOrEqualTo(6 * landerTimeout);
        assertThat(queue.path("SqsManagedSseEnabled").asBoolean()).isTrue();
        assertThat(cfn.properties("LiveEventsDeadLetterQueue").path("MessageRetentionPeriod").asInt())
                .as("dead letters kept 14 days").isEqualTo(1_209_600);
        assertThat(text(queue.path("QueueName"))).isEqualTo("${QueueName}");
        assertThat(cfn.root().at("/Parameters/QueueName/AllowedPattern").asText()).startsWith("^canvas-live-events");
    }

    @Test
    void onlyCanvasMaySendToTheQueue() {
        JsonNode policy = cfn.properties("LiveEventsQueuePolicy");
        assertThat(texts(policy.path("Queues"))).containsExactly("${LiveEventsQueue}");
        List<CfnTemplate.Statement> allows = CfnTemplate.statements("queue", policy.path("PolicyDocument")).stream()
                .filter(s -> s.effect().equals("Allow")).toList();
        assertThat(allows).hasSize(1);
        CfnTemplate.Statement send = allows.get(0);
        assertThat(send.actions()).contains("sqs:SendMessage").noneMatch(a -> a.contains("Receive") || a.contains("Delete"));
        assertThat(text(send.principal().path("AWS"))).isEqualTo("${CanvasSenderPrincipal}");
        assertThat(send.resources()).containsExactly("${LiveEventsQueue.Arn}");
    }

    @Test
    void sqsTriggersTheLanderWithPartialBatchResponses() {
        Map<String, JsonNode> mappings = cfn.ofType("AWS::Lambda::EventSourceMapping");
        assertThat(mappings).hasSize(1);
        JsonNode esm = mappings.values().iterator().next().path("Properties");
        assertThat(text(esm.path("EventSourceArn"))).isEqualTo("${LiveEventsQueue.Arn}");
        assertThat(text(esm.path("FunctionName"))).isEqualTo("${LanderFunction}");
        assertThat(texts(esm.path("FunctionResponseTypes"))).containsExactly("ReportBatchItemFailures");

        JsonNode lander = cfn.properties("LanderFunction");
        assertThat(lander.path("Handler").asText()).isEqualTo("org.canvaslake.lander.SqsLambdaHandler::handleRequest");
        assertThat(cfn.root().at("/Parameters/LanderRuntime/AllowedValues").toString())
                .as("a Java runtime that runs our Java 17 classes").contains("java21");
        assertThat(text(lander.path("Role"))).isEqualTo("${LanderRole.Arn}");
        assertThat(text(lander.at("/Code/S3Key"))).isEqualTo("${ArtifactPrefix}canvaslake-lander-${Version}-lambda.jar");
        assertThat(text(lander.at("/Environment/Variables/CANVASLAKE_LAKE"))).isEqualTo("s3://${RawBucket}");
    }

    @Test
    void oneGlue5JobPerCommandRunningOurMainWithDelta() {
        Map<String, JsonNode> jobs = cfn.ofType("AWS::Glue::Job");
        assertThat(jobs.keySet()).containsExactlyInAnyOrderElementsOf(JOBS.stream().map(c -> id(c) + "Job").toList());
        for (String command : JOBS) {
            JsonNode job = cfn.properties(id(command) + "Job");
            JsonNode args = job.path("DefaultArguments");
            assertThat(job.path("GlueVersion").asText()).as(command).isEqualTo("5.0");
            assertThat(job.at("/Command/Name").asText()).as(command).isEqualTo("glueetl");
            assertThat(text(job.at("/Command/ScriptLocation")))
                    .isEqualTo("s3://${ArtifactBucket}/${ArtifactPrefix}canvaslake_glue_entry.scala");
            assertThat(text(job.path("Role"))).as(command + " runs as its own role")
                    .isEqualTo("${" + id(command) + "GlueRole.Arn}");
            assertThat(job.path("MaxRetries").asInt()).as("retries belong to Airflow").isZero();
            assertThat(job.at("/ExecutionProperty/MaxConcurrentRuns").asInt()).isEqualTo(1);

            assertThat(text(args.path("--job-language"))).isEqualTo("scala");
            assertThat(text(args.path("--class"))).isEqualTo("org.canvaslake.Main");
            assertThat(text(args.path("--command")).split(" ")[0]).isEqualTo(command);
            assertThat(text(args.path("--datalake-formats"))).isEqualTo("delta");
            assertThat(text(args.path("--extra-jars")))
                    .isEqualTo("s3://${ArtifactBucket}/${ArtifactPrefix}canvaslake-jobs-${Version}-app.jar");
            assertThat(text(args.path("--conf"))).contains("spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension")
                    .contains("spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog")
                    // Delta's commits on S3 as conditional PUTs, whatever started the Spark context
                    .contains("spark.delta.logStore.s3.impl=org.canvaslake.common.delta.S3ConditionalLogStore");
            assertThat(text(args.path("--enable-glue-datacatalog"))).isEqualTo("true");
            assertThat(text(args.path("--lake"))).isEqualTo("s3://${LakeBucket}");
            assertThat(text(args.path("--raw-root"))).isEqualTo("s3://${RawBucket}");
            assertThat(text(args.path("--sns-topic-arn"))).isEqualTo("${RunReportsTopic}");
        }
        assertThat(text(cfn.properties("DapJob").at("/DefaultArguments/--command"))).isEqualTo("dap sync");
    }

    @Test
    void theGlueEntryScriptShipsWithTheTemplate() throws Exception {
        Path script = Path.of("scripts/canvaslake_glue_entry.scala");
        assertThat(script).exists();
        // the script must not define an entry point of its own: --class org.canvaslake.Main is the one
        assertThat(Files.readAllLines(script)).allMatch(l -> l.isBlank() || l.trim().startsWith("//"));
    }

    @Test
    void secretsArePassedAsReferencesNeverAsValues() {
        List<String> offenders = new ArrayList<>();
        for (String command : JOBS) {
            cfn.properties(id(command) + "Job").path("DefaultArguments").fields().forEachRemaining(e -> {
                String key = e.getKey().toLowerCase();
                if (key.contains("token") || key.contains("secret") || key.contains("password") || key.contains("key")) {
                    String v = text(e.getValue());
                    if (!v.startsWith("ssm:") && !v.startsWith("secretsmanager:")) {
                        offenders.add(command + " " + e.getKey() + "=" + v);
                    }
                }
            });
        }
        assertThat(offenders).isEmpty();
        assertThat(text(cfn.properties("CanvasJob").at("/DefaultArguments/--canvas-token")))
                .isEqualTo("ssm:/${SsmPrefix}/canvas-token");
    }

    @Test
    void aGlueDatabasePerLakeDatabaseNamedAsTheJobsRegisterThem() {
        List<String> names = cfn.ofType("AWS::Glue::Database").values().stream()
                .map(db -> db.at("/Properties/DatabaseInput/Name").asText()).toList();
        assertThat(names).containsExactlyInAnyOrder("events", "canvas", "cd2", "product", "_meta");
        cfn.ofType("AWS::Glue::Database").values().forEach(db -> assertThat(
                text(db.at("/Properties/DatabaseInput/LocationUri")))
                .isEqualTo("s3://${LakeBucket}/" + db.at("/Properties/DatabaseInput/Name").asText() + "/"));
    }

    @Test
    void deadLettersRaiseAnAlarmOnTheRunReportTopic() {
        JsonNode alarm = cfn.properties("DeadLettersAlarm");
        assertThat(text(alarm.at("/Dimensions/0/Value"))).isEqualTo("${LiveEventsDeadLetterQueue.QueueName}");
        assertThat(texts(alarm.path("AlarmActions"))).containsExactly("${RunReportsTopic}");
        assertThat(cfn.resource("RunReportsEmail").path("Condition").asText()).isEqualTo("HasNotificationEmail");
    }
}
