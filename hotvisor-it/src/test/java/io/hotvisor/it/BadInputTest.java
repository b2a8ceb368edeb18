package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input on the HTTP API, each answered by a 4xx whose message names what was wrong, after which the function
 * already stored ({@code keeper}) is intact: same version, same code, same answer. Complements
 * {@link ErrorClassesTest} (one case per field) with the hostile kinds: truncations, wrong types everywhere, names
 * with unicode tricks, oversized bodies, zip bombs, zip-slip and broken archives, broken code in every language.
 */
class BadInputTest {
    private static final int MAX_BODY = 8 * 1024 * 1024;
    private static NodeProcess node;
    private static Http http;
    private static Path dataDir;
    private static String keeperSha;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        dataDir = Files.createTempDirectory(NodeProcess.IT_DIR, "data-bad-input-");
        node = NodeProcess.start(dataDir, "--max-body-bytes", Integer.toString(MAX_BODY));
        http = node.http();
        keeperSha = http.deploySource("keeper", "javascript", "index.handler",
                "exports.handler = async (e) => ({ kept: true, echo: e.x });", Map.of())
                .json().path("code").path("sha256").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @AfterEach
    void keeperIsIntact() {
        JsonNode d = http.get("/v1/functions/keeper").json();
        assertThat(d.path("version").asInt()).isEqualTo(1);
        assertThat(d.path("code").path("sha256").asText()).isEqualTo(keeperSha);
        Http.Response r = http.invoke("keeper", "{\"x\":5}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("echo").asInt()).isEqualTo(5);
        assertThat(node.isAlive()).isTrue();
    }

    private static JsonNode error(Http.Response r, int status) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        return r.json().path("error");
    }

