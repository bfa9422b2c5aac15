package org.canvaslake.common.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
