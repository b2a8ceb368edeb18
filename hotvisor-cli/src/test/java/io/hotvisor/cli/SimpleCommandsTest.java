package io.hotvisor.cli;

import static org.assertj.core.api.Assertions.assertThat;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SimpleCommandsTest {

    private static final String NL = System.lineSeparator();

    @RegisterExtension
    final FakeNode node = FakeNode.start();

    @Test
    void lists_functions_as_a_table() {
        node.on("GET", "/v1/functions", 200, """
                {"functions": [
                  {"name": "hello", "language": "javascript", "version": 3, "handler": "index.handler", "state": "hot"},
                  {"name": "resize-image", "language": "python", "version": 12, "handler": "app.handler"}
                ]}""");

        Cli.Run run = Cli.run("list", "--url", node.url());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(
                "NAME          LANGUAGE    VERSION  HANDLER        STATE" + NL
                + "hello         javascript  3        index.handler  hot" + NL
                + "resize-image  python      12       app.handler    -" + NL);
    }

    @Test
    void lists_functions_given_as_a_bare_array() {
        node.on("GET", "/v1/functions", 200, "[{\"name\": \"a\", \"language\": \"java\"}]");

        Cli.Run run = Cli.run("list", "--url", node.url());

        assertThat(run.out()).contains("a     java      -        -        -");
    }

    @Test
    void says_so_when_no_functions_are_deployed() {
        node.on("GET", "/v1/functions", 200, "{\"functions\": []}");

        Cli.Run run = Cli.run("list", "--url", node.url());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("No functions deployed on " + node.url() + NL);
    }

    @Test
    void prints_a_functions_logs_one_line_each_oldest_first() {
        node.on("GET", "/v1/functions/hello/logs?limit=2&invocation=inv%201", 200, """
                {"function": "hello", "dropped": 3, "lines": [
                  {"time": "2026-11-26T21:00:00Z", "version": 2, "invocationId": "inv 1", "stream": "stdout",
                   "text": "starting"},
                  {"time": "2026-11-26T21:00:01Z", "version": 2, "invocationId": "inv 1", "stream": "stderr",
                   "text": "oops", "node": "node-2"}]}""");

        Cli.Run run = Cli.run("logs", "hello", "--limit", "2", "--invocation", "inv 1", "--url", node.url());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("2026-11-26T21:00:00Z stdout inv 1 starting" + NL
                + "2026-11-26T21:00:01Z stderr node-2 inv 1 oops" + NL);
        assertThat(run.err()).isEqualTo("(3 older lines no longer kept)" + NL);
    }

    @Test
    void says_so_when_no_output_is_kept() {
        node.on("GET", "/v1/functions/quiet/logs", 200, "{\"function\": \"quiet\", \"lines\": [], \"dropped\": 0}");

        Cli.Run run = Cli.run("logs", "quiet", "--url", node.url());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("No output of quiet kept on " + node.url() + NL);
    }

    @Test
    void describes_a_function_as_pretty_json() {
        node.on("GET", "/v1/functions/hello", 200, "{\"name\":\"hello\",\"env\":{}}");

        Cli.Run run = Cli.run("describe", "hello", "--url", node.url());

        assertThat(run.out()).isEqualTo("{\n  \"name\": \"hello\",\n  \"env\": { }\n}" + NL);
    }

    @Test
    void deletes_a_function() {
        node.on("DELETE", "/v1/functions/hello", 204, "");

        Cli.Run run = Cli.run("delete", "hello", "--url", node.url());

        assertThat(run.exitCode()).isZero();
        assertThat(node.onlyRequest().method()).isEqualTo("DELETE");
        assertThat(run.out()).isEqualTo("Deleted hello" + NL);
    }

    @Test
    void shows_an_async_invocations_record() {
        node.on("GET", "/v1/invocations/inv-1", 200, "{\"id\":\"inv-1\",\"status\":\"running\"}");

        Cli.Run run = Cli.run("result", "inv-1", "--url", node.url());

        assertThat(run.out()).isEqualTo("{\n  \"id\": \"inv-1\",\n  \"status\": \"running\"\n}" + NL);
    }

    @Test
    void escapes_a_name_in_the_path() {
        Cli.run("describe", "a b/c", "--url", node.url());

        assertThat(node.onlyRequest().target()).isEqualTo("/v1/functions/a%20b%2Fc");
    }

    @Test
    void checks_health() {
        node.on("GET", "/healthz", 200, "{\"status\":\"UP\"}");

        Cli.Run run = Cli.run("health", "--url", node.url());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("{\n  \"status\": \"UP\"\n}" + NL);
    }
}