    @Test
    void answers_a_method_a_path_does_not_take_with_405_naming_the_methods_it_takes() {
        Map<String, String> takes = Map.of("/v1/functions/keeper", "DELETE, GET, HEAD, OPTIONS, PUT",
                "/v1/functions/keeper/invoke", "OPTIONS, POST", "/v1/functions", "GET, HEAD, OPTIONS",
                "/v1/namespaces/default/keys", "GET, HEAD, OPTIONS, POST", "/healthz", "GET, HEAD, OPTIONS");
        takes.forEach((path, allow) -> {
            for (String method : List.of("PATCH", "TRACE", "PUT", "POST", "DELETE", "GET")) {
                if (allow.contains(method)) {
                    continue;
                }
                Http.Response r = http.send(method, path, "{}");
                JsonNode e = error(r, 405);
                assertThat(r.header("Allow")).as(method + " " + path).isEqualTo(allow);
                assertThat(e.path("type").asText()).isEqualTo("MethodNotAllowed");
                assertThat(e.path("message").asText()).isEqualTo("Method " + method + " is not allowed on " + path
                        + "; it takes " + allow);
            }
            Http.Response options = http.send("OPTIONS", path, (String) null);
            assertThat(options.status()).as(path).isEqualTo(204);
            assertThat(options.header("Allow")).as(path).isEqualTo(allow);
        });
        // A path the API does not have stays 404; without a key, nothing is told.
        assertThat(error(http.send("PATCH", "/v1/nothing", "{}"), 404).path("message").asText())
                .startsWith("No endpoint PATCH /v1/nothing; see the API");
        Http.Response anonymous = http.withoutKey().send("PATCH", "/v1/functions/keeper", "{}");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("Allow")).isNull();
    }

    @Test
    void answers_head_with_the_status_and_length_of_get_and_no_body() {
        // Answers that do not change between two calls: the same length. Descriptions and metrics may (a sandbox
        // reaped, a counter moved): a length is sent.
        Set<String> fixed = Set.of("/healthz", "/v1/functions/absent", "/v1/invocations/absent");
        for (String path : List.of("/v1/functions/keeper", "/v1/functions", "/metrics", "/healthz",
                "/v1/functions/absent", "/v1/invocations/absent")) {
            Http.Response get = http.get(path);
            Http.Response head = http.send("HEAD", path, (String) null);
            assertThat(head.status()).as(path).isEqualTo(get.status());
            assertThat(head.body()).as(path).isEmpty();
            assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type"));
            int length = Integer.parseInt(head.header("Content-Length"));
            if (fixed.contains(path)) {
                assertThat(length).as(path).isEqualTo(get.body().getBytes(StandardCharsets.UTF_8).length);
            } else {
                assertThat(length).as(path).isPositive();
            }
        }
        assertThat(http.withoutKey().send("HEAD", "/v1/functions", (String) null).status()).isEqualTo(401);
    }

    private static final String VALID = "{\"language\":\"javascript\",\"handler\":\"index.handler\","
            + "\"code\":\"exports.handler = async () => 1;\",\"timeoutMs\":1000,\"env\":{\"A\":\"b\"}}";

    @Test
    void answers_400_to_every_truncation_of_a_deploy_body_and_stores_nothing() {
        for (int cut = 0; cut < VALID.length(); cut++) {
            Http.Response r = http.send("PUT", "/v1/functions/keeper", VALID.substring(0, cut));
            JsonNode e = error(r, 400);
            assertThat(e.path("message").asText()).as("cut at " + cut)
                    .containsAnyOf("not valid JSON", "request body is empty");
        }
    }

    @Test
    void answers_400_to_a_truncated_or_malformed_event() {
        for (String event : List.of("{\"x\":", "{\"x\":1", "[1,", "{'x':1}", "{\"x\":1}}", "nul", "\"unterminated")) {
            JsonNode e = error(http.invoke("keeper", event), 400);
            assertThat(e.path("message").asText()).as(event).contains("not valid JSON");
        }
    }

    /** field, a wrongly typed value (JSON), what the message must say. */
    static Stream<Arguments> wrongTypes() {
        return Stream.of(
                Arguments.of("handler", "7", "Field 'handler' must be a string"),
                Arguments.of("handler", "[\"index.handler\"]", "Field 'handler' must be a string"),
                Arguments.of("code", "{\"a\":1}", "Field 'code' must be a string"),
                Arguments.of("language", "null", "Missing field 'language'"),
                Arguments.of("timeoutMs", "1.5", "Field 'timeoutMs' must be an integer"),
                Arguments.of("timeoutMs", "99999999999999999999999", "Field 'timeoutMs' must be an integer"),
                Arguments.of("timeoutMs", "-1", "Field 'timeoutMs' must be from 1"),
                Arguments.of("memoryMb", "\"64\"", "Field 'memoryMb' must be an integer"),
                Arguments.of("memoryMb", "1", "Field 'memoryMb' must be from 16"),
                Arguments.of("concurrency", "true", "Field 'concurrency' must be an integer"),
                Arguments.of("env", "\"A=b\"", "Field 'env' must be an object"),
                Arguments.of("env", "{\"A-B\":\"x\"}", "invalid variable name 'A-B'"),
                Arguments.of("env", "{\"A\":null}", "Field 'env.A' must be a string"),
                Arguments.of("sandbox", "false", "Field 'sandbox' must be a string"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("wrongTypes")
    void answers_400_naming_the_field_of_a_wrongly_typed_value(String field, String value, String message) throws Exception {
        ObjectNode body = (ObjectNode) Http.JSON.readTree(VALID);
        body.set(field, Http.JSON.readTree(value));
        JsonNode e = error(http.put("/v1/functions/keeper", body), 400);
        assertThat(e.path("message").asText()).contains(message);
    }

    @Test
    void answers_400_to_unknown_fields_naming_each() {
        JsonNode e = error(http.send("PUT", "/v1/functions/keeper",
                VALID.replace("}}", "},\"Language\":\"python\",\"__proto__\":{}}")), 400);
        assertThat(e.path("message").asText()).contains("Unknown field(s)", "Language", "__proto__");
    }

    /** Path segments (already percent-encoded) that must never name a function. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "evil%E2%80%AEsj.exe",       // RTL override
        "ad%E2%80%8Bmin",            // zero-width space
        "a%00b",                     // NUL
        "a%EF%BC%8Fb",               // full-width solidus
        "%EF%BC%8E%EF%BC%8E",        // full-width dots
        "cafe%CC%81",                // combining acute accent
        "%D0%B0dmin",                // Cyrillic a
        "a%0Ab",                     // newline
        "a%09b",                     // tab
        "a%5Cb",                     // backslash
        "a%20",                      // trailing space
        "x123456789x123456789x123456789x123456789x123456789x123456789x1234", // 65 characters
    })
    void answers_400_for_a_name_with_path_or_unicode_tricks_on_every_call(String encoded) {
        String deploy = "{\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"function main(){return 1}\"}";
        List<Http.Response> answers = new ArrayList<>(List.of(
                http.send("PUT", "/v1/functions/" + encoded, deploy),
                http.get("/v1/functions/" + encoded),
                http.delete("/v1/functions/" + encoded),
                http.invoke(encoded, "{}")));
        for (Http.Response r : answers) {
            JsonNode e = error(r, 400);
            assertThat(e.path("message").asText()).contains("Invalid function name");
            // The offending name is shown escaped, never raw.
            assertThat(e.path("message").asText()).doesNotContain("\u202e", "\u200b", "\u0000", "\n");
        }
        assertThat(Http.names(http.get("/v1/functions").json().path("functions")))
                .containsExactly("keeper");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"..", "%2e%2e", "%2E%2E", "a%2Fb", "a%2F..%2F..%2Fkeeper", "%2F", "."})
    void never_treats_encoded_slashes_or_dots_as_a_function_name(String encoded) {
        String deploy = "{\"language\":\"javascript\",\"handler\":\"main\",\"code\":\"function main(){return 1}\"}";
        for (Http.Response r : List.of(http.send("PUT", "/v1/functions/" + encoded, deploy),
                http.delete("/v1/functions/" + encoded), http.invoke(encoded, "{}"))) {
            // Resolved by the server before routing (no route: 404; a route for other methods, as "." makes
            // /v1/functions/invoke of /v1/functions/./invoke: 405) or refused by the name check (400).
            assertThat(r.status()).as(r.toString()).isIn(400, 404, 405);
            assertThat(r.json().path("error").path("message").asText())
                    .containsAnyOf("Invalid function name", "No endpoint", "is not allowed on");
        }
        assertThat(Http.names(http.get("/v1/functions").json().path("functions")))
                .containsExactly("keeper");
    }

    @Test
    void answers_413_for_a_deploy_or_event_over_the_configured_limit() {
        String big = "x".repeat(MAX_BODY + 1024);
        ObjectNode body = Http.JSON.createObjectNode().put("language", "javascript").put("handler", "index.handler")
                .put("code", "exports.handler = async () => '" + big + "';");
        JsonNode e = error(http.sendExpectingContinue("PUT", "/v1/functions/keeper", body.toString()), 413);
        assertThat(e.path("type").asText()).isEqualTo("PayloadTooLarge");
        assertThat(e.path("message").asText()).contains("limit is " + MAX_BODY + " bytes", "--max-body-bytes");
        assertThat(error(http.sendExpectingContinue("POST", "/v1/functions/keeper/invoke", "\"" + big + "\""), 413)
                .path("type").asText()).isEqualTo("PayloadTooLarge");
    }

    // ---------------------------------------------------------------- archives

    private static byte[] zip(List<Map.Entry<String, byte[]>> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(9);
            for (Map.Entry<String, byte[]> e : entries) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Map.Entry<String, byte[]> file(String name, String content) {
        return Map.entry(name, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static final Map.Entry<String, byte[]> INDEX = file("index.js", "exports.handler = async () => 'x';");

    private static Http.Response deployArchive(String language, String handler, byte[] archive) {
        ObjectNode body = Http.JSON.createObjectNode().put("language", language).put("handler", handler)
                .put("archive", Base64.getEncoder().encodeToString(archive));
        return http.put("/v1/functions/keeper", body);
    }

    static Stream<Arguments> badBundles() {
        return Stream.of(
                Arguments.of("zip-slip with ../", List.of(INDEX, file("../../evil.js", "x")), "whose path leaves the bundle"),
                Arguments.of("zip-slip through a directory", List.of(INDEX, file("lib/../../evil.js", "x")),
                        "whose path leaves the bundle"),
                Arguments.of("zip-slip with backslashes", List.of(INDEX, file("..\\..\\evil.js", "x")),
                        "whose path leaves the bundle"),
                Arguments.of("absolute path", List.of(INDEX, file("/tmp/evil.js", "x")), "whose path leaves the bundle"),
                Arguments.of("NUL in a name", List.of(INDEX, file("a\u0000b.js", "x")), "control character"),
                Arguments.of("newline in a name", List.of(INDEX, file("a\nb.js", "x")), "control character"),
                Arguments.of("a name component over 255 bytes", List.of(INDEX, file("x".repeat(300) + ".js", "x")),
                        "longer than 255 bytes"),
                Arguments.of("a file and a directory of one name", List.of(INDEX, file("lib", "x"), file("lib/a.js", "x")),
                        "conflicts with an earlier entry"),
                Arguments.of("no handler file", List.of(file("other.js", "x")), "needs file 'index.js'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBundles")
    void answers_400_for_a_hostile_bundle_and_writes_nothing_outside_the_store(String label,
            List<Map.Entry<String, byte[]>> entries, String message) throws IOException {
        JsonNode e = error(deployArchive("javascript", "index.handler", zip(entries)), 400);
        assertThat(e.path("message").asText()).contains(message);
        try (Stream<Path> files = Files.walk(dataDir.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("evil.js");
        }
    }

    @Test
    void answers_400_for_a_zip_bomb() {
        byte[] zeros = new byte[1024 * 1024];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry("index.js"));
            for (int i = 0; i < 600; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        assertThat(bytes.size()).isLessThan(MAX_BODY / 2);
        JsonNode e = error(deployArchive("javascript", "index.handler", bytes.toByteArray()), 400);
        assertThat(e.path("message").asText()).contains("unpacks to more than 512 MB", "index.js");
    }

    @Test
    void answers_400_for_a_zip_with_too_many_entries() {
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>();
        entries.add(INDEX);
        for (int i = 0; i < 20_001; i++) {
            entries.add(Map.entry("f/" + i, new byte[0]));
        }
        JsonNode e = error(deployArchive("javascript", "index.handler", zip(entries)), 400);
        assertThat(e.path("message").asText()).contains("more than 20000 entries");
    }

    static Stream<Arguments> brokenArchives() {
        byte[] truncated = zip(List.of(INDEX, file("b.js", "x".repeat(5000))));
        return Stream.of(
                Arguments.of("javascript", "not a zip", "hello".getBytes(), "is not a zip"),
                Arguments.of("javascript", "a truncated zip", java.util.Arrays.copyOf(truncated, 60), "archive"),
                Arguments.of("python", "a zip header and garbage", "PK\u0003\u0004garbage".getBytes(), "archive"),
                Arguments.of("java", "a jar that is text", "not a jar".getBytes(), "is not a jar"),
                Arguments.of("java", "a jar with a class file that is not one",
                        zip(List.of(file("a/B.class", "not a class"))), "a/B"),
                Arguments.of("java", "a truncated jar", java.util.Arrays.copyOf(Fixtures.javaJar(), 100), "jar"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("brokenArchives")
    void answers_400_for_an_archive_that_is_not_what_it_claims(String language, String label, byte[] archive,
                                                                String message) {
        String handler = language.equals("java") ? "a.B::main" : language.equals("python") ? "app.handler" : "index.handler";
        JsonNode e = error(deployArchive(language, handler, archive), 400);
        assertThat(e.path("message").asText()).containsIgnoringCase(message);
    }

    /** language, handler, code, what the message must say. */
    static Stream<Arguments> brokenCode() {
        return Stream.of(
                Arguments.of("javascript", "index.handler", "exports.handler = async () => {\n  return [1, 2;\n};",
                        "Syntax error in index.js line 2"),
                Arguments.of("python", "app.handler", "def handler(event, context):\n    return (1,\n", "app.py"),
                Arguments.of("java", "fixtures.Broken::main",
                        "package fixtures;\npublic class Broken {\n  public static java.util.Map<String, Object> main("
                                + "java.util.Map<String, Object> a) {\n    return a\n  }\n}\n", "Broken.java"),
                Arguments.of("javascript", "index.nothere", "exports.handler = async () => 1;",
                        "Handler 'index.nothere' not found"),
                Arguments.of("python", "app.nothere", "def handler(event, context):\n    return 1\n", "nothere"),
                Arguments.of("java", "fixtures.Here::nothere",
                        "package fixtures;\npublic class Here {\n  public static java.util.Map<String, Object> main("
                                + "java.util.Map<String, Object> a) { return a; }\n}\n", "nothere"),
                Arguments.of("javascript", "index.handler", "throw new Error('fails at load');", "fails at load"),
                Arguments.of("python", "app.handler", "raise ValueError('fails at load')\n", "fails at load"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("brokenCode")
    void answers_400_for_code_that_does_not_load_and_keeps_the_stored_version(String language, String handler,
                                                                                String code, String message) {
        ObjectNode body = Http.JSON.createObjectNode().put("language", language).put("handler", handler)
                .put("code", code);
        JsonNode e = error(http.put("/v1/functions/keeper", body), 400);
        assertThat(e.path("message").asText()).contains(message);
    }
}
