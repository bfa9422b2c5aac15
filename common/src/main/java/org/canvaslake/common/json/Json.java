package org.canvaslake.common.json;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one Jackson configuration of the project. */
public final class Json {

    /**
     * Canvas global ids exceed a double's exact range: numbers are read as BigInteger/BigDecimal, never doubles,
     * so a value survives a read and a write unchanged.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    private Json() {
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("Not valid JSON: " + e.getMessage(), e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * The canonical form of a JSON value: object keys sorted, no insignificant whitespace, numbers as written.
     * Two serialisations of the same document (other spacing, other key order) give the same string.
     */
    public static String canonical(JsonNode node) {
        // written straight from the tree with sorted keys (no sorted copy): the events job hashes every event
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            writeSorted(g, node, MAPPER.getSerializerProviderInstance());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeSorted(JsonGenerator g, JsonNode node, SerializerProvider provider) throws IOException {
        if (node.isObject()) {
            String[] names = new String[node.size()];
            Iterator<String> it = node.fieldNames();
            for (int i = 0; it.hasNext(); i++) {
                names[i] = it.next();
            }
            Arrays.sort(names);
            g.writeStartObject();
            for (String name : names) {
                g.writeFieldName(name);
                writeSorted(g, node.get(name), provider);
            }
            g.writeEndObject();
        } else if (node.isArray()) {
            g.writeStartArray();
            for (JsonNode element : node) {
                writeSorted(g, element, provider);
            }
            g.writeEndArray();
        } else {
            // what MAPPER.writeTree does for a value node, without its serializer lookup and flush per value
            node.serialize(g, provider);
        }
    }
}
