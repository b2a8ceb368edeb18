package io.hotvisor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class InvokeCommandTest {

    private static final String NL = System.lineSeparator();

    @RegisterExtension
    final FakeNode node = FakeNode.start();

    @BeforeEach
    void scriptNode() {
        node.on("POST", "/v1/functions/hello/invoke", 200, "{\"greeting\":\"hi Ada\",\"n\":0.1}",
                Map.of("X-Hotvisor-Invocation-Id", "inv-1", "X-Hotvisor-Duration-Us", "1234"));
    }

    @Test
    void posts_the_event_and_prints_the_result_as_pretty_json_and_the_id_and_duration_to_stderr() {
        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--data", "{\"name\": \"Ada\"}");

        assertThat(run.exitCode()).isZero();
        FakeNode.Request post = node.onlyRequest();
        assertThat(post.method()).isEqualTo("POST");
        assertThat(post.target()).isEqualTo("/v1/functions/hello/invoke");
        assertThat(post.body()).isEqualTo("{\"name\":\"Ada\"}");
        assertThat(run.out()).isEqualTo("{\n  \"greeting\": \"hi Ada\",\n  \"n\": 0.1\n}" + NL);
        assertThat(run.err()).isEqualTo("Invocation inv-1 took 1.234 ms" + NL);
    }

    @Test
    void sends_an_empty_object_without_data() {
        Cli.run("invoke", "hello", "--url", node.url());

        assertThat(node.onlyRequest().body()).isEqualTo("{}");
    }

    @Test
    void reads_the_event_from_stdin_for_a_dash() {
        Cli.runWithStdin("{\"from\": \"stdin\"}\n", "invoke", "hello", "--url", node.url(), "--data", "-");

        assertThat(node.onlyRequest().body()).isEqualTo("{\"from\":\"stdin\"}");
    }

    @Test
    void reads_the_event_from_a_file(@TempDir Path tmp) throws IOException {
        Path event = Files.writeString(tmp.resolve("event.json"), "[1, 2, 3]");

        Cli.run("invoke", "hello", "--url", node.url(), "--data-file", event.toString());

        assertThat(node.onlyRequest().body()).isEqualTo("[1,2,3]");
    }

    @Test
    void rejects_an_event_that_is_not_json_naming_the_option() {
        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--data", "{name: Ada");

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).startsWith("Error: Invalid value for option '--data': the event is not JSON: {name: Ada");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void queues_an_async_invocation_and_prints_its_id() {
        node.on("POST", "/v1/functions/hello/invoke?mode=async", 202, "{\"id\":\"inv-42\"}");

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--async", "--data", "{}");

        assertThat(run.exitCode()).isZero();
        assertThat(node.onlyRequest().target()).isEqualTo("/v1/functions/hello/invoke?mode=async");
        assertThat(run.out()).isEqualTo("inv-42" + NL);
    }

    @Test
    void waits_for_an_async_invocation_by_polling_until_it_is_done() {
        node.on("POST", "/v1/functions/hello/invoke?mode=async", 202, "{\"id\":\"inv-42\"}")
                .on("GET", "/v1/invocations/inv-42", 200, "{\"id\":\"inv-42\",\"status\":\"queued\"}")
                .on("GET", "/v1/invocations/inv-42", 200, "{\"id\":\"inv-42\",\"status\":\"running\"}")
                .on("GET", "/v1/invocations/inv-42", 200,
                        "{\"id\":\"inv-42\",\"status\":\"succeeded\",\"result\":{\"ok\":true}}");

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--async", "--wait");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(node.requests()).extracting(FakeNode.Request::target).containsExactly(
                "/v1/functions/hello/invoke?mode=async", "/v1/invocations/inv-42", "/v1/invocations/inv-42",
                "/v1/invocations/inv-42");
        assertThat(run.out()).isEqualTo("{\n  \"ok\": true\n}" + NL);
    }

    @Test
    void prints_the_error_of_a_failed_async_invocation_and_exits_with_2() {
        node.on("POST", "/v1/functions/hello/invoke?mode=async", 202, "{\"id\":\"inv-7\"}")
                .on("GET", "/v1/invocations/inv-7", 200, "{\"id\":\"inv-7\",\"status\":\"failed\","
                        + "\"error\":{\"type\":\"Timeout\",\"message\":\"Function 'hello' timed out after 3000 ms\"}}");

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--wait");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("(Timeout): Function 'hello' timed out after 3000 ms");
        assertThat(run.out()).isEmpty();
    }
}
