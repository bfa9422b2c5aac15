package org.canvaslake.common.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class JsonTest {

    @Test
    void canonicalSortsKeysAtEveryLevelAndKeepsNumbersAsWritten() {
        String a = "{\"b\": {\"z\": 1, \"a\": [ {\"y\": true, \"x\": null} ]}, \"a\": 21070000000000001,"
                + " \"c\": 99.50, \"d\": \"\\u00e9\\\"\"}";
        String b = "{\"a\":21070000000000001,\"d\":\"é\\\"\",\"c\":99.50,\"b\":{\"a\":[{\"x\":null,\"y\":true}],\"z\":1}}";
        assertThat(Json.canonical(Json.parse(a)))
                .isEqualTo("{\"a\":21070000000000001,\"b\":{\"a\":[{\"x\":null,\"y\":true}],\"z\":1},\"c\":99.50,"
                        + "\"d\":\"é\\\"\"}")
                .isEqualTo(Json.canonical(Json.parse(b)));
    }

    @Test
    void canonicalOfScalarsAndArrays() {
        assertThat(Json.canonical(Json.parse("[3, \"x\", {\"b\":2,\"a\":1}]"))).isEqualTo("[3,\"x\",{\"a\":1,\"b\":2}]");
        assertThat(Json.canonical(Json.parse("1E+3"))).isEqualTo("1000");
    }

    @Test
    void canonicalWritesEveryKindOfValueAsTheMapperDoes() throws Exception {
        // event ids of Canvas events are hashes of this form: it may never change for a value the mapper writes
        String doc = "{\"big\": 123456789012345678901234567890, \"neg\": -0.000120, \"exp\": 6.02e23, \"i\": -7,"
                + " \"t\": true, \"f\": false, \"n\": null, \"s\": \"tab\\t nl\\n ctl\\u0001 \\ud83d\\ude00 \\\"q\\\" </\","
                + " \"e\": {}, \"a\": []}";
        JsonNode node = Json.parse(doc);
        StringBuilder expected = new StringBuilder("{");
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        java.util.Collections.sort(names);
        for (String name : names) {
            expected.append(expected.length() > 1 ? "," : "").append(Json.MAPPER.writeValueAsString(name)).append(':')
                    .append(Json.MAPPER.writeValueAsString(node.get(name)));
        }
        assertThat(Json.canonical(node)).isEqualTo(expected.append('}').toString())
                .contains("123456789012345678901234567890", "-0.000120", "602000000000000000000000");
    }
}
