package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RecordSplitterTest {

    static List<RecordSplitter.Record> split(String text) {
        List<RecordSplitter.Record> out = new ArrayList<>();
        new RecordSplitter(text).forEachRemaining(out::add);
        return out;
    }

    @Test
    void oneDocumentPerLine() {
        assertThat(split("{\"a\":1}\n{\"b\":\"x}y\"}\r\n\n{\"c\":[1,{\"d\":2}]}\n"))
                .extracting(RecordSplitter.Record::line, RecordSplitter.Record::index, RecordSplitter.Record::text,
                        RecordSplitter.Record::broken)
                .containsExactly(tuple(1L, 0, "{\"a\":1}", false), tuple(2L, 0, "{\"b\":\"x}y\"}", false),
                        tuple(4L, 0, "{\"c\":[1,{\"d\":2}]}", false));
    }

    @Test
    void documentsConcatenatedWithoutNewlinesAsFirehoseWritesThem() {
        assertThat(split("{\"a\":\"}{\"}{\"b\":2}{\"c\":{\"\\\"\":3}}"))
                .extracting(RecordSplitter.Record::line, RecordSplitter.Record::index, RecordSplitter.Record::text)
                .containsExactly(tuple(1L, 0, "{\"a\":\"}{\"}"), tuple(1L, 1, "{\"b\":2}"),
                        tuple(1L, 2, "{\"c\":{\"\\\"\":3}}"));
    }

    @Test
    void backslashRunsBeforeAQuoteDecideWhetherItEndsTheString() {
        // "x\\" ends after two backslashes (an escaped backslash); "y\\\"z" holds an escaped quote after one
        String text = "{\"a\":\"x\\\\\"}{\"b\":\"y\\\\\\\"}z\"}\n{\"c\":\"\\\\\\\\\"}";
        assertThat(split(text)).extracting(RecordSplitter.Record::line, RecordSplitter.Record::index,
                        RecordSplitter.Record::text, RecordSplitter.Record::broken)
                .containsExactly(tuple(1L, 0, "{\"a\":\"x\\\\\"}", false),
                        tuple(1L, 1, "{\"b\":\"y\\\\\\\"}z\"}", false),
                        tuple(2L, 0, "{\"c\":\"\\\\\\\\\"}", false));
    }

    @Test
    void aStringLeftOpenAtTheEndOfTheObjectIsBroken() {
        List<RecordSplitter.Record> records = split("{\"a\":1}\n{\"b\":\"never closed \\\"");
        assertThat(records).extracting(RecordSplitter.Record::line, RecordSplitter.Record::broken)
                .containsExactly(tuple(1L, false), tuple(2L, true));
        assertThat(records.get(1).problem()).contains("not closed before the end of the object");
    }

    @Test
    void prettyPrintedDocumentsSpanLines() {
        String text = "{\n  \"Messages\": [\n    {\"Body\": \"x\"}\n  ]\n}\n{\n  \"b\": 2\n}\n{\"c\":3}";
        assertThat(split(text)).extracting(RecordSplitter.Record::line, RecordSplitter.Record::broken)
                .containsExactly(tuple(1L, false), tuple(6L, false), tuple(9L, false));
    }

    @Test
    void aLineCutInsideAStringIsBrokenAloneAndTheNextLinesSurvive() {
        String text = "{\"a\":1}\n{\"message_id\":\"m2\",\"body\":\"{\\\"metad\n{\"c\":3}\n";
        List<RecordSplitter.Record> records = split(text);
        assertThat(records).extracting(RecordSplitter.Record::line, RecordSplitter.Record::broken)
                .containsExactly(tuple(1L, false), tuple(2L, true), tuple(3L, false));
        assertThat(records.get(1).text()).isEqualTo("{\"message_id\":\"m2\",\"body\":\"{\\\"metad");
        assertThat(records.get(1).problem()).contains("inside a JSON string");
    }

    @Test
    void aLineLeftOpenOutsideAStringIsBrokenAloneToo() {
        List<RecordSplitter.Record> records = split("{\"a\":{\"b\":1}\n{\"c\":3}\n{\"d\":4}");
        assertThat(records).extracting(RecordSplitter.Record::line, RecordSplitter.Record::broken)
                .containsExactly(tuple(1L, true), tuple(2L, false), tuple(3L, false));
        assertThat(records.get(0).problem()).contains("not closed");
    }

    @Test
    void textThatIsNoDocumentIsCutOutByLine() {
        List<RecordSplitter.Record> records = split("<html>502 Bad Gateway</html>\n{\"a\":1}");
        assertThat(records).extracting(RecordSplitter.Record::line, RecordSplitter.Record::broken,
                        RecordSplitter.Record::text)
                .containsExactly(tuple(1L, true, "<html>502 Bad Gateway</html>"), tuple(2L, false, "{\"a\":1}"));
    }

    @Test
    void emptyInputHasNoRecords() {
        assertThat(split("")).isEmpty();
        assertThat(split("\n \n")).isEmpty();
    }
}
