package io.hotvisor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code invoke} sends an invocation again when the node (or gateway) answers 503 with {@code Retry-After}: a node
 * still loading the function ran nothing. Against a real HTTP server on loopback ({@link FakeNode}); most replies ask
 * for {@code Retry-After: 0} so the test does not sleep.
 */
class InvokeRetryTest {

    private static final String NL = System.lineSeparator();
    private static final String PATH = "/v1/functions/hello/invoke";
    private static final String LOADING = "{\"error\":{\"type\":\"FunctionLoading\",\"message\":\"Function 'hello' is"
            + " not ready yet: its copy is still loading on this node\"}}";
    private static final String LOADING_ERROR = "Error 503 (FunctionLoading): Function 'hello' is not ready yet: its"
            + " copy is still loading on this node";

    @RegisterExtension
    final FakeNode node = FakeNode.start();

    private FakeNode loading(String path, int times, String retryAfter) {
        for (int i = 0; i < times; i++) {
            node.on("POST", path, 503, LOADING, Map.of("Retry-After", retryAfter));
        }
        return node;
    }

    private int posts() {
        return (int) node.requests().stream().filter(r -> r.method().equals("POST")).count();
    }

    @Test
    void retries_a_503_with_retry_after_and_prints_the_result_once_it_is_served() {
        loading(PATH, 2, "0").on("POST", PATH, 200, "{\"ok\":true}", Map.of("X-Hotvisor-Invocation-Id", "inv-3"));

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--data", "{\"n\":1}");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(node.requests()).hasSize(3).allSatisfy(r -> {
            assertThat(r.target()).isEqualTo(PATH);
            assertThat(r.body()).isEqualTo("{\"n\":1}");
        });
        assertThat(run.out()).isEqualTo("{\n  \"ok\": true\n}" + NL);
        assertThat(run.err()).isEqualTo("Retry 1 of 3 in 0 s: " + LOADING_ERROR + NL
                + "Retry 2 of 3 in 0 s: " + LOADING_ERROR + NL
                + "Invocation inv-3 done" + NL);
    }

    @Test
    void waits_what_retry_after_asks_before_the_retry() {
        loading(PATH, 1, "1").on("POST", PATH, 200, "{\"ok\":true}");

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(posts()).isEqualTo(2);
        assertThat(run.err()).startsWith("Retry 1 of 3 in 1 s: " + LOADING_ERROR + NL);
    }

    @Test
    void gives_up_after_the_retries_and_reports_the_last_error_with_the_attempts() {
        loading(PATH, 1, "0").on("POST", PATH, 503, LOADING.replace("on this node", "on node 7"),
                Map.of("Retry-After", "0"));

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--retries", "2");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.SERVER_ERROR);
        assertThat(posts()).isEqualTo(3);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("Retry 1 of 2 in 0 s: " + LOADING_ERROR + NL
                + "Retry 2 of 2 in 0 s: " + LOADING_ERROR.replace("on this node", "on node 7") + NL
                + LOADING_ERROR.replace("on this node", "on node 7") + NL
                + "Gave up after 3 attempts (2 retries, --retries 2), having waited 0 s in all as the node's"
                + " Retry-After asked." + NL);
    }

    @Test
    void zero_retries_turns_retrying_off() {
        loading(PATH, 1, "0").on("POST", PATH, 200, "{\"ok\":true}");

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--retries", "0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.SERVER_ERROR);
        assertThat(posts()).isEqualTo(1);
        assertThat(run.err()).isEqualTo(LOADING_ERROR + NL);
    }

    @Test
    void a_503_without_retry_after_or_another_status_with_it_is_not_retried() {
        node.on("POST", PATH, 503, "{\"error\":{\"type\":\"ClusterUnavailable\",\"message\":\"Redis is down\"}}")
                .on("POST", PATH, 200, "{\"ok\":true}");

        Cli.Run unavailable = Cli.run("invoke", "hello", "--url", node.url());

        assertThat(unavailable.exitCode()).isEqualTo(ExitCodes.SERVER_ERROR);
        assertThat(unavailable.err()).isEqualTo("Error 503 (ClusterUnavailable): Redis is down" + NL);
        assertThat(posts()).isEqualTo(1);

        node.on("POST", "/v1/functions/busy/invoke", 429,
                "{\"error\":{\"type\":\"Overloaded\",\"message\":\"Queue full\"}}", Map.of("Retry-After", "0"))
                .on("POST", "/v1/functions/busy/invoke", 200, "{\"ok\":true}");
        Cli.Run overloaded = Cli.run("invoke", "busy", "--url", node.url());

        assertThat(overloaded.exitCode()).isEqualTo(ExitCodes.CLIENT_ERROR);
        assertThat(overloaded.err()).isEqualTo("Error 429 (Overloaded): Queue full" + NL);
        assertThat(posts()).isEqualTo(2);
    }

    @Test
    void retries_the_submit_of_an_async_invocation_too() {
        loading(PATH + "?mode=async", 1, "0").on("POST", PATH + "?mode=async", 202, "{\"id\":\"inv-9\"}");

        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--async");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(posts()).isEqualTo(2);
        assertThat(run.out()).isEqualTo("inv-9" + NL);
    }

    @Test
    void rejects_negative_retries_naming_the_option() {
        Cli.Run run = Cli.run("invoke", "hello", "--url", node.url(), "--retries", "-1");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).startsWith("Error: Invalid value for option '--retries': must be 0 or more (0: no"
                + " retries); got -1");
        assertThat(node.requests()).isEmpty();
    }

    @Test
    void the_wait_is_the_retry_after_from_zero_to_ten_seconds_and_one_second_when_unreadable() {
        Instant now = Instant.parse("2026-11-24T18:00:00Z");
        assertThat(NodeClient.retryWait("1", now)).isEqualTo(Duration.ofSeconds(1));
        assertThat(NodeClient.retryWait(" 4 ", now)).isEqualTo(Duration.ofSeconds(4));
        assertThat(NodeClient.retryWait("0", now)).isEqualTo(Duration.ZERO);
        assertThat(NodeClient.retryWait("120", now)).isEqualTo(NodeClient.MAX_RETRY_WAIT);
        assertThat(NodeClient.retryWait("Tue, 24 Nov 2026 18:00:03 GMT", now)).isEqualTo(Duration.ofSeconds(3));
        assertThat(NodeClient.retryWait("Tue, 24 Nov 2026 17:59:00 GMT", now)).as("a date past")
                .isEqualTo(Duration.ZERO);
        assertThat(NodeClient.retryWait("soon", now)).isEqualTo(Duration.ofSeconds(1));
        assertThat(NodeClient.retryWait("-3", now)).isEqualTo(Duration.ofSeconds(1));
    }
}
