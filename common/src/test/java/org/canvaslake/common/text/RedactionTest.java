package org.canvaslake.common.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void removesAccessTokensFromUrlsAndKeepsTheRest() {
        String url = "https://canvas.example.edu/api/v1/courses/1/sections?access_token=SECRET123abc&per_page=10";
        assertThat(Redaction.redact(url))
                .isEqualTo("https://canvas.example.edu/api/v1/courses/1/sections?access_token=REDACTED&per_page=10");
    }

    @Test
    void removesPresignedSignaturesBearerTokensAndFeedTokens() {
        assertThat(Redaction.redact("https://b.s3.amazonaws.com/x.gz?X-Amz-Signature=abcdef0123&X-Amz-Expires=60"))
                .doesNotContain("abcdef0123").contains("X-Amz-Expires=60");
        assertThat(Redaction.redact("Authorization: Bearer eyJhbGciOi.payload.sig")).doesNotContain("eyJhbGciOi");
        assertThat(Redaction.redact("https://canvas.example.edu/feeds/calendars/user_6Ca1JYSlSmEwXtaZ1vkbc2ASE4uS7ZPxqGbEoZkY.ics"))
                .doesNotContain("6Ca1JYSlSmEwXtaZ1vkbc2ASE4uS7ZPxqGbEoZkY");
    }

    @Test
    void removesFileVerifiersAndTokensOfUrlsEncodedInsideUrls() {
        assertThat(Redaction.redact("https://c.example.edu/courses/1/files/2/download?verifier=AbC123&wrap=1"))
                .isEqualTo("https://c.example.edu/courses/1/files/2/download?verifier=REDACTED&wrap=1");
        assertThat(Redaction.redact("https://c.example.edu/login?return_to=https%3A%2F%2Fc.example.edu%2Fapi%3F"
                + "access_token%3D7~secret%26per_page%3D10"))
                .isEqualTo("https://c.example.edu/login?return_to=https%3A%2F%2Fc.example.edu%2Fapi%3F"
                        + "access_token%3DREDACTED%26per_page%3D10");
        assertThat(Redaction.redact("x?next=%2Fy%253Faccess_token%253Dtok9%2526a%253D1"))
                .isEqualTo("x?next=%2Fy%253Faccess_token%253DREDACTED%2526a%253D1");
        assertThat(Redaction.redact("x?q=a%3Db%26c%3Dd")).isEqualTo("x?q=a%3Db%26c%3Dd");
    }

    @Test
    void leavesTextWithoutSecretsAlone() {
        String plain = "{\"url\":\"https://canvas.example.edu/courses/1?module_item_id=2\"}";
        assertThat(Redaction.redact(plain)).isEqualTo(plain);
        assertThat(Redaction.needsRedaction(plain)).isFalse();
        assertThat(Redaction.needsRedaction("a?access_token=x")).isTrue();
    }

    @Test
    void redactsInsideJsonStrings() {
        String json = "{\"url\":\"http://x/y?foo=1&access_token=tok_9\",\"n\":1}";
        assertThat(Redaction.redact(json)).isEqualTo("{\"url\":\"http://x/y?foo=1&access_token=REDACTED\",\"n\":1}");
    }

    @Test
    void findsParameterNamesInAnyCaseAndAsTheEndOfLongerNames() {
        assertThat(Redaction.redact("x?ACCESS_TOKEN=abc&y=1")).isEqualTo("x?ACCESS_TOKEN=REDACTED&y=1");
        assertThat(Redaction.redact("x?oauth_token=abc")).isEqualTo("x?oauth_token=REDACTED");
        assertThat(Redaction.redact("a=1&b=2&sig=zz")).isEqualTo("a=1&b=2&sig=REDACTED");
        assertThat(Redaction.redact("a=1&b=2&c=3")).isEqualTo("a=1&b=2&c=3");
        assertThat(Redaction.redact("BEARER abc.def")).isEqualTo("BEARER REDACTED");
    }

    @Test
    void findsBearerInAnyCaseAfterOtherWordsThatStartAlike() {
        // candidates that start like it (b, B) and fail before the one that matches, in both cases
        assertThat(Redaction.redact("body: Bear with me; bEaReR abc.def")).isEqualTo("body: Bear with me; bEaReR REDACTED");
        assertThat(Redaction.redact("Body: big BearER xyz")).isEqualTo("Body: big BearER REDACTED");
        assertThat(Redaction.redact("bearer")).isEqualTo("bearer");
        assertThat(Redaction.redact("no b here: Bea")).isEqualTo("no b here: Bea");
    }

    /**
     * Data kept in the lake keeps what people wrote: only the credentials of URLs (in a URL's parameter list, plain,
     * JSON-escaped or URL-encoded), feed tokens and bearer tokens are masked, not words that look like them.
     */
    @Test
    void dataKeepsWordsThatOnlyLookLikeCredentials() {
        for (String text : List.of("Torchbearer Scholars", "Quiz: bearer bonds", "t-test (sig=0.05)",
                "set token=abc in the form", "{\"name\":\"password=swordfish is a bad password\"}")) {
            assertThat(Redaction.redactData(text)).as(text).isEqualTo(text);
            assertThat(Redaction.dataNeedsRedaction(text)).as(text).isFalse();
            assertThat(Redaction.redact(text)).as("the log's redaction, broad on purpose: " + text).isNotEqualTo(text);
        }
    }

    @Test
    void dataLosesTheCredentialsOfUrlsFeedsAndBearerTokens() {
        assertThat(Redaction.redactData("{\"url\":\"https://c.example.edu/api/v1/x?per_page=1&access_token=7~abc\"}"))
                .isEqualTo("{\"url\":\"https://c.example.edu/api/v1/x?per_page=1&access_token=REDACTED\"}");
        assertThat(Redaction.redactData("x?ACCESS_TOKEN=abc&y=1")).isEqualTo("x?ACCESS_TOKEN=REDACTED&y=1");
        assertThat(Redaction.redactData("x?oauth_token=abc")).isEqualTo("x?oauth_token=REDACTED");
        assertThat(Redaction.redactData("https://app/#access_token=abc")).isEqualTo("https://app/#access_token=REDACTED");
        // & escaped by a JSON writer, inside an envelope's body string (backslash-u0026)
        assertThat(Redaction.redactData("x?a=1\\u0026access_token=abc\\\"")).isEqualTo(
                "x?a=1\\u0026access_token=REDACTED\\\"");
        assertThat(Redaction.redactData("https://c.example.edu/login?return_to=https%3A%2F%2Fc.example.edu%2Fapi%3F"
                + "access_token%3D7~secret%26per_page%3D10")).isEqualTo("https://c.example.edu/login?return_to="
                + "https%3A%2F%2Fc.example.edu%2Fapi%3Faccess_token%3DREDACTED%26per_page%3D10");
        assertThat(Redaction.redactData("x?next=%2Fy%253Faccess_token%253Dtok9%2526a%253D1"))
                .isEqualTo("x?next=%2Fy%253Faccess_token%253DREDACTED%2526a%253D1");
        assertThat(Redaction.redactData("https://c.example.edu/courses/1/files/2/download?verifier=AbC123&wrap=1"))
                .isEqualTo("https://c.example.edu/courses/1/files/2/download?verifier=REDACTED&wrap=1");
        assertThat(Redaction.redactData("https://canvas.example.edu/feeds/calendars/user_6Ca1JYSlSmEwXtaZ1vkbc2ASE4uS7Z"
                + "PxqGbEoZkY.ics")).doesNotContain("6Ca1JYSlSmEwXtaZ1vkbc2ASE4uS7ZPxqGbEoZkY");
        assertThat(Redaction.redactData("curl -H 'Authorization: Bearer 7~Yx3kQ9fZpL2mN8vB4cR6tW1s'"))
                .isEqualTo("curl -H 'Authorization: Bearer REDACTED'");
        assertThat(Redaction.redactData("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")).isEqualTo("Bearer REDACTED");
    }
}
