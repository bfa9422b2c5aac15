package org.canvaslake.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.canvaslake.cli.SandboxEventsCommand;
import org.canvaslake.common.json.Json;
import org.canvaslake.common.testing.Fixtures;
import org.canvaslake.sandbox.LiveEventGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The event id of a Canvas event must stay the SHA-256 of {@link Json#canonical} (lakes hold ids made that way, and
 * a redelivery must find its first copy): {@link CanonicalHash} against that, on real and generated events and on
 * values it must leave to Jackson.
 */
class CanonicalHashTest {

    private static byte[] expected(JsonNode node) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Json.canonical(node).getBytes(StandardCharsets.UTF_8));
    }

    private static CanonicalHash hash() throws Exception {
        return new CanonicalHash(MessageDigest.getInstance("SHA-256"));
    }

    private static List<JsonNode> events() {
        List<JsonNode> events = new ArrayList<>();
        for (String folder : List.of("canvas", "caliper")) {
            for (Path file : Fixtures.list(folder, ".json")) {
                events.add(Json.parse(RawInput.read(file)));
            }
        }
        for (LiveEventGenerator.Message m : SandboxEventsCommand.generator(3).list(3_000)) {
            try {
                events.add(Json.parse(m.body()));
            } catch (RuntimeException malformed) {
                // the generator's broken bodies have no id to give
            }
        }
        return events;
    }

    @Test
    void realAndGeneratedEventsHashAsTheirCanonicalJson() throws Exception {
        CanonicalHash hash = hash();
        int copied = 0;
        List<JsonNode> events = events();
        for (JsonNode event : events) {
            assertThat(hash.sha256(event)).as(event.toString()).isEqualTo(expected(event));
            byte[] fast = hash.fastBytes(event);
            if (fast != null) {
                copied++;
                assertThat(new String(fast, 0, hash.size(), StandardCharsets.UTF_8)).isEqualTo(Json.canonical(event));
            }
        }
        // the fast path is what runs for most events, so it is what the comparison above checked
        assertThat(copied).isGreaterThan(events.size() * 9 / 10);
    }

    @Test
    void valuesBeyondPlainAsciiAreLeftToJacksonAndHashTheSame() throws Exception {
        CanonicalHash hash = hash();
        List<String> documents = List.of(
                "{\"a\":\"Jos\u00e9\"}",                       // beyond ASCII
                "{\"a\":\"\uD83D\uDE00\"}",                     // a surrogate pair
                "{\"a\":\"\uD800\"}",                           // a lone surrogate
                "{\"a\":\"say \\\"hi\\\"\"}",                   // a quote
                "{\"a\":\"back\\\\slash\"}",
                "{\"a\":\"line\\nbreak\\t\\u0001\"}",           // control characters
                "{\"a\\u00e9\":1}",                             // a key beyond ASCII
                "{\"a\":2E+400}");                            // beyond a double: Jackson makes it a DoubleNode
        for (String text : documents) {
            JsonNode node = Json.parse(text);
            assertThat(hash.fastBytes(node)).as(text).isNull();
            assertThat(hash.sha256(node)).as(text).isEqualTo(expected(node));
        }
    }

    @Test
    void aDecimalJacksonWouldNotWriteAsPlainTextIsLeftToIt() throws Exception {
        // no parse makes one (beyond a double's range Jackson reads a DoubleNode), but a tree built by hand can
        JsonNode node = Json.object().set("a", JsonNodeFactory.instance.numberNode(new BigDecimal("1E+10000")));
        assertThat(hash().fastBytes(node)).isNull();
    }

    @Test
    void numbersKeysAndNestingAreWrittenAsJacksonWritesThem() throws Exception {
        CanonicalHash hash = hash();
        List<String> documents = List.of(
                "{}", "[]", "{\"z\":[],\"a\":{}}",
                "{\"b\":1,\"a\":-2,\"c\":2147483648,\"d\":-9223372036854775808,\"e\":123456789012345678901234567890}",
                "{\"f\":1.50,\"g\":-0.0,\"h\":1e3,\"i\":1.5E-7,\"j\":0.1,\"l\":17070000000000001.0}",
                "{\"t\":true,\"f\":false,\"n\":null,\"s\":\"https://x.edu/a?b=c&d=e/f ~!@#$%^*()_+-={}|[]:;'<>,.\"}",
                "{\"B\":1,\"a\":2,\"_\":3,\"aa\":[{\"y\":1,\"x\":[2,[3,{\"q\":null}]]}],\"\":\"empty key\"}",
                " { \"spaced\" : [ 1 , 2 ] } ");
        for (String text : documents) {
            JsonNode node = Json.parse(text);
            byte[] fast = hash.fastBytes(node);
            assertThat(fast).as(text).isNotNull();
            assertThat(new String(Arrays.copyOf(fast, hash.size()), StandardCharsets.UTF_8)).as(text)
                    .isEqualTo(Json.canonical(node));
            assertThat(hash.sha256(node)).as(text).isEqualTo(expected(node));
        }
    }
}
