package org.canvaslake.canvas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.canvaslake.common.testing.Fixtures;
import org.junit.jupiter.api.Test;

class LinkHeaderTest {

    @Test
    void readsTheCapturedCanvasHeaderWithABookmarkCursorAndNoLastLink() {
        String doc = Fixtures.read("canvas_api/pagination_link_header.md");
        String captured = Arrays.stream(doc.split("\n"))
                .filter(l -> l.startsWith("Link: <https://edfialliance")).findFirst().orElseThrow()
                .substring("Link: ".length());

        LinkHeader link = LinkHeader.parse(captured);

        assertThat(link.next()).hasValueSatisfying(next -> assertThat(next)
                .startsWith("https://edfialliance.instructure.com/api/v1/audit/authentication/users/108?")
                .contains("page=bookmark:WyJjbHVzdGVyMjYxX3NoYXJkXzE4NTU3IiwiMjAyMi0wMi0yMiAxMTo1NzoyOSAtMDYwMCJd")
                .endsWith("&per_page=2"));
        assertThat(link.all()).containsOnlyKeys("current", "next", "first");
        assertThat(link.rel("last")).isEmpty();
    }

    @Test
    void readsTheDocumentedMultiLineFormat() {
        String documented = "<https://canvas.example/api/v1/courses/1/discussion_topics.json?opaqueA>; rel=\"current\",\n"
                + "      <https://canvas.example/api/v1/courses/1/discussion_topics.json?opaqueB>; rel=\"next\",\n"
                + "      <https://canvas.example/api/v1/courses/1/discussion_topics.json?opaqueC>; rel=\"first\",\n"
                + "      <https://canvas.example/api/v1/courses/1/discussion_topics.json?opaqueD>; rel=\"last\"";

        LinkHeader link = LinkHeader.parse(documented);

        assertThat(link.next()).hasValue("https://canvas.example/api/v1/courses/1/discussion_topics.json?opaqueB");
        assertThat(link.rel("LAST")).hasValue("https://canvas.example/api/v1/courses/1/discussion_topics.json?opaqueD");
    }

    @Test
    void toleratesUnquotedAndMultiValuedRelsAndNoHeader() {
        assertThat(LinkHeader.parse("</courses/1/x?page=2&per_page=10>; rel=next").next())
                .hasValue("/courses/1/x?page=2&per_page=10");
        assertThat(LinkHeader.parse("<https://a/x?p=3>; rel=\"prev next\"").next()).hasValue("https://a/x?p=3");
        assertThat(LinkHeader.parse("<https://a/x?p=1>; rel=\"first\"").next()).isEmpty();
        assertThat(LinkHeader.parse(null).all()).isEmpty();
    }
}
