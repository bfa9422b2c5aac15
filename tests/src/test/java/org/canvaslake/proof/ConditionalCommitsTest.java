package org.canvaslake.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.S3ConditionalLogStore;
import org.canvaslake.common.testing.SparkTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.delta.tables.DeltaTable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Two writers, one Delta table on S3, one version: the second commit must not replace the first. Delta's default S3
 * log store checks that the version file is absent and then writes it, so between two Spark drivers (the events job
 * and the cd2 sync both appending their run reports to {@code _meta.runs}) the later PUT could overwrite the earlier
 * commit and its rows would be gone. {@link S3ConditionalLogStore} makes the PUT itself conditional; here against
 * S3Proxy, which, like S3, refuses a PUT with {@code If-None-Match: *} to an existing key (412).
 *
 * <p>Checked by hand that both tests can fail: with the jar of S3Proxy 2.4.1 (the version used before), which ignores
 * the header and overwrites, in place of {@code target/s3proxy/s3proxy.jar}, the store's write is not refused and the
 * other writer's row is lost: both fail.
 */
@ExtendWith(SparkTest.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConditionalCommitsTest {

    private static final String BUCKET = "commit-lake";

    private S3ProxyServer server;
    private S3Client s3;

    @BeforeAll
    void startS3(SparkSession spark, @TempDir Path work) throws Exception {
        server = S3ProxyServer.start(work, spark.sparkContext().hadoopConfiguration(), BUCKET);
        s3 = server.client();
    }

    @AfterAll
    void stopS3() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aVersionAnotherWriterCreatedFirstIsRefusedAndKeepsTheOthersContent(SparkSession spark) throws Exception {
        Configuration conf = spark.sessionState().newHadoopConf();
        S3ConditionalLogStore store = new S3ConditionalLogStore(conf);
        String first = "store/_delta_log/00000000000000000000.json";
        s3.putObject(r -> r.bucket(BUCKET).key(first), RequestBody.fromString("{\"other\":1}\n"));

        assertThatThrownBy(() -> store.write(path(first), List.of("{\"mine\":1}").iterator(), false, conf))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(first)
                .hasMessageContaining("another writer committed this version first");
        assertThat(read(first)).isEqualTo("{\"other\":1}\n");

        // S3 holding exactly this commit is its own earlier attempt (a PUT the SDK retried after its answer was lost):
        // it stands, rather than being committed again at the next version
        String retried = "store/_delta_log/00000000000000000002.json";
        s3.putObject(r -> r.bucket(BUCKET).key(retried), RequestBody.fromString("{\"mine\":2}\n"));
        store.write(path(retried), List.of("{\"mine\":2}").iterator(), false, conf);
        assertThat(read(retried)).isEqualTo("{\"mine\":2}\n");

        String next = "store/_delta_log/00000000000000000001.json";
        store.write(path(next), List.of("{\"a\":1}", "{\"b\":2}").iterator(), false, conf);
        assertThat(read(next)).as("one action per line, as Delta's own stores write them").isEqualTo(
                "{\"a\":1}\n{\"b\":2}\n");

        // an overwrite (Delta's _last_checkpoint) is allowed and is Delta's own write
        String checkpoint = "store/_delta_log/_last_checkpoint";
        store.write(path(checkpoint), List.of("{\"version\":0}").iterator(), true, conf);
        store.write(path(checkpoint), List.of("{\"version\":10}").iterator(), true, conf);
        assertThat(read(checkpoint)).isEqualTo("{\"version\":10}\n");
    }

    @Test
    void whenAnotherDriverCommitsTheSameVersionFirstDeltaCommitsNextAndBothWritersRowsStay(SparkSession spark) {
        String table = "s3://" + BUCKET + "/race/runs";
        spark.range(0, 1).write().format("delta").save(table);
        // the other driver's row: a Parquet file in the table's folder, and its commit of version 1, PUT at the moment
        // this driver is about to PUT its own version 1
        spark.range(100, 101).coalesce(1).write().parquet("s3://" + BUCKET + "/race/scratch");
        String part = server.keys(BUCKET, "race/scratch/").stream().filter(k -> k.endsWith(".parquet")).findFirst()
                .orElseThrow();
        s3.copyObject(r -> r.sourceBucket(BUCKET).sourceKey(part).destinationBucket(BUCKET)
                .destinationKey("race/runs/other-driver.parquet"));
        long size = s3.headObject(r -> r.bucket(BUCKET).key("race/runs/other-driver.parquet")).contentLength();
        String otherCommit = "{\"commitInfo\":{\"timestamp\":" + System.currentTimeMillis()
                + ",\"operation\":\"WRITE\",\"operationParameters\":{\"mode\":\"Append\"},\"engineInfo\":\"the other driver\"}}\n"
                + "{\"add\":{\"path\":\"other-driver.parquet\",\"partitionValues\":{},\"size\":" + size
                + ",\"modificationTime\":" + System.currentTimeMillis() + ",\"dataChange\":true}}\n";
        FaultyS3Puts.beforeConditionalPut("/race/runs/_delta_log/0{19}1\\.json$", () -> s3.putObject(
                r -> r.bucket(BUCKET).key("race/runs/_delta_log/00000000000000000001.json"),
                RequestBody.fromString(otherCommit)));

        spark.range(2, 3).write().format("delta").mode("append").save(table);

        assertThat(FaultyS3Puts.raceWaiting()).as("the other driver's commit went in first").isFalse();
        assertThat(spark.read().format("delta").load(table).orderBy("id").collectAsList()).map(r -> r.getLong(0))
                .as("both writers' rows").containsExactly(0L, 2L, 100L);
        List<Row> history = DeltaTable.forPath(spark, table).history().orderBy("version")
                .select("version", "engineInfo").collectAsList();
        assertThat(history).map(r -> r.getLong(0)).containsExactly(0L, 1L, 2L);
        assertThat(history.get(1).getString(1)).as("version 1 is the other driver's").isEqualTo("the other driver");
    }

    private static org.apache.hadoop.fs.Path path(String key) {
        return new org.apache.hadoop.fs.Path("s3://" + BUCKET + "/" + key);
    }

    private String read(String key) {
        return s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asUtf8String();
    }
}
