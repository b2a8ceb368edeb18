package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Functions deployed (over HTTP and with the CLI) survive a restart, and a crash, without redeploying. */
class RestartTest {

    /** Runs {@code bin/hotvisor} (the CLI) against a node; returns exit code and output. */
    static HotvisorCommand.Run cli(NodeProcess node, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url=http://127.0.0.1:" + node.port());
        return HotvisorCommand.run(e -> e.put("HOTVISOR_KEY", NodeProcess.ADMIN_KEY), Duration.ofMinutes(3),
                all.toArray(String[]::new));
    }

    @Test
    void finds_every_function_still_deployed_after_a_restart_and_after_a_crash() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            HotvisorCommand.Run js = cli(node, "deploy", "hello-js", "--language", "javascript", "--handler", "index.handler",
                    "--file", Fixtures.dir("javascript/lambda-async/index.js").toString());
            assertThat(js.exit()).as(js.toString()).isZero();
            HotvisorCommand.Run py = cli(node, "deploy", "hello-py", "--language", "python", "--handler", "app.handler",
                    "--dir", Fixtures.dir("python/bundle").toString());
            assertThat(py.exit()).as(py.toString()).isZero();
            http.deployArchive("hello-java", "java", "fixtures.LambdaGreeter::handleRequest", Fixtures.javaJar(),
                    Map.of("timeoutMs", 5000, "env", Map.of("GREETING", "hi")));
            http.deploySource("hello-js", "javascript", "index.handler",
                    Fixtures.text("javascript/lambda-sync/index.js"), Map.of()); // version 2

            node.restart();
            assertAllServe(node, "lambda-sync");

            node.kill();
            node.restart();
            assertAllServe(node, "lambda-sync");
            assertThat(node.http().get("/v1/functions/hello-java").json().path("timeoutMs").asInt()).isEqualTo(5000);
            assertThat(node.http().get("/v1/functions/hello-java").json().path("env").path("GREETING").asText())
                    .isEqualTo("hi");

            HotvisorCommand.Run invoked = cli(node, "invoke", "hello-py", "--data", "{\"name\":\"Ada\"}");
            assertThat(invoked.exit()).as(invoked.toString()).isZero();
            assertThat(invoked.stdout()).contains("Hello Ada");
            HotvisorCommand.Run unknown = cli(node, "invoke", "nope");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.stderr()).contains("404", "Function 'nope' not found");
        }
    }

    private static void assertAllServe(NodeProcess node, String jsShape) {
        Http http = node.http();
        assertThat(Http.names(http.get("/v1/functions").json().path("functions")))
                .contains("hello-js", "hello-py", "hello-java");
        assertThat(http.get("/v1/functions/hello-js").json().path("version").asInt()).isEqualTo(2);
        for (String f : List.of("hello-js", "hello-py", "hello-java")) {
            Http.Response r = http.invoke(f, "{\"name\":\"Ada\"}");
            assertThat(r.status()).as(f + ": " + r).isEqualTo(200);
            assertThat(r.json().path("greeting").asText()).isEqualTo("Hello Ada");
        }
        assertThat(http.invoke("hello-js", "{\"name\":\"Ada\"}").json().path("shape").asText()).isEqualTo(jsShape);
    }
}
