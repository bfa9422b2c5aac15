package org.canvaslake.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The report page without a browser: parsed as XML (the page is well-formed on purpose) and checked by XPath. */
class ReportPageTest {

    static PipelineSnapshot sample() {
        LocalDate d = LocalDate.parse("2026-08-24");
        return new PipelineSnapshot(Instant.parse("2026-08-30T12:00:00Z"), "file:///tmp/lake",
                List.of(new PipelineSnapshot.Run("product", "r2", "succeeded", Instant.parse("2026-08-30T11:59:00Z"),
                                12_345, Map.of("product.learning_events", Map.of("rows", 4200L, "user_unmatched", 21L)),
                                List.of("entities from cd2 <chosen automatically> & \"preferred\""), List.of()),
                        new PipelineSnapshot.Run("events", "r1", "failed", Instant.parse("2026-08-30T11:58:00Z"),
                                3_000, Map.of(), List.of(), List.of("raw/x.jsonl.gz: broken gzip"))),
                List.of(),
                List.of(new PipelineSnapshot.TableRows("events.live_stream", 4200),
                        new PipelineSnapshot.TableRows("product.learning_events", 4200),
                        new PipelineSnapshot.TableRows("_meta.runs", 2)),
                List.of(new PipelineSnapshot.DayCount(d, "asset_accessed", 300),
                        new PipelineSnapshot.DayCount(d, "submission_created", 40),
                        new PipelineSnapshot.DayCount(d.plusDays(2), "asset_accessed", 250)),
                List.of(new PipelineSnapshot.Unmatched("user", 4000, 20),
                        new PipelineSnapshot.Unmatched("course", 3900, 0),
                        new PipelineSnapshot.Unmatched("assignment", 0, 0)));
    }

    @Test
    void pageIsWellFormedWithOneBarPerValueAndEveryChart() throws Exception {
        String html = ReportPage.render(sample());
        Document doc = parse(html);
        var xpath = XPathFactory.newInstance().newXPath();

        NodeList eventBars = (NodeList) xpath.evaluate("//svg[@id='chart-events-per-day']/rect[@class='bar']", doc,
                XPathConstants.NODESET);
        assertThat(eventBars.getLength()).isEqualTo(3);
        assertThat(xpath.evaluate("//svg[@id='chart-events-per-day']/rect[@data-series='submission_created']/title",
                doc)).isEqualTo("2026-08-24 submission_created: 40");
        // the empty day between keeps its slot: three day slots, two labelled days with bars
        assertThat(xpath.evaluate("count(//svg[@id='chart-events-per-day']/text[@class='tick'])", doc))
                .isEqualTo("4");
        assertThat(xpath.evaluate("count(//svg[@id='chart-rows']/rect[@class='bar'])", doc)).isEqualTo("3");
        assertThat(xpath.evaluate("count(//svg[@id='chart-durations']/rect[@class='bar'])", doc)).isEqualTo("2");
        assertThat(xpath.evaluate("//svg[@id='chart-unmatched']/rect[@class='bar'][1]/title", doc))
                .isEqualTo("user: 0.5% (20 of 4,000)");
        assertThat(xpath.evaluate("//span[@id='overall']", doc)).isEqualTo("FAILED");
        assertThat(xpath.evaluate("//table[@id='latest-runs']//li[@class='failed']", doc))
                .isEqualTo("raw/x.jsonl.gz: broken gzip");
        assertThat(xpath.evaluate("//table[@id='latest-runs']//li[not(@class)]", doc))
                .isEqualTo("entities from cd2 <chosen automatically> & \"preferred\"");
    }

    @Test
    void pageLoadsNothingFromAnywhere() {
        String html = ReportPage.render(sample());
        assertThat(html).doesNotContainIgnoringCase("<script")
                .doesNotContainIgnoringCase(" src=")
                .doesNotContainIgnoringCase(" href=")
                .doesNotContainIgnoringCase("@import")
                .doesNotContainIgnoringCase("url(")
                .doesNotContain("http://").doesNotContain("https://");
    }

    @Test
    void emptyLakeStillRendersAPageThatSaysSo() throws Exception {
        PipelineSnapshot empty = new PipelineSnapshot(Instant.now(), "file:///tmp/empty", List.of(), List.of(),
                List.of(), List.of(), List.of());
        Document doc = parse(ReportPage.render(empty));
        var xpath = XPathFactory.newInstance().newXPath();
        assertThat(xpath.evaluate("//svg[@id='chart-events-per-day']/text[@class='empty']", doc))
                .isEqualTo("no events yet");
        assertThat(xpath.evaluate("//span[@id='overall']", doc)).isEqualTo("OK");
    }

    static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }
}
