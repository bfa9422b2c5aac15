package org.canvaslake.common.text;

import static org.assertj.core.api.Assertions.assertThat;

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
}
