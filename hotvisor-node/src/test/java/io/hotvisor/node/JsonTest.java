package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class JsonTest {

    private static String compact(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Json.parse(bytes, "JSON"); // compact is only given what parse accepted
        return Json.compact(bytes);
    }

    @Test
    void drops_the_whitespace_between_tokens() {
        assertThat(compact("{\n  \"seed\" : 42,\r\n\t\"tags\" : [ 1 , 2 ]\n}\n"))
                .isEqualTo("{\"seed\":42,\"tags\":[1,2]}");
        assertThat(compact("  [ ]  ")).isEqualTo("[]");
        assertThat(compact(" \"just a string\" ")).isEqualTo("\"just a string\"");
    }

    @Test
    void keeps_strings_and_numbers_exactly_as_sent() {
        assertThat(compact("{ \"a b\" : \"x  \\t y\\n\", \"n\" : [ 1.50 , 1e3 , -0.0 , 12345678901234567890123 ] }"))
                .isEqualTo("{\"a b\":\"x  \\t y\\n\",\"n\":[1.50,1e3,-0.0,12345678901234567890123]}");
        // An escaped quote does not end the string, an escaped backslash before the closing quote does.
        assertThat(compact("{ \"q\" : \"say \\\" hi \\\" \" , \"b\" : \"dir\\\\\" , \"c\" : 1 }"))
                .isEqualTo("{\"q\":\"say \\\" hi \\\" \",\"b\":\"dir\\\\\",\"c\":1}");
        assertThat(compact("{ \"ü\" : \"日本 語 😀\" }")).isEqualTo("{\"ü\":\"日本 語 😀\"}");
    }

    @Test
    void leaves_a_compact_text_as_it_was_and_drops_a_byte_order_mark() {
        String compact = "{\"seed\":42,\"s\":\"a b\"}";
        assertThat(compact(compact)).isEqualTo(compact);
        byte[] withMark = ("\uFEFF" + "{ \"seed\" : 42 }").getBytes(StandardCharsets.UTF_8);
        assertThat(withMark[0]).isEqualTo((byte) 0xEF);
        assertThat(Json.compact(withMark)).isEqualTo("{\"seed\":42}");
    }
}
