package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * Warmth-aware routing ({@link Placement} with {@code warmthAware}) on synthetic heartbeats: which node each request
 * goes to, with requests held "in flight" by not finishing them.
 */
class WarmthPlacementTest {
    private static final String FN = "default/f";
    private static final int RAMP = 40;

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final Placement warmth = new Placement(millis::get, true, RAMP);
    private final Placement hash = new Placement(millis::get, false, RAMP);

    /** A node holding {@code FN} at version 1 that reports it {@code state} ({@code null}: reports no warmth). */
    private static NodeInfo node(String id, String state) {
        Map<String, NodeInfo.Warmth> w = state == null ? Map.of()
                : Map.of(FN, new NodeInfo.Warmth(state, "hot".equals(state) ? 1_000_000 : 0));
        return new NodeInfo(id, "http://127.0.0.1/" + id, true, Instant.EPOCH, 0, List.of(FN + "@1"), w);
    }

    /** Node ids in {@code FN}'s hash order, best first. */
    private static List<String> hashOrder(String... ids) {
        List<String> out = new ArrayList<>(List.of(ids));
        out.sort(Comparator.comparingLong((String id) -> Placement.score(FN, id)).reversed());
        return out;
    }

    /** Sends one request that stays in flight; returns the node it went to. */
    private static String send(Placement p, List<NodeInfo> live) {
        String id = p.order(FN, 1, live).get(0).id();
        p.started(FN, id);
        return id;
    }

    /** How many of {@code n} further requests held in flight go to each node. */
    private static Map<String, Integer> sendMany(Placement p, List<NodeInfo> live, int n) {
        Map<String, Integer> count = new HashMap<>();
        for (int i = 0; i < n; i++) {
            count.merge(send(p, live), 1, Integer::sum);
        }
        return count;
    }

    private static void finishAll(Placement p, Map<String, Integer> sent, boolean served) {
        sent.forEach((id, n) -> {
            for (int i = 0; i < n; i++) {
                p.finished(FN, id, served);
            }
        });
    }

    @Test
    void prefers_a_hot_node_to_the_first_node_in_hash_order() {
        List<String> ids = hashOrder("node-1", "node-2", "node-3");
        String first = ids.get(0);
        String hot = ids.get(2);
        List<NodeInfo> live = List.of(node(ids.get(0), "cold"), node(ids.get(1), "cold"), node(hot, "hot"));
        for (int i = 0; i < 30; i++) {
            assertThat(warmth.order(FN, 1, live).get(0).id()).isEqualTo(hot);
            assertThat(hash.order(FN, 1, live).get(0).id()).as("off: the hash order").isEqualTo(first);
        }
        assertThat(warmth.order(FN, 1, live)).extracting(NodeInfo::id).as("every node stays listed for retries")
                .containsExactly(hot, ids.get(0), ids.get(1));
    }

    @Test
    void orders_hot_then_warming_then_cold_or_silent() {
        List<String> ids = hashOrder("node-1", "node-2", "node-3", "node-4");
        List<NodeInfo> live = List.of(node(ids.get(0), null), node(ids.get(1), "cold"), node(ids.get(2), "warming"),
                node(ids.get(3), "hot"));
        assertThat(warmth.order(FN, 1, live)).extracting(NodeInfo::id)
                .containsExactly(ids.get(3), ids.get(2), ids.get(0), ids.get(1));
    }

    @Test
    void ignores_warmth_reported_for_another_version() {
        List<String> ids = hashOrder("node-1", "node-2");
        NodeInfo oldHot = new NodeInfo(ids.get(1), "http://x", true, Instant.EPOCH, 0, List.of(FN + "@1"),
                Map.of(FN, new NodeInfo.Warmth("hot", 1_000_000)));
        NodeInfo newCold = new NodeInfo(ids.get(0), "http://y", true, Instant.EPOCH, 0, List.of(FN + "@2"),
                Map.of(FN, new NodeInfo.Warmth("cold", 0)));
        assertThat(warmth.order(FN, 2, List.of(newCold, oldHot)).get(0).id())
                .as("hot at version 1 says nothing of version 2").isEqualTo(ids.get(0));
        assertThat(warmth.order(FN, 1, List.of(newCold, oldHot)).get(0).id()).isEqualTo(ids.get(1));
    }

