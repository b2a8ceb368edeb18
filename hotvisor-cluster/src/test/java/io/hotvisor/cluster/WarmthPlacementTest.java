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

    /** How many of {@code n} requests in a row, each over before the next (no load), go to each node. */
    private static Map<String, Integer> inTurn(Placement p, List<NodeInfo> live, int n) {
        Map<String, Integer> count = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = send(p, live);
            p.finished(FN, id, false);
            count.merge(id, 1, Integer::sum);
        }
        return count;
    }

    private static void serve(Placement p, String node, int n) {
        for (int i = 0; i < n; i++) {
            p.started(FN, node);
            p.finished(FN, node, true);
        }
    }

    private static void finishAll(Placement p, Map<String, Integer> sent, boolean served) {
        sent.forEach((id, n) -> {
            for (int i = 0; i < n; i++) {
                p.finished(FN, id, served);
            }
        });
    }

    @Test
    void prefers_a_hot_node_and_gives_the_cold_hash_home_a_quarter_of_its_share() {
        List<String> ids = hashOrder("node-1", "node-2", "node-3");
        String home = ids.get(0);
        String hot = ids.get(2);
        List<NodeInfo> live = List.of(node(home, "cold"), node(ids.get(1), "cold"), node(hot, "hot"));
        assertThat(inTurn(warmth, live, 30)).as("one in five to the home, none to the other cold node")
                .containsOnly(Map.entry(hot, 24), Map.entry(home, 6));
        assertThat(inTurn(hash, live, 30)).as("off: all to the hash home").containsOnly(Map.entry(home, 30));
        assertThat(warmth.order(FN, 1, live)).extracting(NodeInfo::id).as("every node stays listed for retries")
                .containsExactlyInAnyOrder(hot, home, ids.get(1));
    }

    @Test
    void lists_the_chosen_node_then_the_rest_hot_then_warming_then_cold_or_silent() {
        List<String> ids = hashOrder("node-1", "node-2", "node-3", "node-4");
        List<NodeInfo> live = List.of(node(ids.get(0), null), node(ids.get(1), "cold"), node(ids.get(2), "warming"),
                node(ids.get(3), "hot"));
        assertThat(warmth.order(FN, 1, live)).extracting(NodeInfo::id).as("the hot node, the home, then by warmth")
                .containsExactly(ids.get(3), ids.get(0), ids.get(2), ids.get(1));
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
        List<String> ids = hashOrder("node-1", "node-2", "node-3");
        String hot = ids.get(0);
        List<NodeInfo> live = List.of(node(hot, "hot"), node(ids.get(1), "cold"), node(ids.get(2), "cold"));
        assertThat(sendMany(warmth, live, Placement.GROW_AT)).containsOnly(Map.entry(hot, Placement.GROW_AT));
        assertThat(send(warmth, live)).as("the hot node has %d in flight", Placement.GROW_AT).isEqualTo(ids.get(1));
        assertThat(warmth.width(FN)).isEqualTo(2);
        assertThat(send(warmth, live)).as("the cold node's limit is a quarter of %d", Placement.GROW_AT)
                .isEqualTo(hot);
    }

    @Test
    void under_load_gives_a_cold_node_a_share_that_grows_as_it_serves() {
        List<String> ids = hashOrder("node-1", "node-2");
        String hot = ids.get(0);
        String cold = ids.get(1);
        List<NodeInfo> live = List.of(node(hot, "hot"), node(cold, "cold"));

        Map<String, Integer> start = sendMany(warmth, live, 40);
        assertThat(warmth.weight(FN, cold)).isEqualTo(Placement.FIRST_SHARE);
        assertThat(start.get(cold)).as("about a fifth at first: %s", start).isBetween(6, 10);
        finishAll(warmth, start, true);

        Map<String, Integer> middle = sendMany(warmth, live, 40);
        assertThat(warmth.weight(FN, cold)).isGreaterThan(Placement.FIRST_SHARE).isLessThan(1.0);
        assertThat(middle.get(cold)).as("more once it has served: %s after %s", middle, start)
                .isGreaterThan(start.get(cold)).isLessThan(middle.get(hot));
        finishAll(warmth, middle, true);

        serve(warmth, cold, RAMP); // it still reports cold (a stale heartbeat): the ramp counts anyway
        Map<String, Integer> end = sendMany(warmth, live, 40);
        assertThat(warmth.weight(FN, cold)).isEqualTo(1.0);
        assertThat(end).as("a fair share after the ramp").containsOnly(Map.entry(hot, 20), Map.entry(cold, 20));
    }

    @Test
    void moves_a_function_to_its_cold_hash_home_gradually_as_the_home_serves() {
        List<String> ids = hashOrder("node-1", "node-2");
        String home = ids.get(0);
        String hot = ids.get(1);
        List<NodeInfo> live = List.of(node(home, "cold"), node(hot, "hot"));
        Map<String, Integer> first = inTurn(warmth, live, 20);
        assertThat(first).containsOnly(Map.entry(hot, 16), Map.entry(home, 4));
        serve(warmth, home, RAMP / 2);
        Map<String, Integer> half = inTurn(warmth, live, 20);
        assertThat(half.get(home)).as("%s after %s", half, first).isBetween(6, 9);
        serve(warmth, home, RAMP / 2);
        assertThat(inTurn(warmth, live, 20)).containsOnly(Map.entry(hot, 10), Map.entry(home, 10));
        assertThat(inTurn(warmth, List.of(node(home, "hot"), node(hot, "hot")), 20))
                .as("hot at home: all of it there").containsOnly(Map.entry(home, 20));
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
        String home = ids.get(0);
        String hot = ids.get(1);
        assertThat(inTurn(warmth, List.of(node(home, "warming"), node(hot, "hot")), 10))
                .containsOnly(Map.entry(hot, 8), Map.entry(home, 2));
        assertThat(warmth.weight(FN, home)).isEqualTo(Placement.FIRST_SHARE);
        assertThat(inTurn(warmth, List.of(node(home, "hot"), node(hot, "hot")), 10))
                .containsOnly(Map.entry(home, 10));
        assertThat(warmth.weight(FN, home)).isEqualTo(1.0);
    }

    @Test
    void a_warming_node_with_a_steady_state_near_the_best_is_routed_as_hot_and_a_joining_home_ramps_up() {
        List<String> ids = hashOrder("node-1", "node-2");
        String home = ids.get(0);
        String loaded = ids.get(1);
        // The long-hot node reports warming for now (a busy machine), with its steady state of 1.5 ms; the home has
        // just joined: warming, no steady state yet. Without the steady state both were newcomers in hash order, and
        // all ten went to the home.
        List<NodeInfo> live = List.of(node(home, "warming", 0), node(loaded, "warming", 1_500_000));
        assertThat(inTurn(warmth, live, 10)).containsOnly(Map.entry(loaded, 8), Map.entry(home, 2));
        assertThat(warmth.weight(FN, loaded)).isEqualTo(1.0);

        // A steady state on an interpreter plateau, 10x the best reported, is no reason to route as hot.
        Placement fresh = new Placement(millis::get, true, RAMP);
        List<NodeInfo> plateau = List.of(node(home, "warming", 10_000_000), node(loaded, "hot", 1_000_000));
        assertThat(inTurn(fresh, plateau, 10)).containsOnly(Map.entry(loaded, 8), Map.entry(home, 2));
        assertThat(fresh.weight(FN, home)).isEqualTo(Placement.FIRST_SHARE);
    }

    /** {@link #node(String, String)} with the steady state it reports. */
    private static NodeInfo node(String id, String state, long steadyNanos) {
        return new NodeInfo(id, "http://127.0.0.1/" + id, true, Instant.EPOCH, 0, List.of(FN + "@1"),
                Map.of(FN, new NodeInfo.Warmth(state, steadyNanos)));
    }

    @Test
    void starts_the_ramp_again_when_a_node_reports_cold_after_being_warmer() {
        List<String> ids = hashOrder("node-1", "node-2");
        String node = ids.get(0);
        List<NodeInfo> live = List.of(node(node, "warming"), node(ids.get(1), "hot"));
        warmth.order(FN, 1, live);
        serve(warmth, node, RAMP);
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
