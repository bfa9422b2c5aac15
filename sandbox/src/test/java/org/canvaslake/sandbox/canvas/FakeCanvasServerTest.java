package org.canvaslake.sandbox.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class FakeCanvasServerTest {

    private static final Institution INSTITUTION = Institution.generate(7, Institution.Size.TEST);
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void refusesRequestsWithoutTheBearerToken() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl()
                    + "/api/v1/accounts/self/users")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> wrong = get(fake.baseUrl() + "/api/v1/accounts/self/users", "not-the-token");

            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("Invalid access token.");
            assertThat(fake.counters().unauthorized()).isEqualTo(2);
            assertThat(fake.counters().ok()).isZero();
        }
    }

    @Test
    void pagesThroughEveryUserOnceByOpaqueBookmarksAndCapsPerPage() throws Exception {
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION,
                FakeCanvasServer.Settings.defaults().withMaxPerPage(7))) {
            List<Long> ids = new ArrayList<>();
            List<String> links = new ArrayList<>();
            String url = fake.baseUrl() + "/api/v1/accounts/self/users?include[]=email&per_page=50";
            int pages = 0;
            while (url != null) {
                HttpResponse<String> page = get(url, fake.token());
                assertThat(page.statusCode()).isEqualTo(200);
                JsonNode body = Json.parse(page.body());
                assertThat(body.size()).isLessThanOrEqualTo(7);
                body.forEach(u -> ids.add(u.get("id").asLong()));
                String link = page.headers().firstValue("link").orElseThrow();
                links.add(link);
                Matcher next = NEXT.matcher(link);
                url = next.find() ? next.group(1) : null;
                pages++;
            }

            List<Long> expected = INSTITUTION.users().stream().map(Institution.User::id).sorted().toList();
            assertThat(ids).containsExactlyElementsOf(expected);
            assertThat(pages).isEqualTo((expected.size() + 6) / 7);
            assertThat(links.get(0)).contains("rel=\"current\"").contains("rel=\"first\"").doesNotContain("rel=\"last\"")
                    .contains("per_page=7").contains("include[]=email");
            assertThat(links.get(1)).containsPattern("page=bookmark:[A-Za-z0-9_-]+&per_page=7>; rel=\"current\"");
            assertThat(links.get(links.size() - 1)).doesNotContain("rel=\"next\"");
        }
    }

    @Test
    void throttlesWithCanvasHeadersAndNeverOverfillsItsBucket() throws Exception {
        FakeCanvasServer.Settings tiny = FakeCanvasServer.Settings.defaults().withBucket(3, 0.001, 1.0);
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION, tiny);
             FakeCanvasServer hosted = FakeCanvasServer.start(INSTITUTION, tiny.withThrottleStatus(429))) {
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(get(fake.baseUrl() + "/api/v1/accounts/self/courses", fake.token()));
            }
            for (int i = 0; i < 4; i++) {
                get(hosted.baseUrl() + "/api/v1/accounts/self/courses", hosted.token());
            }
            HttpResponse<String> hostedThrottled = get(hosted.baseUrl() + "/api/v1/accounts/self/courses",
                    hosted.token());

            assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200, 403, 403);
            assertThat(answers.get(0).headers().firstValue("x-request-cost")).hasValue("1.0000");
            assertThat(Double.parseDouble(answers.get(2).headers().firstValue("x-rate-limit-remaining").orElseThrow()))
                    .isBetween(0.0, 0.01);
            assertThat(answers.get(3).body()).contains("403 Forbidden (Rate Limit Exceeded)");
            assertThat(hostedThrottled.statusCode()).isEqualTo(429);
            assertThat(hostedThrottled.body()).contains("Rate Limit Exceeded");
            assertThat(fake.counters().throttled()).isEqualTo(2);
            assertThat(fake.counters().maxBucketLevel()).isLessThanOrEqualTo(3.0);
        }
    }

    @Test
    void failsTheSameRequestsForTheSameSeed() throws Exception {
        FakeCanvasServer.Settings flaky = FakeCanvasServer.Settings.defaults().withErrors(0.3, 99);
        List<Integer> first = statuses(flaky, 30);
        List<Integer> second = statuses(flaky, 30);

        assertThat(first).isEqualTo(second);
        assertThat(first).contains(200).containsAnyOf(500, 503);
        assertThat(statuses(flaky.withErrors(0.3, 100), 30)).isNotEqualTo(first);
    }

    @Test
    void answers404ForAFailedOrUnknownCourseAndServesALaterSnapshot() throws Exception {
        long course = INSTITUTION.courses().get(0).id();
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            String assignments = fake.baseUrl() + "/api/v1/courses/" + course + "/assignments?per_page=100";
            assertThat(get(assignments, fake.token()).statusCode()).isEqualTo(200);
            fake.failCourse(course);
            HttpResponse<String> gone = get(assignments, fake.token());
            assertThat(gone.statusCode()).isEqualTo(404);
            assertThat(gone.body()).contains("The specified resource does not exist.");
            assertThat(get(fake.baseUrl() + "/api/v1/courses/999999/enrollments", fake.token()).statusCode())
                    .isEqualTo(404);

            Institution later = INSTITUTION.evolve(1);
            fake.setSnapshot(later);
            JsonNode users = Json.parse(get(fake.baseUrl() + "/api/v1/accounts/self/users?per_page=100",
                    fake.token()).body());
            assertThat(users.size()).isEqualTo(later.users().size());
            assertThat(users.findValuesAsText("name"))
                    .containsExactlyInAnyOrderElementsOf(later.users().stream().map(Institution.User::name).toList());
            assertThat(users.get(0).has("email")).as("email only with include[]=email").isFalse();
        }
    }

    @Test
    void rendersEnrollmentsWithTheirUserAndCoursesWithZoneOffsets() throws Exception {
        Institution.Enrollment e = INSTITUTION.enrollments().get(0);
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION)) {
            JsonNode enrollments = Json.parse(get(fake.baseUrl() + "/api/v1/courses/" + e.courseId()
                    + "/enrollments?per_page=100", fake.token()).body());
            JsonNode courses = Json.parse(get(fake.baseUrl() + "/api/v1/accounts/1/courses?state[]=all&per_page=100",
                    fake.token()).body());

            JsonNode first = enrollments.get(0);
            assertThat(first.get("id").asLong()).isEqualTo(e.id());
            assertThat(first.get("user").get("id").asLong()).isEqualTo(e.userId());
            assertThat(first.get("type").asText()).isEqualTo(e.type());
            assertThat(courses.size()).isEqualTo(INSTITUTION.courses().size());
            assertThat(courses.get(0).get("start_at").asText()).endsWith("-06:00");
            assertThat(courses.get(0).get("calendar").get("ics").asText()).contains("/feeds/calendars/course_");
        }
    }

    private List<Integer> statuses(FakeCanvasServer.Settings settings, int n) throws Exception {
        List<Integer> out = new ArrayList<>();
        try (FakeCanvasServer fake = FakeCanvasServer.start(INSTITUTION, settings)) {
            for (int i = 0; i < n; i++) {
                out.add(get(fake.baseUrl() + "/api/v1/accounts/self/users", fake.token()).statusCode());
            }
        }
        return out;
    }

    private HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
