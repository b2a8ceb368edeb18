package io.hotvisor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NodeErrorsTest {

    @RegisterExtension
    final FakeNode node = FakeNode.start();

    @Test
    void prints_the_nodes_error_for_a_4xx_and_exits_with_1() {
        node.on("GET", "/v1/functions/x", 404,
                "{\"error\":{\"type\":\"NotFound\",\"message\":\"Function 'x' not found; functions: [a, b]\"}}");

        Cli.Run run = Cli.run("describe", "x", "--url", node.url());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("Error 404 (NotFound): Function 'x' not found; functions: [a, b]"
                + System.lineSeparator());
    }

    @Test
    void prints_a_rejected_deploy_and_exits_with_1() throws IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("fn", ".js");
        node.on("PUT", "/v1/functions/hello", 400,
                "{\"error\":{\"type\":\"BadRequest\",\"message\":\"Field 'memoryMb' must be from 16 to 16384; got 1\"}}");

        Cli.Run run = Cli.run("deploy", "hello", "--url", node.url(), "--language", "js", "--handler", "main",
                "--file", file.toString(), "--memory-mb", "1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).endsWith("Error 400 (BadRequest): Field 'memoryMb' must be from 16 to 16384; got 1"
                + System.lineSeparator());
        assertThat(run.out()).isEmpty();
    }

    @Test
    void prints_a_function_error_and_exits_with_2() {
        node.on("POST", "/v1/functions/boom/invoke", 502,
                "{\"error\":{\"type\":\"FunctionError\",\"message\":\"TypeError: x is not a function\"}}");

        Cli.Run run = Cli.run("invoke", "boom", "--url", node.url());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("Error 502 (FunctionError): TypeError: x is not a function"
                + System.lineSeparator());
        assertThat(run.out()).isEmpty();
    }

    @Test
    void prints_the_raw_body_of_an_error_that_is_not_the_nodes_json() {
        node.on("GET", "/healthz", 503, "starting up");

        Cli.Run run = Cli.run("health", "--url", node.url());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("Error 503: starting up" + System.lineSeparator());
    }

    @Test
    void says_no_node_is_running_at_the_url_when_the_connection_is_refused_and_exits_with_3() throws IOException {
        String url;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            url = "http://127.0.0.1:" + s.getLocalPort();
        }

        Cli.Run run = Cli.run("list", "--url", url);

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).startsWith("Cannot reach a Hotvisor node at " + url + " (connection refused)."
                + " Is the node running?");
    }

    @Test
    void says_no_node_is_running_when_a_deploy_is_refused() throws IOException {
        String url;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            url = "http://127.0.0.1:" + s.getLocalPort();
        }
        java.nio.file.Path file = java.nio.file.Files.createTempFile("fn", ".js");

        Cli.Run run = Cli.run("deploy", "hello", "--url", url, "--language", "js", "--handler", "main",
                "--file", file.toString());

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("Cannot reach a Hotvisor node at " + url + " (connection refused)");
    }

    @Test
    void rejects_a_url_that_is_not_http() {
        Cli.Run run = Cli.run("list", "--url", "localhost:8080");

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).startsWith("Error: Invalid value for option '--url': 'localhost:8080' is not an"
                + " http(s) URL");
    }

    @Test
    void suggests_a_command_for_a_typo() {
        Cli.Run run = Cli.run("descirbe");

        assertThat(run.exitCode()).isEqualTo(64);
        assertThat(run.err()).contains("Unmatched argument at index 0: 'descirbe'", "Did you mean: hotvisor describe");
    }

    @Test
    void documents_the_exit_codes_in_every_commands_help() {
        for (String command : new String[] {"deploy", "invoke", "result", "list", "describe", "delete", "health"}) {
            Cli.Run run = Cli.run(command, "--help");

            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).as(command).contains("Exit codes:", "1    The node rejected the request (HTTP 4xx).",
                    "3    No node answered at the URL", "--url=URL");
        }
    }
}