    @Test
    void a_hot_node_at_its_load_limit_sends_the_next_request_to_a_cold_node() {
        List<String> ids = hashOrder("node-1", "node-2");
        String cold = ids.get(0);
        String hot = ids.get(1);
        List<NodeInfo> live = List.of(node(cold, "cold"), node(hot, "hot"));
        Map<String, Integer> first = sendMany(warmth, live, Placement.GROW_AT);
        assertThat(first).containsExactly(Map.entry(hot, Placement.GROW_AT));
        assertThat(send(warmth, live)).as("the hot node has %d in flight", Placement.GROW_AT).isEqualTo(cold);
        assertThat(warmth.width(FN)).isEqualTo(2);
    }

    @Test
    void gives_a_cold_node_a_share_that_grows_as_it_serves_up_to_a_fair_one() {
        List<String> ids = hashOrder("node-1", "node-2");
        String cold = ids.get(0);
        String hot = ids.get(1);
        List<NodeInfo> live = List.of(node(cold, "cold"), node(hot, "hot"));

        Map<String, Integer> start = sendMany(warmth, live, 40);
        assertThat(warmth.weight(FN, cold)).isEqualTo(Placement.FIRST_SHARE);
        assertThat(start.get(cold)).as("a quarter share at first: %s", start).isBetween(6, 10);
        finishAll(warmth, start, true); // the cold node has served start.get(cold) invocations

        Map<String, Integer> middle = sendMany(warmth, live, 40);
        assertThat(warmth.weight(FN, cold)).isGreaterThan(Placement.FIRST_SHARE).isLessThan(1.0);
        assertThat(middle.get(cold)).as("more as it has served: %s after %s", middle, start)
                .isGreaterThan(start.get(cold)).isLessThan(middle.get(hot));
        finishAll(warmth, middle, true);

        for (int i = 0; i < RAMP; i++) { // it still reports cold (a stale heartbeat): the ramp counts anyway
            warmth.started(FN, cold);
            warmth.finished(FN, cold, true);
        }
        Map<String, Integer> end = sendMany(warmth, live, 40);
        assertThat(warmth.weight(FN, cold)).isEqualTo(1.0);
        assertThat(end).as("a fair share after the ramp").containsEntry(cold, 20).containsEntry(hot, 20);
    }

    @Test
    void failed_invocations_do_not_count_towards_the_ramp() {
        List<String> ids = hashOrder("node-1", "node-2");
        List<NodeInfo> live = List.of(node(ids.get(0), "cold"), node(ids.get(1), "hot"));
        warmth.order(FN, 1, live);
        for (int i = 0; i < 2 * RAMP; i++) {
            warmth.started(FN, ids.get(0));
            warmth.finished(FN, ids.get(0), false);
        }
        warmth.order(FN, 1, live);
        assertThat(warmth.weight(FN, ids.get(0))).isEqualTo(Placement.FIRST_SHARE);
    }

    @Test
    void a_node_reported_hot_gets_a_full_share_at_once() {
        List<String> ids = hashOrder("node-1", "node-2");
        String other = ids.get(0);
        String hot = ids.get(1);
        sendMany(warmth, List.of(node(other, "warming"), node(hot, "hot")), 8);
        assertThat(warmth.weight(FN, other)).isEqualTo(Placement.FIRST_SHARE);
        Map<String, Integer> next = sendMany(warmth, List.of(node(other, "hot"), node(hot, "hot")), 8);
        assertThat(warmth.weight(FN, other)).isEqualTo(1.0);
        assertThat(next.get(other)).as("it catches up: %s", next).isGreaterThanOrEqualTo(5);
    }

