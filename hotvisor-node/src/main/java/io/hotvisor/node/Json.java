package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The node's one JSON mapper and the error body shape. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        // Bodies are already bounded by the server's payload limit; allow long strings (base64 archives).
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(1000).build());
    }

    private Json() {
    }

    /** Parses a request body, naming {@code what} it was meant to be when it is not JSON. */
    static JsonNode parse(byte[] body, String what) {
        if (body.length == 0) {
            throw ApiException.badRequest("The request body is empty; expected " + what);
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The request body is not valid JSON (expected " + what + "): "
                    + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A JSON text without a UTF-8 byte order mark and without the whitespace between its tokens; strings and numbers
     * stay exactly as they were (no number is rewritten). Meant for what {@link #parse} accepts; other bytes come out
     * with their whitespace outside quotes dropped, which means nothing. An event reaches a function in this form: a
     * guest parses its event with host code that the JIT compiles along the paths it has seen, and a pretty-printed
     * event takes paths a compact one never did (2026-11-25: the first served call with a {@code {"seed": 42}} event
     * trapped out of the C2 code of GraalJS's JSON parser, compiled on the warm-up replays' {@code {"seed":42}}, and
     * the function's own 190 KB {@code JSON.parse} ran in slower code until it was recompiled). Compact, the same event
     * costs the same whatever its formatting, as warm-up inputs (stored compact) expect.
     */
    static String compact(byte[] json) {
        int from = json.length >= 3 && json[0] == (byte) 0xEF && json[1] == (byte) 0xBB && json[2] == (byte) 0xBF
                ? 3 : 0;
        byte[] out = new byte[json.length - from];
        int n = 0;
        boolean inString = false;
        for (int i = from; i < json.length; i++) {
            byte b = json[i];
            if (inString) {
                if (b == '\\' && i + 1 < json.length) {
                    out[n++] = b;
                    b = json[++i]; // the escaped character, a quote included, is kept as it is
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue;
            }
            out[n++] = b;
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(JsonNode node) {
        return new String(bytes(node), StandardCharsets.UTF_8);
    }

    static byte[] error(String type, String message) {
        ObjectNode root = object();
        root.putObject("error").put("type", type).put("message", message);
        return bytes(root);
    }
}
