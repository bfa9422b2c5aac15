package org.canvaslake.canvas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.secrets.Secret;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.canvas.FakeCanvasServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The client and the raw snapshot against the fake Canvas: paging, throttling, retries, failed courses. */
class CanvasFetcherTest {

    private static final Institution INSTITUTION = Institution.generate(3, Institution.Size.TEST);
    private static final List<CanvasEntity> ALL = List.of(CanvasEntity.values());

    @TempDir
    Path lake;

    @Test
    void followsBookmarkLinksAcrossManyPagesAndGetsEveryObjectOnce() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            CanvasClient client = new CanvasClient(settings(fake).withPaging(3));

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, new RunReport("canvas", "r1", Instant.now()));

            assertCompleteCopyOf(INSTITUTION, raw);
            RawManifest users = raw.get(CanvasEntity.USERS).manifest();
            assertThat(users.pages()).hasSize((INSTITUTION.users().size() + 2) / 3);
            assertThat(fake.pagesServed(FakeCanvasServer.Endpoint.USERS)).isEqualTo(users.pages().size());
            // the second page's URL is the bookmark the first page's Link header named, not one the client built
            assertThat(users.pages().get(1).url()).contains("page=bookmark:").contains("per_page=3");
            assertThat(users.requests()).isEqualTo(users.pages().size());
            assertThat(fake.counters().badRequests()).isZero();
        }
    }

    /**
     * A rerun with the same run id the same day (an operator retrying a run by hand) writes into the folder the earlier
     * try wrote: that try's pages beyond this one's last, and its manifest, must not outlive it. The snapshot reads
     * every page file of the folder.
     */
    @Test
    void aRerunWithTheSameRunIdLeavesOnlyItsOwnPagesInTheRunFolder() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            Map<CanvasEntity, CanvasFetcher.Fetched> first = fetch(new CanvasClient(settings(fake).withPaging(3)),
                    List.of(CanvasEntity.USERS), new RunReport("canvas", "same-run", Instant.now()));
            String dir = first.get(CanvasEntity.USERS).dir();
            int firstPages = first.get(CanvasEntity.USERS).manifest().pages().size();

            RunReport again = new RunReport("canvas", "same-run", Instant.now());
            Map<CanvasEntity, CanvasFetcher.Fetched> second = fetch(new CanvasClient(settings(fake).withPaging(100)),
                    List.of(CanvasEntity.USERS), again);

            assertThat(second.get(CanvasEntity.USERS).dir()).isEqualTo(dir);
            List<String> pages = second.get(CanvasEntity.USERS).manifest().pages().stream()
                    .map(RawManifest.PageEntry::file).toList();
            assertThat(pages).hasSizeLessThan(firstPages);
            try (Stream<Path> files = Files.list(Path.of(java.net.URI.create(dir)))) {
                assertThat(files.map(f -> f.getFileName().toString()).filter(f -> !f.startsWith(".")))
                        .as("the folder after the rerun").containsExactlyInAnyOrderElementsOf(
                                Stream.concat(pages.stream(), Stream.of(RawManifest.FILE)).toList());
            }
            assertThat(again.notes()).anySatisfy(n -> assertThat(n).contains("an earlier try of run same-run")
                    .contains((firstPages + 1) + " raw file(s)"));
        }
    }

    @Test
    void getsEverythingWhenCanvasCapsPerPage() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION,
                FakeCanvasServer.Settings.defaults().withMaxPerPage(4))) {
            CanvasClient client = new CanvasClient(settings(fake).withPaging(100));

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, new RunReport("canvas", "r1", Instant.now()));

            assertCompleteCopyOf(INSTITUTION, raw);
            assertThat(raw.get(CanvasEntity.USERS).manifest().pages()).hasSize(INSTITUTION.users().size() / 4);
        }
    }

    @Test
    void slowsDownOnLowRemainingQuotaSoTheBucketNeverOverflows() throws Exception {
        // ~36 requests costing 0.5 against a bucket of 10 that drains 4 a second (8 requests a second): any client
        // faster than that must slow down, and only slowing down in time avoids 403s. With 2 threads at most ~4
        // requests (2.0) land after a pause starts, well within the low-water mark of 5.
        FakeCanvasServer.Settings bucket = FakeCanvasServer.Settings.defaults().withBucket(10, 4, 0.5);
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION, bucket)) {
            CanvasClient client = new CanvasClient(settings(fake).withPaging(4).withConcurrency(2)
                    .withSlowdown(0.5, Duration.ofMillis(400)));

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, new RunReport("canvas", "r1", Instant.now()));

            assertCompleteCopyOf(INSTITUTION, raw);
            FakeCanvasServer.Counters served = fake.counters();
            assertThat(served.ok()).isGreaterThan(30);
            assertThat(served.throttled()).isZero();
            assertThat(served.maxBucketLevel()).isLessThanOrEqualTo(10.0);
            assertThat(client.slowdowns()).isPositive();
        }
    }

    @Test
    void backsOffAndRetriesWhenThrottledWith403() throws Exception {
        assertRetriesThroughThrottling(403);
    }

    @Test
    void backsOffAndRetriesWhenThrottledWith429() throws Exception {
        assertRetriesThroughThrottling(429);
    }

    private void assertRetriesThroughThrottling(int status) throws Exception {
        // room for one request at a time (cost 2 in a bucket of 3, draining 10 a second), 4 threads and no slowing
        // down: Canvas must refuse the requests that arrive together
        FakeCanvasServer.Settings tiny = FakeCanvasServer.Settings.defaults().withBucket(3, 10, 2.0)
                .withThrottleStatus(status);
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION, tiny)) {
            CanvasClient client = new CanvasClient(settings(fake).withPaging(20).withConcurrency(4)
                    .withSlowdown(0, Duration.ZERO).withRetries(30, Duration.ofMillis(20), Duration.ofMillis(400)));
            RunReport report = new RunReport("canvas", "r1", Instant.now());

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, report);

            assertCompleteCopyOf(INSTITUTION, raw);
            FakeCanvasServer.Counters served = fake.counters();
            assertThat(served.throttled()).isPositive();
            assertThat(served.maxBucketLevel()).isLessThanOrEqualTo(3.0);
            assertThat(client.stats().throttled()).isEqualTo(served.throttled());
            long perEntity = raw.values().stream().mapToLong(f -> f.manifest().throttled()).sum();
            assertThat(perEntity).isEqualTo(served.throttled());
            assertThat(report.succeeded()).isTrue();
            assertThat(report.tableCount("canvas.users", "requests"))
                    .isEqualTo(raw.get(CanvasEntity.USERS).manifest().pages().size()
                            + raw.get(CanvasEntity.USERS).manifest().throttled());
        }
    }

    @Test
    void retriesServerErrors() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION,
                FakeCanvasServer.Settings.defaults().withErrors(0.2, 5))) {
            CanvasClient client = new CanvasClient(settings(fake).withPaging(5));

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, new RunReport("canvas", "r1", Instant.now()));

            assertCompleteCopyOf(INSTITUTION, raw);
            assertThat(fake.counters().serverErrors()).isPositive();
            assertThat(client.stats().retries()).isEqualTo(fake.counters().serverErrors());
        }
    }

    @Test
    void recordsAFailedCourseAndKeepsEverythingElse() throws Exception {
        long failing = INSTITUTION.courses().get(2).id();
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            fake.failCourse(failing);
            CanvasClient client = new CanvasClient(settings(fake).withPaging(5));
            RunReport report = new RunReport("canvas", "r1", Instant.now());

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, report);

            assertThat(report.failures()).extracting(RunReport.Failure::unit).containsExactlyInAnyOrder(
                    "canvas.assignments course " + failing, "canvas.enrollments course " + failing);
            assertThat(report.failures().get(0).message()).contains("404");
            RawManifest assignments = raw.get(CanvasEntity.ASSIGNMENTS).manifest();
            assertThat(assignments.complete()).isTrue();
            assertThat(assignments.failedCourses()).containsExactly(failing);
            assertThat(ids(raw.get(CanvasEntity.ASSIGNMENTS))).containsExactlyInAnyOrderElementsOf(
                    INSTITUTION.assignments().stream().filter(a -> a.courseId() != failing)
                            .map(Institution.Assignment::id).toList());
            assertThat(ids(raw.get(CanvasEntity.USERS))).hasSize(INSTITUTION.users().size());
        }
    }

    /**
     * A token revoked mid-run (deleted by an admin, or expired) makes every later request answer 401: the per-course
     * lists stop at the first such answer instead of asking for every course, and their entities are incomplete (the
     * tables keep their previous state). A course the token merely may not see fails alone (the test above).
     */
    @Test
    void aTokenRevokedMidRunStopsThePerCourseListsAtTheFirstRefusal() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            CanvasClient client = new CanvasClient(settings(fake).withPaging(100).withConcurrency(1));
            fetch(client, List.of(CanvasEntity.USERS, CanvasEntity.COURSES), new RunReport("canvas", "r0", Instant.now()));
            long accountLists = fake.counters().requests();
            // the same account lists again, then three course lists, then the token is gone
            fake.revokeTokenAfter(2 * accountLists + 3);
            RunReport report = new RunReport("canvas", "r1", Instant.now());

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, report);

            assertThat(fake.counters().unauthorized()).as("requests refused").isOne();
            assertThat(fake.counters().requests()).isEqualTo(2 * accountLists + 4);
            assertThat(raw.get(CanvasEntity.USERS).manifest().complete()).isTrue();
            assertThat(raw.get(CanvasEntity.COURSES).manifest().complete()).isTrue();
            assertThat(raw.get(CanvasEntity.ASSIGNMENTS).manifest().complete()).isFalse();
            assertThat(raw.get(CanvasEntity.ENROLLMENTS).manifest().complete()).isFalse();
            long courses = INSTITUTION.courses().stream().filter(c -> !"deleted".equals(c.workflowState())).count();
            assertThat(report.failures()).extracting(RunReport.Failure::unit)
                    .containsExactlyInAnyOrder("canvas.assignments", "canvas.enrollments");
            assertThat(report.failures()).allSatisfy(f -> assertThat(f.message())
                    .contains("no longer accepts the token", "Invalid access token", "--canvas-token")
                    .doesNotContain(fake.token()));
            // courses are read in id order, each course's assignments then its enrollments
            assertThat(report.failures()).anySatisfy(f -> assertThat(f.message())
                    .contains((courses - 1) + " of " + courses + " course list(s) not read"));
            assertThat(report.failures()).anySatisfy(f -> assertThat(f.message())
                    .contains((courses - 2) + " of " + courses + " course list(s) not read"));
        }
    }

    @Test
    void aWrongTokenFailsTheListsWithoutLeakingIt() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            CanvasClient client = new CanvasClient(CanvasApiSettings.defaults(fake.baseUrl(), new Secret("wrong-secret-123"))
                    .withRetries(2, Duration.ofMillis(5), Duration.ofMillis(10)));
            RunReport report = new RunReport("canvas", "r1", Instant.now());

            Map<CanvasEntity, CanvasFetcher.Fetched> raw = fetch(client, ALL, report);

            assertThat(raw.get(CanvasEntity.USERS).manifest().complete()).isFalse();
            assertThat(raw.get(CanvasEntity.ENROLLMENTS).manifest().complete()).isFalse();
            assertThat(report.failures()).isNotEmpty().allSatisfy(f -> assertThat(f.message())
                    .doesNotContain("wrong-secret-123"));
            assertThat(report.failures().get(0).message()).contains("401");
            assertThat(fake.counters().unauthorized()).isEqualTo(2);
        }
    }

    @Test
    void refusesToSendTheTokenToAnotherHost() {
        CanvasClient client = new CanvasClient(CanvasApiSettings.defaults("https://school.instructure.com/api/v1/",
                new Secret("t")));
        okhttp3.HttpUrl current = okhttp3.HttpUrl.get("https://school.instructure.com/api/v1/accounts/self/users");

        assertThat(client.nextPage(current, "</api/v1/accounts/self/users?page=2>; rel=\"next\""))
                .hasToString("https://school.instructure.com/api/v1/accounts/self/users?page=2");
        assertThatThrownBy(() -> client.nextPage(current, "<https://evil.example/api/v1/x?page=2>; rel=\"next\""))
                .hasMessageContaining("evil.example").hasMessageContaining("--canvas-url");
        assertThat(client.firstPage(CanvasEntity.COURSES, null).toString())
                .isEqualTo("https://school.instructure.com/api/v1/accounts/self/courses?state%5B%5D=all&per_page=100");
    }

    @Test
    void failsLoudlyWhenCanvasAnswersSomethingOtherThanAList() {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            // a URL below Canvas's web UI gets the HTML login page with status 200
            CanvasClient client = new CanvasClient(settings(fake).withAccountId("self"));
            CanvasClient wrongPath = new CanvasClient(CanvasApiSettings.defaults(fake.baseUrl() + "/login/canvas",
                    new Secret(fake.token())));

            assertThatThrownBy(() -> wrongPath.list(CanvasEntity.USERS, wrongPath.firstPage(CanvasEntity.USERS, null),
                    page -> { }))
                    .hasMessageContaining("something other than a JSON list")
                    .hasMessageContaining("<!DOCTYPE html>")
                    .hasMessageContaining("--canvas-url");
            assertThat(wrongPath.stats().retries()).as("a wrong URL is not retried").isZero();
            assertThat(client.firstPage(CanvasEntity.USERS, null).encodedPath()).isEqualTo("/api/v1/accounts/self/users");
        }
        assertThat(CanvasClient.stripJsonHijackingGuard("while(1);[1]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("[1]".getBytes(StandardCharsets.UTF_8));
    }

    private Map<CanvasEntity, CanvasFetcher.Fetched> fetch(CanvasClient client, List<CanvasEntity> entities,
                                                           RunReport report) {
        RawSnapshotStore store = new RawSnapshotStore(Lake.at(lake.toString()), new Configuration());
        return new CanvasFetcher(client, store).fetch(entities, report.runId(), Instant.now(), report);
    }

    private static CanvasApiSettings settings(FakeCanvasServer fake) {
        return CanvasApiSettings.defaults(fake.baseUrl(), new Secret(fake.token()))
                .withRate(1000)
                .withRetries(6, Duration.ofMillis(10), Duration.ofMillis(100));
    }

    private static void assertCompleteCopyOf(Institution institution, Map<CanvasEntity, CanvasFetcher.Fetched> raw)
            throws IOException {
        assertThat(raw.values()).allSatisfy(f -> {
            assertThat(f.manifest().complete()).isTrue();
            assertThat(f.manifest().failures()).isEmpty();
        });
        assertThat(ids(raw.get(CanvasEntity.USERS))).containsExactlyInAnyOrderElementsOf(
                institution.users().stream().map(Institution.User::id).toList());
        assertThat(ids(raw.get(CanvasEntity.COURSES))).containsExactlyInAnyOrderElementsOf(
                institution.courses().stream().map(Institution.Course::id).toList());
        assertThat(ids(raw.get(CanvasEntity.ASSIGNMENTS))).containsExactlyInAnyOrderElementsOf(
                institution.assignments().stream().map(Institution.Assignment::id).toList());
        assertThat(ids(raw.get(CanvasEntity.ENROLLMENTS))).containsExactlyInAnyOrderElementsOf(
                institution.enrollments().stream().map(Institution.Enrollment::id).toList());
    }

    /** The ids in a raw snapshot's page files, read back from disk. */
    private static List<Long> ids(CanvasFetcher.Fetched fetched) throws IOException {
        Path dir = Path.of(java.net.URI.create(fetched.dir()));
        List<Long> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("page-")).toList()) {
                JsonNode page = Json.parse(Files.readString(p));
                page.forEach(o -> out.add(o.get("id").asLong()));
            }
        }
        assertThat(Files.exists(dir.resolve(RawManifest.FILE))).isTrue();
        return out;
    }
}
