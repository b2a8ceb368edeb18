package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The gateway's memory of nodes that answered 503 FunctionLoading, on a fake clock. */
class LoadingNodesTest {
    private static final String FN = "default/resize";
    private static final Optional<String> RETRY_1S = Optional.of("1");

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LoadingNodes loading = new LoadingNodes(nanos::get);

    private static NodeInfo node(String id, String... functions) {
        return new NodeInfo(id, "http://" + id, true, Instant.EPOCH, 0, List.of(functions));
    }

    private static final NodeInfo A = node("a");
    private static final NodeInfo B = node("b");
    private static final NodeInfo C = node("c");

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private List<String> order(List<NodeInfo> candidates) {
        try (LoadingNodes.Route r = loading.order(FN, candidates)) {
            return ids(r);
        }
    }

    private static List<String> ids(LoadingNodes.Route r) {
        return r.nodes().stream().map(NodeInfo::id).toList();
    }

    @Test
    void without_a_loading_answer_the_placement_order_is_kept() {
        assertThat(order(List.of(B, A, C))).containsExactly("b", "a", "c");
    }

    @Test
    void a_node_that_answered_loading_goes_behind_the_others_for_its_retry_after() {
        loading.loading(FN, 3, "b", RETRY_1S);

        assertThat(order(List.of(B, A, C))).containsExactly("a", "c", "b");
        assertThat(order(List.of(B, A, C))).as("every invocation, not the next one only")
                .containsExactly("a", "c", "b");
        assertThat(loading.order("default/other", List.of(B, A)).nodes()).as("another function")
                .containsExactly(B, A);
        advance(Duration.ofMillis(999));
        assertThat(order(List.of(B, A, C))).containsExactly("a", "c", "b");
    }

    @Test
    void when_every_candidate_is_loading_all_are_still_tried_in_their_order() {
        loading.loading(FN, 3, "b", RETRY_1S);
        loading.loading(FN, 3, "a", RETRY_1S);

        assertThat(order(List.of(B, A))).containsExactly("b", "a");
        assertThat(order(List.of(B, A, C))).containsExactly("c", "b", "a");
    }

    @Test
    void after_the_memory_one_invocation_at_a_time_probes_the_node_in_its_place() {
        loading.loading(FN, 3, "b", RETRY_1S);
        advance(Duration.ofSeconds(1));

        LoadingNodes.Route probe = loading.order(FN, List.of(B, A));
        assertThat(ids(probe)).as("the probe").containsExactly("b", "a");
        assertThat(order(List.of(B, A))).as("while the probe is out").containsExactly("a", "b");
        assertThat(loading.of(FN).get("b").probing()).isTrue();

        // The probe was answered FunctionLoading again: a new memory, from now.
        loading.loading(FN, 3, "b", RETRY_1S);
        probe.close();
        assertThat(order(List.of(B, A))).containsExactly("a", "b");
        advance(Duration.ofSeconds(1));
        assertThat(order(List.of(B, A))).as("the next probe").containsExactly("b", "a");
    }

    @Test
    void a_node_that_serves_the_function_is_forgotten() {
        loading.loading(FN, 3, "b", RETRY_1S);
        loading.served(FN, "b");

        assertThat(order(List.of(B, A))).containsExactly("b", "a");
        assertThat(loading.of(FN)).isEmpty();
    }

    @Test
    void a_heartbeat_listing_the_version_remembered_or_a_later_one_ends_the_memory() {
        loading.loading(FN, 3, "b", RETRY_1S);

        loading.members(List.of(A, node("b", "default/resize@2", "default/other@9")));
        assertThat(order(List.of(B, A))).as("an older version: still loading").containsExactly("a", "b");
        loading.members(List.of(A, node("b", "default/resize@3")));
        assertThat(order(List.of(B, A))).containsExactly("b", "a");
        assertThat(loading.of(FN)).isEmpty();

        loading.loading(FN, 3, "b", RETRY_1S);
        loading.members(List.of(A, node("b", "default/resize@4")));
        assertThat(loading.of(FN)).isEmpty();
    }

    @Test
    void a_node_gone_from_the_members_is_forgotten_and_so_is_a_memory_long_run_out() {
        loading.loading(FN, 3, "b", RETRY_1S);
        loading.loading(FN, 3, "c", RETRY_1S);

        loading.members(List.of(A, B));
        assertThat(loading.of(FN)).containsOnlyKeys("b");
        advance(Duration.ofSeconds(1).plus(LoadingNodes.MAX_MEMORY));
        loading.members(List.of(A, B));
        assertThat(loading.of(FN)).containsOnlyKeys("b");
        advance(Duration.ofMillis(1));
        loading.members(List.of(A, B));
        assertThat(loading.of(FN)).isEmpty();
    }

    @Test
    void what_is_remembered_is_reported_per_node() {
        loading.loading(FN, 7, "b", Optional.of("5"));
        advance(Duration.ofSeconds(2));

        assertThat(loading.of(FN)).containsExactly(
                java.util.Map.entry("b", new LoadingNodes.Remembered(7, 3_000, false)));
    }

    @Test
    void the_memory_is_the_retry_after_bounded_and_one_second_when_unreadable() {
        assertThat(LoadingNodes.memoryLength(Optional.of("1"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(LoadingNodes.memoryLength(Optional.of(" 12 "))).isEqualTo(Duration.ofSeconds(12));
        assertThat(LoadingNodes.memoryLength(Optional.of("0"))).isEqualTo(Duration.ZERO);
        assertThat(LoadingNodes.memoryLength(Optional.of("3600"))).isEqualTo(LoadingNodes.MAX_MEMORY);
        assertThat(LoadingNodes.memoryLength(Optional.of("99999999999"))).as("too many digits")
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(LoadingNodes.memoryLength(Optional.of("-5"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(LoadingNodes.memoryLength(Optional.of("Wed, 21 Oct 2026 07:28:00 GMT")))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(LoadingNodes.memoryLength(Optional.empty())).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void a_zero_retry_after_still_lets_only_one_probe_through_at_a_time() {
        loading.loading(FN, 3, "b", Optional.of("0"));

        try (LoadingNodes.Route probe = loading.order(FN, List.of(B, A))) {
            assertThat(ids(probe)).containsExactly("b", "a");
            assertThat(order(List.of(B, A))).containsExactly("a", "b");
        }
        assertThat(order(List.of(B, A))).as("the probe is over").containsExactly("b", "a");
    }
}
