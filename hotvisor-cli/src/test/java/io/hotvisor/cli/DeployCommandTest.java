package io.hotvisor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DeployCommandTest {

    private static final String DEPLOYED = "{\"name\":\"hello\",\"version\":3,\"language\":\"javascript\"}";

    @TempDir
    Path tmp;

    @RegisterExtension
    final FakeNode node = FakeNode.start();

    @BeforeEach
    void scriptNode() {
        node.on("PUT", "/v1/functions/hello", 201, DEPLOYED);
    }

    @Test
    void sends_a_single_file_as_code_text_with_every_option() throws IOException {
        Path file = write("index.js", "exports.handler = async (e) => ({ok: true, é: 'ü'});\n");

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "js",
                "--handler", "index.handler", "--file", file.toString(), "--timeout-ms", "3000",
                "--memory-mb", "256", "--concurrency", "4", "--env", "GREETING=hi", "--env", "URL=a=b",
                "--sandbox", "fresh");

        assertThat(run.exitCode()).isZero();
        FakeNode.Request put = node.onlyRequest();
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.target()).isEqualTo("/v1/functions/hello");
        assertThat(put.headers().get("Content-type")).containsExactly("application/json");
        JsonNode body = put.json();
        assertThat(body.propertyStream().map(Map.Entry::getKey)).containsExactly("language", "handler", "code",
                "timeoutMs", "memoryMb", "concurrency", "env", "sandbox");
        assertThat(body.path("language").asText()).isEqualTo("javascript");
        assertThat(body.path("handler").asText()).isEqualTo("index.handler");
        assertThat(body.path("code").asText()).isEqualTo(Files.readString(file));
        assertThat(body.path("timeoutMs").asLong()).isEqualTo(3000);
        assertThat(body.path("memoryMb").asInt()).isEqualTo(256);
        assertThat(body.path("concurrency").asInt()).isEqualTo(4);
        assertThat(body.path("env").toString()).isEqualTo("{\"GREETING\":\"hi\",\"URL\":\"a=b\"}");
        assertThat(body.path("sandbox").asText()).isEqualTo("fresh");
    }

    @Test
    void sends_only_what_was_given() throws IOException {
        Path file = write("app.py", "def handler(event, context):\n    return event\n");

        Cli.run("deploy", "hello", "--url", node.url(), "--language", "python", "--handler", "app.handler",
                "--file", file.toString());

        assertThat(node.onlyRequest().json().propertyStream().map(Map.Entry::getKey))
                .containsExactly("language", "handler", "code");
    }

    @Test
    void zips_a_directory_keeping_node_modules_and_relative_paths_with_forward_slashes() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fn"));
        write("fn/index.js", "const lp = require('left-pad'); exports.handler = () => lp('x', 3);");
        write("fn/node_modules/left-pad/index.js", "module.exports = (s, n) => s.padStart(n);");
        write("fn/node_modules/left-pad/package.json", "{\"name\":\"left-pad\"}");
        write("fn/.env-notes", "dot files are kept too");

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "javascript",
                "--handler", "index.handler", "--dir", dir.toString());

        assertThat(run.exitCode()).isZero();
        JsonNode body = node.onlyRequest().json();
        assertThat(body.has("code")).isFalse();
        Map<String, String> zip = unzip(body.path("archive").asText());
        assertThat(zip).containsOnlyKeys(".env-notes", "index.js", "node_modules/left-pad/index.js",
                "node_modules/left-pad/package.json");
        assertThat(zip.get("node_modules/left-pad/index.js")).isEqualTo("module.exports = (s, n) => s.padStart(n);");
    }

    @Test
    void zips_the_same_directory_to_the_same_bytes() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fn"));
        write("fn/a.py", "A = 1");
        write("fn/pkg/__init__.py", "");

        Cli.run("deploy", "hello", "--url", node.url(), "--language", "python", "--handler", "a.h", "--dir",
                dir.toString());
        Files.setLastModifiedTime(dir.resolve("a.py"), java.nio.file.attribute.FileTime.fromMillis(0));
        Cli.run("deploy", "hello", "--url", node.url(), "--language", "python", "--handler", "a.h", "--dir",
                dir.toString());

        assertThat(node.requests()).hasSize(2);
        assertThat(node.requests().get(1).json().path("archive"))
                .isEqualTo(node.requests().get(0).json().path("archive"));
    }

    @Test
    void sends_a_jar_base64_encoded_as_it_is() throws IOException {
        byte[] jar = {0x50, 0x4b, 0x03, 0x04, 0, (byte) 0xff, 1, 2, 3};
        Path file = tmp.resolve("echo.jar");
        Files.write(file, jar);

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "java",
                "--handler", "com.acme.Echo::handleRequest", "--jar", file.toString());

        assertThat(run.exitCode()).isZero();
        JsonNode body = node.onlyRequest().json();
        assertThat(body.path("language").asText()).isEqualTo("java");
        assertThat(body.path("handler").asText()).isEqualTo("com.acme.Echo::handleRequest");
        assertThat(Base64.getDecoder().decode(body.path("archive").asText())).isEqualTo(jar);
    }

    @Test
    void sends_a_zip_base64_encoded_as_it_is() throws IOException {
        byte[] zip = {0x50, 0x4b, 5, 6, 0, 0};
        Path file = tmp.resolve("fn.zip");
        Files.write(file, zip);

        Cli.run("deploy", "hello", "--url", node.url(), "--language", "python", "--handler", "app.handler",
                "--zip", file.toString());

        assertThat(Base64.getDecoder().decode(node.onlyRequest().json().path("archive").asText())).isEqualTo(zip);
    }

    @Test
    void reports_the_version_and_whether_the_function_was_created_or_replaced() throws IOException {
        Path file = write("index.js", "exports.handler = () => 1;");
        node.on("PUT", "/v1/functions/hello", 200, DEPLOYED);

        Cli.Run created = deployHello(file);
        Cli.Run replaced = deployHello(file);

        assertThat(created.out()).matches("Deployed hello version 3 \\(created\\) in \\d+ ms\\R");
        assertThat(replaced.out()).matches("Deployed hello version 3 \\(replaced\\) in \\d+ ms\\R");
    }

    @Test
    void prints_one_progress_line_when_stderr_is_not_a_terminal() throws IOException {
        Path file = write("index.js", "exports.handler = () => 1;");

        Cli.Run run = deployHello(file);

        assertThat(run.err()).isEqualTo("Deploying hello (javascript, index.js, 26 B)..." + System.lineSeparator());
    }

    @Test
    void redraws_the_progress_line_in_place_on_a_terminal_and_erases_it_at_the_end() throws IOException {
        Path file = write("index.js", "exports.handler = () => 1;");
        node.delay(java.time.Duration.ofMillis(700));

        Cli.Run run = Cli.runInteractive("deploy", "hello", "--url", node.url(), "--language", "js",
                "--handler", "index.handler", "--file", file.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.err())
                .matches("(\\rDeploying hello \\(javascript, index\\.js, 26 B\\)\\.\\.\\. \\d+\\.\\d s)+\\r +\\r");
        assertThat(run.out()).startsWith("Deployed hello version 3 (created) in ");
    }

    @Test
    void deploys_a_function_folder_as_the_source_file_its_handler_names() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json", """
                {"language": "python", "handler": "app.handler", "timeoutMs": 2000, "env": {"A": "1"},
                 "sandbox": "reuse"}""");
        write("hello/app.py", "def handler(event, context):\n    return 1\n");
        write("hello/other.py", "X = 2");

        Cli.Run run = Cli.run("deploy", "--url", node.url(), "--from", dir.toString(), "--env", "B=2",
                "--memory-mb", "512");

        assertThat(run.exitCode()).as(run.err()).isZero();
        FakeNode.Request put = node.onlyRequest();
        assertThat(put.target()).isEqualTo("/v1/functions/hello");
        assertThat(put.json()).isEqualTo(Json.object()
                .put("language", "python").put("handler", "app.handler")
                .put("code", "def handler(event, context):\n    return 1\n")
                .put("timeoutMs", 2000).put("sandbox", "reuse").put("memoryMb", 512)
                .set("env", Json.object().put("A", "1").put("B", "2")));
    }

    @Test
    void sends_the_isolation_from_the_option_or_the_function_folder_and_refuses_unknown_ones() throws IOException {
        Path jar = write("fn.jar", "not really a jar");
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json", "{\"language\": \"java\", \"handler\": \"a.B\", \"isolation\": \"process\","
                + " \"jar\": \"" + jar + "\"}");

        Cli.Run option = Cli.run("deploy", "hello", "--url", node.url(), "--language", "java", "--handler", "a.B",
                "--jar", jar.toString(), "--isolation", "process");
        assertThat(option.exitCode()).as(option.err()).isZero();
        assertThat(node.requests().getLast().json().path("isolation").asText()).isEqualTo("process");
        Cli.Run folder = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());
        assertThat(folder.exitCode()).as(folder.err()).isZero();
        assertThat(node.requests().getLast().json().path("isolation").asText()).isEqualTo("process");
        int sent = node.requests().size();

        Cli.Run bad = Cli.run("deploy", "hello", "--url", node.url(), "--language", "java", "--handler", "a.B",
                "--jar", jar.toString(), "--isolation", "vm");
        assertThat(bad.exitCode()).isEqualTo(64);
        assertThat(bad.err()).contains("Invalid value for option '--isolation': unknown isolation 'vm'; use node or"
                + " process");
        assertThat(node.requests()).hasSize(sent);
    }

    @Test
    void sends_a_snapshot_opt_out_from_the_function_folder_and_refuses_one_that_is_not_a_boolean() throws IOException {
        Path jar = write("fn.jar", "not really a jar");
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json", "{\"language\": \"java\", \"handler\": \"a.B\", \"isolation\": \"process\","
                + " \"snapshots\": false, \"jar\": \"" + jar + "\"}");
        Cli.Run folder = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());
        assertThat(folder.exitCode()).as(folder.err()).isZero();
        assertThat(node.requests().getLast().json().path("snapshots").asBoolean(true)).isFalse();
        int sent = node.requests().size();

        write("hello/function.json", "{\"language\": \"java\", \"handler\": \"a.B\", \"snapshots\": \"no\","
                + " \"jar\": \"" + jar + "\"}");
        Cli.Run bad = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("function.json: 'snapshots' must be true or false; got \"no\"");
        assertThat(node.requests()).hasSize(sent);
    }

    @Test
    void deploys_a_function_folder_with_a_bare_handler_as_its_only_source_file() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json", "{\"language\": \"js\", \"handler\": \"main\"}");
        write("hello/action.js", "function main(params) { return params; }");
        write("hello/README.md", "not code");

        Cli.run("deploy", "--url", node.url(), "--from", dir.toString());

        JsonNode body = node.onlyRequest().json();
        assertThat(body.path("language").asText()).isEqualTo("javascript");
        assertThat(body.path("code").asText()).isEqualTo("function main(params) { return params; }");
    }

    @Test
    void deploys_a_bundle_folder_zipped_without_its_function_json() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bundled"));
        write("bundled/function.json", "{\"language\": \"javascript\", \"handler\": \"index.handler\", \"bundle\": true}");
        write("bundled/index.js", "exports.handler = () => require('dep')();");
        write("bundled/node_modules/dep/index.js", "module.exports = () => 1;");
        write("bundled/lib/function.json", "{\"kept\": true}");
        node.on("PUT", "/v1/functions/renamed", 201, DEPLOYED);

        Cli.Run run = Cli.run("deploy", "renamed", "--url", node.url(), "--from", dir.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        FakeNode.Request put = node.onlyRequest();
        assertThat(put.target()).isEqualTo("/v1/functions/renamed");
        assertThat(unzip(put.json().path("archive").asText()))
                .containsOnlyKeys("index.js", "lib/function.json", "node_modules/dep/index.js");
    }

    @Test
    void deploys_a_java_function_folder_as_the_jar_it_names() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json",
                "{\"language\": \"java\", \"handler\": \"com.acme.Echo::handleRequest\", \"jar\": \"target/echo.jar\"}");
        byte[] jar = {0x50, 0x4b, 3, 4, 9, 9};
        Files.createDirectories(dir.resolve("target"));
        Files.write(dir.resolve("target/echo.jar"), jar);

        Cli.run("deploy", "--url", node.url(), "--from", dir.toString());

        assertThat(Base64.getDecoder().decode(node.onlyRequest().json().path("archive").asText())).isEqualTo(jar);
    }

    @Test
    void names_the_missing_source_file_of_a_function_folder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json", "{\"language\": \"python\", \"handler\": \"main.handler\"}");
        write("hello/app.py", "X = 1");

        Cli.Run run = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).contains("Invalid value for option '--from': handler 'main.handler' names main.py,"
                + " which is not in " + dir + "; .py files there: [app.py]");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void sends_the_warm_up_inputs_of_a_function_folder_and_refuses_ones_that_are_not_an_array() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/index.js", "exports.handler = async (e) => e;");
        write("hello/function.json", """
                {"language": "javascript", "handler": "index.handler", "warmupInputs": [{"n": 1}, "text", 3]}""");

        Cli.Run run = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(node.onlyRequest().json().path("warmupInputs").toString()).isEqualTo("[{\"n\":1},\"text\",3]");

        write("hello/function.json", """
                {"language": "javascript", "handler": "index.handler", "warmupInputs": {"n": 1}}""");
        Cli.Run bad = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());
        assertThat(bad.exitCode()).isEqualTo(64);
        assertThat(bad.err()).contains("'warmupInputs' must be an array of events (JSON values) to replay; got"
                + " {\"n\":1}");
    }

    @Test
    void rejects_an_unknown_key_in_function_json() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hello"));
        write("hello/function.json", "{\"language\": \"js\", \"handler\": \"main\", \"timeout\": 3}");

        Cli.Run run = Cli.run("deploy", "--url", node.url(), "--from", dir.toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).contains("Invalid value for option '--from'", "unknown key(s) [timeout]; accepted: [");
    }

    @Test
    void rejects_an_unknown_language_naming_the_option() throws IOException {
        Path file = write("index.rb", "puts 1");

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "ruby", "--handler", "main",
                "--file", file.toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).startsWith("Error: Invalid value for option '--language': unknown language 'ruby';"
                + " use js, javascript, python or java");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void rejects_a_missing_file_naming_the_option() {
        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "js", "--handler", "main",
                "--file", tmp.resolve("nope.js").toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).startsWith("Error: Invalid value for option '--file': no such file: ");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void rejects_a_malformed_env_naming_the_option() throws IOException {
        Path file = write("index.js", "exports.handler = () => 1;");

        Cli.Run noEquals = Cli.run("deploy", "hello", "--url", node.url(), "--language", "js", "--handler", "main",
                "--file", file.toString(), "--env", "GREETING");
        Cli.Run badKey = Cli.run("deploy", "hello", "--url", node.url(), "--language", "js", "--handler", "main",
                "--file", file.toString(), "--env", "1X=y");

        assertThat(noEquals.exitCode()).isEqualTo(64);
        assertThat(noEquals.err()).contains("'--env'", "KEY=VALUE", "GREETING");
        assertThat(badKey.exitCode()).isEqualTo(64);
        assertThat(badKey.err()).contains("Invalid value for option '--env': '1X' is not a variable name");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void rejects_two_code_sources() throws IOException {
        Path file = write("index.js", "exports.handler = () => 1;");

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "js", "--handler", "main",
                "--file", file.toString(), "--jar", file.toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).contains("--file=F", "--jar=J", "mutually exclusive");
    }

    @Test
    void requires_language_and_handler_without_a_function_folder() throws IOException {
        Path file = write("index.js", "exports.handler = () => 1;");

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--handler", "main", "--file", file.toString());

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).contains("Missing required option: '--language=LANG'");
    }

    private Cli.Run deployHello(Path file) {
        return Cli.run("deploy", "hello", "--url", node.url(), "--language", "js", "--handler", "index.handler",
                "--file", file.toString());
    }

    private Path write(String relative, String text) throws IOException {
        Path p = tmp.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    private static Map<String, String> unzip(String base64) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(base64)))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                files.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }
}