    @Test
    void starts_the_ramp_again_when_a_node_reports_cold_after_being_warmer() {
        List<String> ids = hashOrder("node-1", "node-2");
        String node = ids.get(0);
        List<NodeInfo> live = List.of(node(node, "warming"), node(ids.get(1), "hot"));
        warmth.order(FN, 1, live);
        for (int i = 0; i < RAMP; i++) {
            warmth.started(FN, node);
            warmth.finished(FN, node, true);
        }
        warmth.order(FN, 1, live);
        assertThat(warmth.weight(FN, node)).isEqualTo(1.0);
        warmth.order(FN, 1, List.of(node(node, "cold"), node(ids.get(1), "hot"))); // restarted
        assertThat(warmth.weight(FN, node)).isEqualTo(Placement.FIRST_SHARE);
    }

    @Test
    void serves_a_function_no_node_runs_hot_and_grows_onto_the_others_under_load() {
        List<String> ids = hashOrder("node-1", "node-2", "node-3");
        List<NodeInfo> live = List.of(node(ids.get(0), "warming"), node(ids.get(1), "cold"), node(ids.get(2), "cold"));
        assertThat(warmth.order(FN, 1, live).get(0).id()).isEqualTo(ids.get(0));
        Map<String, Integer> sent = sendMany(warmth, live, 60);
        assertThat(sent.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
        assertThat(sent.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(sent.get(ids.get(0))).as("the warming node first: %s", sent)
                .isGreaterThanOrEqualTo(sent.get(ids.get(1))).isGreaterThanOrEqualTo(sent.get(ids.get(2)));
    }

    @Test
    void off_routes_exactly_as_without_warmth() {
        List<String> ids = hashOrder("node-1", "node-2", "node-3");
        List<NodeInfo> reporting = List.of(node(ids.get(0), "cold"), node(ids.get(1), "warming"),
                node(ids.get(2), "hot"));
        List<NodeInfo> silent = List.of(node(ids.get(0), null), node(ids.get(1), null), node(ids.get(2), null));
        Placement reference = new Placement(millis::get, true, RAMP); // warmth-aware, but nobody reports warmth
        Map<String, Integer> off = new LinkedHashMap<>();
        Map<String, Integer> without = new LinkedHashMap<>();
        List<String> offSequence = new ArrayList<>();
        List<String> withoutSequence = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String a = send(hash, reporting);
            String b = send(reference, silent);
            offSequence.add(a);
            withoutSequence.add(b);
            off.merge(a, 1, Integer::sum);
            without.merge(b, 1, Integer::sum);
        }
        assertThat(offSequence).isEqualTo(withoutSequence);
        assertThat(offSequence.get(0)).isEqualTo(ids.get(0));
        assertThat(hash.policy()).isEqualTo("hash");
        assertThat(warmth.policy()).isEqualTo("warmth");
    }

    @Test
    void refuses_a_ramp_under_one_invocation_and_is_on_by_default() {
        assertThatThrownBy(() -> new Placement(millis::get, true, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The warmth ramp must be at least 1 invocation; got 0");
        GatewayConfig config = GatewayConfig.create("127.0.0.1", 0, java.net.URI.create("redis://127.0.0.1:6379"),
                "hotvisor", "");
        assertThat(config.warmthRouting()).as("on by default").isTrue();
        assertThat(config.warmthRamp()).isEqualTo(Placement.DEFAULT_RAMP);
        assertThat(config.withWarmthRouting(false, 7))
                .extracting(GatewayConfig::warmthRouting, GatewayConfig::warmthRamp).containsExactly(false, 7);
        assertThatThrownBy(() -> config.withWarmthRouting(true, -3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The warmth ramp (--warmth-ramp) must be at least 1 invocation; got -3");
    }
}
