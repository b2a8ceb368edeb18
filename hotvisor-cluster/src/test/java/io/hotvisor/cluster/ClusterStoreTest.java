package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store against a real redis-server started for this test (Debian's package), each test on its own cluster name. */
class ClusterStoreTest {
    @TempDir
    static Path dir;
    private static Process redis;
    private static int port;
    private static int clusters;

    @BeforeAll
    static void startRedis() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        try (ClusterStore s = store()) {
            for (int i = 0; i < 100 && !s.reachable(); i++) {
                Thread.sleep(50);
            }
            assertThat(s.reachable()).as(Files.readString(dir.resolve("redis.log"))).isTrue();
        }
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        redis.destroy();
        redis.waitFor(10, TimeUnit.SECONDS);
    }

    private static ClusterStore store() {
        return ClusterStore.connect(URI.create("redis://127.0.0.1:" + port), "t" + (clusters++), Clock.systemUTC());
    }

    @Test
    void publishing_a_version_flips_the_pointer_to_whole_code() {
        try (ClusterStore s = store()) {
            long rev0 = s.catalogRevision();
            long v1 = s.publish("default", "f", "{\"code\":\"one\"}", false);
            long v2 = s.publish("default", "f", "{\"code\":\"two\"}", true);
            assertThat(v2).isGreaterThan(v1);
            assertThat(s.functions("default")).containsEntry("f", new FunctionPointer(v2, true));
            assertThat(s.code("default", "f", v2)).contains("{\"code\":\"two\"}");
            assertThat(s.code("default", "f", v1)).as("kept a while for nodes still loading it")
                    .contains("{\"code\":\"one\"}");
            assertThat(s.catalogRevision()).isGreaterThan(rev0);
            assertThat(s.functions("other")).isEmpty();
            assertThat(s.function("default", "f")).contains(new FunctionPointer(v2, true));
            assertThat(s.function("default", "g")).isEmpty();
            assertThat(s.function("other", "f")).isEmpty();
        }
    }

    @Test
    void removing_a_function_empties_its_pointer() {
        try (ClusterStore s = store()) {
            s.publish("default", "f", "{}", false);
            assertThat(s.remove("default", "f")).isTrue();
            assertThat(s.remove("default", "f")).isFalse();
            assertThat(s.functions("default")).isEmpty();
        }
    }

    @Test
    void lists_live_and_dead_nodes() throws Exception {
        try (ClusterStore s = store()) {
            s.heartbeat(NodeInfo.heartbeat("a", "http://a", Instant.now(), 3, List.of("default/f@1")), Duration.ofSeconds(5));
            s.heartbeat(NodeInfo.heartbeat("b", "http://b", Instant.now(), 0, List.of()), Duration.ofMillis(50));
            Thread.sleep(200);
            List<NodeInfo> nodes = s.nodes();
            assertThat(nodes).extracting(NodeInfo::id).containsExactly("a", "b");
            assertThat(nodes.get(0).alive()).isTrue();
            assertThat(nodes.get(0).holds("default/f", 1)).isTrue();
            assertThat(nodes.get(0).holds("default/f", 2)).isFalse();
            assertThat(nodes.get(1).alive()).as("heartbeat expired").isFalse();
            s.leave("b");
            assertThat(s.nodes()).extracting(NodeInfo::id).containsExactly("a");
        }
    }

    @Test
    void a_heartbeat_says_whether_the_node_is_ready_and_one_without_the_field_counts_as_ready() {
        try (ClusterStore s = store()) {
            s.heartbeat(NodeInfo.heartbeat("warming", "http://w", Instant.now(), 0, List.of(), Map.of(), false),
                    Duration.ofSeconds(5));
            s.heartbeat(NodeInfo.heartbeat("ready", "http://r", Instant.now(), 0, List.of()), Duration.ofSeconds(5));
            Map<String, Boolean> ready = new java.util.TreeMap<>();
            s.nodes().forEach(n -> ready.put(n.id(), n.ready()));
            assertThat(ready).containsExactly(Map.entry("ready", true), Map.entry("warming", false));
        }
    }

    @Test
    void a_sample_is_stored_only_for_the_catalogs_current_version_and_goes_with_the_function() {
        try (ClusterStore s = store()) {
            assertThat(s.samples("default", "f", 1, "[{\"a\":1}]")).as("no such function").isFalse();
            long v1 = s.publish("default", "f", "{}", false);
            assertThat(s.samples("default", "f", v1, "[{\"a\":1}]")).isTrue();
            assertThat(s.samples("default", "f")).contains("[{\"a\":1}]");

            long v2 = s.publish("default", "f", "{}", false);
            assertThat(s.samples("default", "f", v1, "[{\"a\":2}]")).as("a stale version's sample").isFalse();
            assertThat(s.samples("default", "f")).contains("[{\"a\":1}]");
            assertThat(s.samples("default", "f", v2, "[{\"a\":3}]")).isTrue();

            s.dropSamples("default", "f");
            assertThat(s.samples("default", "f")).isEmpty();
            assertThat(s.samples("default", "f", v2, "[{\"a\":4}]")).isTrue();
            s.remove("default", "f");
            assertThat(s.samples("default", "f")).as("deleted with the function").isEmpty();
        }
    }

    @Test
    void heartbeats_carry_warmth_and_the_fleets_best_is_the_lowest_steady_state_of_live_nodes_on_that_version()
            throws Exception {
        try (ClusterStore s = store()) {
            s.heartbeat(NodeInfo.heartbeat("a", "http://a", Instant.now(), 0, List.of("default/f@2"),
                    java.util.Map.of("default/f", new NodeInfo.Warmth("hot", 90_000))), Duration.ofSeconds(5));
            s.heartbeat(NodeInfo.heartbeat("b", "http://b", Instant.now(), 0, List.of("default/f@2"),
                    java.util.Map.of("default/f", new NodeInfo.Warmth("hot", 70_000))), Duration.ofSeconds(5));
            s.heartbeat(NodeInfo.heartbeat("c", "http://c", Instant.now(), 0, List.of("default/f@1"),
                    java.util.Map.of("default/f", new NodeInfo.Warmth("hot", 10_000))), Duration.ofSeconds(5));
            s.heartbeat(NodeInfo.heartbeat("d", "http://d", Instant.now(), 0, List.of("default/f@2"),
                    java.util.Map.of("default/f", new NodeInfo.Warmth("warming", 0))), Duration.ofSeconds(5));
            s.heartbeat(NodeInfo.heartbeat("e", "http://e", Instant.now(), 0, List.of("default/f@2"),
                    java.util.Map.of("default/f", new NodeInfo.Warmth("hot", 50_000))), Duration.ofMillis(50));
            Thread.sleep(200);

            List<NodeInfo> nodes = s.nodes();

            assertThat(nodes.get(0).warmth()).containsEntry("default/f", new NodeInfo.Warmth("hot", 90_000));
            assertThat(nodes.get(3).warmth()).containsEntry("default/f", new NodeInfo.Warmth("warming", 0));
            // c runs another version, d has no steady state yet, e is dead: b's is the best.
            assertThat(NodeInfo.fleetBest(nodes, "default/f", 2)).hasValue(70_000);
            assertThat(NodeInfo.fleetBest(nodes, "default/f", 1)).hasValue(10_000);
            assertThat(NodeInfo.fleetBest(nodes, "default/f", 3)).isEmpty();
            assertThat(NodeInfo.fleetBest(nodes, "default/g", 2)).isEmpty();
        }
    }

    @Test
    void an_async_task_is_delivered_once_and_its_first_result_wins() {
        try (ClusterStore s = store()) {
            s.ensureGroup();
            s.submit(new AsyncTask("", "id1", "default", "f", "{\"n\":1}", Instant.now()), Duration.ofMinutes(5));
            assertThat(s.invocation("id1").orElseThrow().path("status").asText()).isEqualTo("queued");
            List<AsyncTask> taken = s.take("node-a", 10, Duration.ofMillis(100));
            assertThat(taken).extracting(AsyncTask::id).containsExactly("id1");
            assertThat(taken.get(0).event()).isEqualTo("{\"n\":1}");
            assertThat(s.take("node-b", 10, Duration.ofMillis(100))).as("not delivered twice").isEmpty();
            assertThat(s.complete(taken.get(0), "{\"status\":\"succeeded\",\"by\":\"a\"}", Duration.ofMinutes(5))).isTrue();
            assertThat(s.complete(taken.get(0), "{\"status\":\"succeeded\",\"by\":\"b\"}", Duration.ofMinutes(5))).isFalse();
            assertThat(s.invocation("id1").orElseThrow().path("by").asText()).isEqualTo("a");
            assertThat(s.queued()).isZero();
        }
    }

    @Test
    void a_dead_consumers_pending_task_is_reclaimed_after_the_idle_time() throws Exception {
        try (ClusterStore s = store()) {
            s.ensureGroup();
            s.submit(new AsyncTask("", "id2", "default", "f", "{}", Instant.now()), Duration.ofMinutes(5));
            assertThat(s.take("dead", 10, Duration.ofMillis(100))).hasSize(1);
            assertThat(s.reclaim("alive", Duration.ofSeconds(30), 10)).as("not idle long enough").isEmpty();
            Thread.sleep(300);
            List<AsyncTask> claimed = s.reclaim("alive", Duration.ofMillis(200), 10);
            assertThat(claimed).extracting(AsyncTask::id).containsExactly("id2");
            assertThat(s.hasResult("id2")).isFalse();
        }
    }

    @Test
    void keys_are_shared_with_a_revision() {
        try (ClusterStore s = store()) {
            assertThat(s.tenants()).isEmpty();
            assertThat(s.tenantsIfAbsent("{\"keys\":[]}")).isTrue();
            assertThat(s.tenantsIfAbsent("{\"other\":1}")).isFalse();
            long r = s.tenantsRevision();
            s.tenants("{\"keys\":[1]}");
            assertThat(s.tenantsRevision()).isGreaterThan(r);
            assertThat(s.tenants()).contains("{\"keys\":[1]}");
        }
    }

    /** A clock the test moves by hand, so that "least recently used" does not depend on the millisecond. */
    private static final class HandClock extends Clock {
        private long millis = 1_000;

        void advance() {
            millis += 1_000;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static byte[] blob(int size, int fill) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }

    @Test
    void shared_blobs_stay_within_their_budget_by_dropping_the_least_recently_stored_or_fetched() {
        HandClock clock = new HandClock();
        Duration ttl = Duration.ofMinutes(5);
        try (ClusterStore s = ClusterStore.connect(URI.create("redis://127.0.0.1:" + port), "t" + (clusters++), clock)) {
            assertThat(s.aotCacheIfAbsent("a", blob(40, 1), ttl, 100)).isEqualTo(new ClusterStore.AotStored(true, List.of()));
            clock.advance();
            assertThat(s.aotCacheIfAbsent("b", blob(40, 2), ttl, 100)).isEqualTo(new ClusterStore.AotStored(true, List.of()));
            clock.advance();
            assertThat(s.aotCache("a", ttl)).as("a fetch makes 'a' the more recently used").isPresent();
            clock.advance();
            assertThat(s.aotCacheIfAbsent("c", blob(40, 3), ttl, 100))
                    .isEqualTo(new ClusterStore.AotStored(true, List.of("b")));
            assertThat(s.aotCache("b", ttl)).isEmpty();
            assertThat(s.aotCache("a", ttl)).get().isEqualTo(blob(40, 1));
            assertThat(s.aotCache("c", ttl)).get().isEqualTo(blob(40, 3));
            assertThat(s.aotBytes()).isEqualTo(80);

            clock.advance();
            assertThat(s.aotCacheIfAbsent("c", blob(90, 4), ttl, 100)).as("the first blob under a key stays")
                    .isEqualTo(new ClusterStore.AotStored(false, List.of()));
            assertThat(s.aotCache("c", ttl)).get().isEqualTo(blob(40, 3));

            clock.advance();
            assertThat(s.aotCacheIfAbsent("d", blob(100, 5), ttl, 100)).as("the new one alone fills the budget")
                    .isEqualTo(new ClusterStore.AotStored(true, List.of("a", "c")));
            assertThat(s.aotBytes()).isEqualTo(100);
            assertThat(s.aotCache("d", ttl)).get().isEqualTo(blob(100, 5));
        }
    }

    @Test
    void a_blob_over_the_whole_budget_is_refused_and_nothing_stored_is_dropped() {
        Duration ttl = Duration.ofMinutes(5);
        try (ClusterStore s = store()) {
            s.aotCacheIfAbsent("a", blob(40, 1), ttl, 100);
            assertThatThrownBy(() -> s.aotCacheIfAbsent("big", blob(101, 2), ttl, 100))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("The blob 'big' is 101 bytes, over the 100 bytes all of them may take");
            assertThat(s.aotCache("big", ttl)).isEmpty();
            assertThat(s.aotCache("a", ttl)).get().isEqualTo(blob(40, 1));
            assertThat(s.aotBytes()).isEqualTo(40);
        }
    }

    @Test
    void an_expired_blob_no_longer_counts_against_the_budget() throws InterruptedException {
        try (ClusterStore s = store()) {
            s.aotCacheIfAbsent("short", blob(60, 1), Duration.ofSeconds(1), 100);
            s.aotCacheIfAbsent("kept", blob(30, 2), Duration.ofMinutes(5), 100);
            assertThat(s.aotBytes()).isEqualTo(90);
            // Not polled with aotCache, whose fetch would renew the TTL.
            for (int i = 0; i < 60 && s.aotBytes() != 30; i++) {
                Thread.sleep(100);
            }
            assertThat(s.aotBytes()).as("only 'kept' is left").isEqualTo(30);
            assertThat(s.aotCache("short", Duration.ofSeconds(1))).isEmpty();
            assertThat(s.aotCacheIfAbsent("new", blob(60, 3), Duration.ofMinutes(5), 100))
                    .as("60 + 30 fit once the expired 60 is forgotten")
                    .isEqualTo(new ClusterStore.AotStored(true, List.of()));
            assertThat(s.aotCache("kept", Duration.ofMinutes(5))).isPresent();
        }
    }

    @Test
    void an_unreachable_redis_is_a_cluster_exception_naming_the_cluster() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (ClusterStore s = ClusterStore.connect(URI.create("redis://127.0.0.1:" + closed), "gone", Clock.systemUTC())) {
            assertThat(s.reachable()).isFalse();
            assertThatThrownBy(s::catalogRevision).isInstanceOf(ClusterException.class)
                    .hasMessageContaining("cluster 'gone'");
        }
    }

    @Test
    void refuses_a_malformed_address_or_cluster_name() {
        assertThatThrownBy(() -> ClusterStore.connect(URI.create("http://x:1"), "c", Clock.systemUTC()))
                .hasMessageContaining("'http://x:1'");
        assertThatThrownBy(() -> ClusterStore.connect(URI.create("redis://x:1"), "a b", Clock.systemUTC()))
                .hasMessageContaining("'a b'");
    }
}
