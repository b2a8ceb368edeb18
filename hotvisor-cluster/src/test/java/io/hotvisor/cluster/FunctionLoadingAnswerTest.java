package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Which node answers the gateway passes over for the next node: only "still loading, did not run". */
class FunctionLoadingAnswerTest {
    private static byte[] error(String type) {
        return ("{\"error\":{\"type\":\"" + type + "\",\"message\":\"m\"}}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void only_a_503_function_loading_answer_counts_as_not_run() {
        assertThat(Gateway.functionLoading(503, error("FunctionLoading"))).isTrue();
    }

    @Test
    void other_5xx_answers_may_come_after_the_function_ran_and_do_not_count() {
        assertThat(Gateway.functionLoading(503, error("FunctionUnavailable"))).isFalse();
        assertThat(Gateway.functionLoading(503, error("Cancelled"))).isFalse();
        assertThat(Gateway.functionLoading(502, error("FunctionLoading"))).as("not a 503").isFalse();
        assertThat(Gateway.functionLoading(504, error("Timeout"))).isFalse();
        assertThat(Gateway.functionLoading(200, "{\"v\":1}".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void a_503_body_that_is_not_the_nodes_error_shape_does_not_count() {
        assertThat(Gateway.functionLoading(503, "Service Unavailable".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(Gateway.functionLoading(503, new byte[0])).isFalse();
        assertThat(Gateway.functionLoading(503, "{\"type\":\"FunctionLoading\"}".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
    }
}
