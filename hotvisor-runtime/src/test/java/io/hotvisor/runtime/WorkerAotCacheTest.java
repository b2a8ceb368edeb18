package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK AOT cache of Java worker JVMs: trained on a function's first invocations, then used by later workers. */
class WorkerAotCacheTest {
    private static final String HELLO = """
            package com.acme;
            import java.util.*;
            public class Hello {
                public static Map<String, Object> main(Map<String, Object> event) {
                    return Map.of("greeting", "Hello, " + event.get("name"));
                }
            }
            """;

    @TempDir
    Path dir;
    TestFunctions functions;
    ScheduledExecutorService watchdog;
    Path cacheDir;

    @BeforeEach
    void setUp() {
        cacheDir = dir.resolve("aot");
        functions = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(cacheDir).aotTrainingInvocations(2)
                .build());
        watchdog = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        functions.close();
        watchdog.shutdownNow();
    }

    private ProcessFunction load(String name, Path jar) {
        return (ProcessFunction) functions.load(ProcessIsolationTest.definition(name, "com.acme.Hello::main", jar, 1,
                Duration.ofSeconds(60)));
    }

    /** Waits (bounded) for a file that another process writes. */
    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 1200 && !Files.isRegularFile(file); i++) {
            Thread.sleep(100);
        }
    }

    @Test
    void trains_a_cache_on_the_first_invocations_and_starts_later_workers_from_it() throws Exception {
        ProcessFunction f = load("aot", TestJars.jar(dir, "aot", Map.of("com.acme.Hello", HELLO)));
        Path cache = f.aotCacheFile().orElseThrow();
        FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(Duration.ofMillis(5)),
                Ticker.system(), watchdog, Executors.newVirtualThreadPerTaskExecutor(), DispatchListener.none(), null);
        for (int i = 0; i < 2; i++) {
            assertThat(d.submit("{\"name\":\"Ada\"}", "t" + i).orElseThrow().get(120, TimeUnit.SECONDS).json())
                    .isEqualTo("{\"greeting\":\"Hello, Ada\"}");
        }
        awaitFile(cache);
        assertThat(cache).isRegularFile();

        try (ProcessSandbox later = (ProcessSandbox) f.newSandbox()) {
            assertThat(later.command()).contains("-XX:AOTCache=" + cache);
            assertThat(later.invoke("{\"name\":\"Bo\"}", TestFunctions.invocation("aot")))
                    .isEqualTo("{\"greeting\":\"Hello, Bo\"}");
            assertThat(later.aotLog()).contains("Opened AOT cache " + cache);
        }
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void trains_off_the_serving_path_on_the_declared_warm_up_inputs_and_never_retires_a_serving_worker()
            throws Exception {
        Path jar = TestJars.jar(dir, "declared", Map.of("com.acme.Hello", HELLO));
        FunctionDefinition plain = ProcessIsolationTest.definition("declared", "com.acme.Hello::main", jar, 1,
                Duration.ofSeconds(60));
        ProcessFunction f = (ProcessFunction) functions.load(new FunctionDefinition(plain.config().toBuilder()
                .warmupInputs(java.util.List.of("{\"name\":\"warm\"}")).build(), plain.code(), plain.version()));
        Path cache = f.aotCacheFile().orElseThrow();

        awaitFile(cache);

        assertThat(cache).as("trained with no invocation").isRegularFile();
        try (ProcessSandbox serving = (ProcessSandbox) f.newSandbox()) {
            assertThat(serving.command()).noneMatch(a -> a.startsWith("-XX:AOTCacheOutput"));
            for (int i = 0; i < 4; i++) {
                assertThat(serving.invoke("{\"name\":\"Ada\"}", TestFunctions.invocation("declared")))
                        .isEqualTo("{\"greeting\":\"Hello, Ada\"}");
            }
            assertThat(serving.reusable()).as("not retired after the 2 training invocations").isTrue();
        }
        assertThat(f.aotCache().orElseThrow().source()).isEqualTo(AotCacheStatus.Source.TRAINED);
    }

    /** Appends the JVM's random id and the event's tag to the file named by env {@code SEEN}; answers the id. */
    private static final String RECORDER = """
            package com.acme;
            import java.nio.file.*;
            import java.util.*;
            public class Recorder {
                static final String JVM = UUID.randomUUID().toString();
                public static Map<String, Object> main(Map<String, Object> event) throws Exception {
                    Files.writeString(Path.of(System.getenv("SEEN")), JVM + " " + event.get("tag") + "\\n",
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    return Map.of("jvm", JVM);
                }
            }
            """;

    /** A function that records what each of its JVMs ran into {@code seen}, allowing sampling or not. */
    private ProcessFunction recorder(String name, boolean sampling, Path seen) {
        FunctionDefinition plain = ProcessIsolationTest.definition(name, "com.acme.Recorder::main",
                TestJars.jar(dir, name, Map.of("com.acme.Recorder", RECORDER)), 1, Duration.ofSeconds(60));
        return (ProcessFunction) functions.load(new FunctionDefinition(plain.config().toBuilder()
                .env(Map.of("SEEN", seen.toString())).warmupSampling(sampling).build(), plain.code(), plain.version()));
    }

    private FunctionDispatcher dispatcher(LoadedFunction f) {
        return FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(Duration.ofMillis(5)), Ticker.system(),
                watchdog, Executors.newVirtualThreadPerTaskExecutor(), DispatchListener.none(), null);
    }

    /** Invokes {@code d} with an event tagged {@code tag}; the id of the JVM that ran it. */
    private static String call(FunctionDispatcher d, String tag) throws Exception {
        String json = d.submit("{\"tag\":\"" + tag + "\"}", tag).orElseThrow().get(120, TimeUnit.SECONDS).json();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("jvm").asText();
    }

    /** The ids of the JVMs that ran an event tagged {@code tag}, one per run. */
    private static java.util.List<String> ranIn(Path seen, String tag) throws Exception {
        if (!Files.exists(seen)) {
            return java.util.List.of();
        }
        return Files.readAllLines(seen).stream().filter(l -> l.endsWith(" " + tag)).map(l -> l.split(" ")[0])
                .toList();
    }

    @Test
    void trains_off_the_serving_path_on_the_fleets_sample_and_never_retires_a_serving_worker() throws Exception {
        Path seen = dir.resolve("seen-fleet");
        ProcessFunction f = recorder("sampled", true, seen);
        Path cache = f.aotCacheFile().orElseThrow();
        FunctionDispatcher d = dispatcher(f);

        // As a node loading the function does with the sample it got from the fleet (no replays in the serving worker).
        d.warmUp(WarmthOptions.defaults().warmUpReplays(0), java.util.List.of("{\"tag\":\"sampled\"}"), 0);
        awaitFile(cache);

        assertThat(cache).as("trained with no invocation").isRegularFile();
        assertThat(f.aotCache().orElseThrow().source()).isEqualTo(AotCacheStatus.Source.TRAINED);
        java.util.Set<String> serving = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++) {
            serving.add(call(d, "real"));
        }
        assertThat(serving).as("one worker served the 4 calls: not retired after 2 training invocations").hasSize(1);
        assertThat(ranIn(seen, "sampled")).as("the sampled event, replayed twice by a JVM that never served")
                .hasSize(2).doesNotContainAnyElementsOf(serving);
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void trains_off_the_serving_path_once_the_nodes_own_sample_holds_an_event() throws Exception {
        Path seen = dir.resolve("seen-own");
        ProcessFunction f = recorder("own", true, seen);
        Path cache = f.aotCacheFile().orElseThrow();
        FunctionDispatcher d = dispatcher(f);
        assertThat(d.wantsSample()).isTrue();

        String serving = call(d, "first");
        assertThat(f.aotCache().orElseThrow().source()).as("the serving worker does not train")
                .isEqualTo(AotCacheStatus.Source.NONE);
        d.sample(java.util.List.of("{\"tag\":\"first\"}")); // as the node does once the call is in its sample
        awaitFile(cache);

        assertThat(d.wantsSample()).isFalse();
        assertThat(cache).as("trained with no other invocation").isRegularFile();
        for (int i = 0; i < 3; i++) {
            assertThat(call(d, "later")).as("not retired after 2 training invocations").isEqualTo(serving);
        }
        assertThat(ranIn(seen, "first")).as("the sampled event, served once, replayed twice off the serving path")
                .hasSize(3).containsOnlyOnce(serving);
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void never_replays_the_real_events_of_a_function_that_does_not_allow_sampling() throws Exception {
        Path seen = dir.resolve("seen-private");
        ProcessFunction f = recorder("private", false, seen);
        Path cache = f.aotCacheFile().orElseThrow();
        FunctionDispatcher d = dispatcher(f);

        // Events that reach the runtime by mistake: the node never samples such a function.
        d.warmUp(WarmthOptions.defaults().warmUpReplays(3), java.util.List.of("{\"tag\":\"private\"}"), 0);
        d.sample(java.util.List.of("{\"tag\":\"private\"}"));
        f.sample(java.util.List.of("{\"tag\":\"private\"}"));

        assertThat(d.wantsSample()).isFalse();
        assertThat(f.wantsSample()).isFalse();
        // As before: it trains on its serving worker's first 2 invocations, which then retires and writes the cache.
        String first = call(d, "real");
        assertThat(call(d, "real")).isEqualTo(first);
        awaitFile(cache);
        assertThat(cache).isRegularFile();
        assertThat(ranIn(seen, "real")).containsExactly(first, first);
        assertThat(ranIn(seen, "private")).as("never replayed, in any JVM").isEmpty();
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void reports_system_exit_in_a_training_worker_with_its_status() {
        Path jar = TestJars.jar(dir, "quits", Map.of("com.acme.Fn", ProcessIsolationTest.MISBEHAVING));
        LoadedFunction f = functions.load(ProcessIsolationTest.definition("quits", "com.acme.Fn::main", jar, 1,
                Duration.ofSeconds(60)));

        try (Sandbox training = f.newSandbox()) {
            assertThat(((ProcessSandbox) training).command()).anyMatch(a -> a.startsWith("-XX:AOTCacheOutput="));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> training.invoke("{\"mode\":\"exit\"}",
                    TestFunctions.invocation("quits"))).isInstanceOfSatisfying(InvocationFailure.class, e -> {
                        assertThat(e.errorType()).isEqualTo("WorkerExited");
                        assertThat(e.getMessage()).contains("with exit code 3 during the invocation (System.exit(3))");
                    });
            assertThat(training.reusable()).isFalse();
        }
    }

    @Test
    void starts_a_worker_even_when_its_cache_file_is_corrupt() throws Exception {
        Path jar = TestJars.jar(dir, "corrupt", Map.of("com.acme.Hello", HELLO));
        Path cache = cacheDir.resolve(WorkerJvm.current(cacheDir.resolve("classpath")).aotCacheName(jar));
        Files.createDirectories(cacheDir);
        Files.writeString(cache, "not an AOT cache");

        ProcessFunction f = load("corrupt", jar);

        try (ProcessSandbox s = (ProcessSandbox) f.newSandbox()) {
            assertThat(s.command()).contains("-XX:AOTCache=" + cache);
            assertThat(s.invoke("{\"name\":\"Cy\"}", TestFunctions.invocation("corrupt")))
                    .isEqualTo("{\"greeting\":\"Hello, Cy\"}");
        }
    }

    @Test
    void keys_the_cache_by_the_jars_full_sha256_the_jdk_build_the_class_path_and_module_options() throws Exception {
        WorkerJvm jvm = WorkerJvm.current(cacheDir.resolve("classpath"));
        Path one = TestJars.jar(dir, "one", Map.of("com.acme.Hello", HELLO));
        Path same = Files.copy(one, dir.resolve("same.jar"));
        Path changed = TestJars.jar(dir, "changed", Map.of("com.acme.Hello", HELLO.replace("Hello, ", "Hi, ")));
        String jarSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(one)));
        String cpSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest((jvm.classPath() + String.join(" ", RandomReseed.JVM_OPENS))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        assertThat(jvm.aotCacheKey(one)).isEqualTo(jvm.aotCacheKey(same))
                .isNotEqualTo(jvm.aotCacheKey(changed))
                .isEqualTo(jarSha + "-jdk" + System.getProperty("java.runtime.version") + "-cp" + cpSha.substring(0, 16));
        assertThat(jvm.aotCacheName(one)).isEqualTo(jvm.aotCacheKey(one) + ".aot");
    }

    /** A fleet in memory: what a cluster's Redis holds, for a runtime test (the IT test uses a real Redis). */
    static final class MapShare implements AotCacheShare {
        final Map<String, byte[]> blobs = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        private final String origin;

        MapShare(String origin) {
            this.origin = origin;
        }

        MapShare as(String otherOrigin) {
            MapShare m = new MapShare(otherOrigin);
            m.blobs.putAll(blobs);
            return m;
        }

        @Override
        public java.util.Optional<byte[]> fetch(String key) {
            fetches.incrementAndGet();
            return java.util.Optional.ofNullable(blobs.get(key));
        }

        @Override
        public boolean offer(String key, byte[] blob) {
            return blobs.putIfAbsent(key, blob) == null;
        }

        @Override
        public String origin() {
            return origin;
        }
    }

    @Test
    void uploads_what_it_trains_and_another_node_starts_its_first_worker_from_it() throws Exception {
        Path jar = TestJars.jar(dir, "fleet", Map.of("com.acme.Hello", HELLO));
        MapShare fleet = new MapShare("node-a");
        ProcessFunction trainer;
        try (TestFunctions a = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(cacheDir)
                .aotTrainingInvocations(2).aotShare(fleet).build())) {
            trainer = (ProcessFunction) a.load(ProcessIsolationTest.definition("fleet", "com.acme.Hello::main", jar, 1,
                    Duration.ofSeconds(60)));
            assertThat(trainer.aotCache().orElseThrow().source()).isEqualTo(AotCacheStatus.Source.TRAINING);
            try (Sandbox training = trainer.newSandbox()) {
                for (int i = 0; i < 2; i++) {
                    training.invoke("{\"name\":\"Ada\"}", TestFunctions.invocation("fleet"));
                }
            }
            for (int i = 0; i < 1200 && !trainer.aotCache().orElseThrow().shared(); i++) {
                Thread.sleep(100);
            }
            AotCacheStatus trained = trainer.aotCache().orElseThrow();
            assertThat(trained.source()).isEqualTo(AotCacheStatus.Source.TRAINED);
            assertThat(trained.origin()).isEqualTo("node-a");
            assertThat(trained.note()).isEqualTo("trained on this node and uploaded to the fleet");
            assertThat(fleet.blobs).hasSize(1);
        }
        Path local = trainer.aotCacheFile().orElseThrow();
        Files.delete(local); // the second node's disk: same class path (same cache dir), but no cache

        MapShare nodeB = fleet.as("node-b");
        try (TestFunctions b = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(cacheDir)
                .aotTrainingInvocations(2).aotShare(nodeB).build())) {
            ProcessFunction f = (ProcessFunction) b.load(ProcessIsolationTest.definition("fleet", "com.acme.Hello::main",
                    jar, 1, Duration.ofSeconds(60)));
            try (ProcessSandbox first = (ProcessSandbox) f.newSandbox()) {
                assertThat(first.command()).contains("-XX:AOTCache=" + local);
                assertThat(first.invoke("{\"name\":\"Bo\"}", TestFunctions.invocation("fleet")))
                        .isEqualTo("{\"greeting\":\"Hello, Bo\"}");
            }
            AotCacheStatus status = f.aotCache().orElseThrow();
            assertThat(status.source()).isEqualTo(AotCacheStatus.Source.FLEET);
            assertThat(status.origin()).isEqualTo("node-a");
            assertThat(status.opened()).isTrue();
            assertThat(status.bytes()).isEqualTo(Files.size(local));
            assertThat(status.note()).startsWith("fetched from the fleet in ").contains("trained by node-a");
        }
    }

    @Test
    void trains_its_own_cache_when_the_fleets_does_not_verify() throws Exception {
        Path jar = TestJars.jar(dir, "bad-fleet", Map.of("com.acme.Hello", HELLO));
        String key = WorkerJvm.current(cacheDir.resolve("classpath")).aotCacheKey(jar);
        MapShare fleet = new MapShare("node-b");
        byte[] blob = new SharedAotCache("a cache altered in Redis".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "node-a").encode();
        blob[blob.length - 1] ^= 1;
        fleet.blobs.put(key, blob);
        try (TestFunctions b = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(cacheDir)
                .aotTrainingInvocations(2).aotShare(fleet).build())) {
            ProcessFunction f = (ProcessFunction) b.load(ProcessIsolationTest.definition("bad-fleet",
                    "com.acme.Hello::main", jar, 1, Duration.ofSeconds(60)));
            try (ProcessSandbox first = (ProcessSandbox) f.newSandbox()) {
                assertThat(first.command()).anyMatch(a -> a.startsWith("-XX:AOTCacheOutput="));
                assertThat(first.invoke("{\"name\":\"Cy\"}", TestFunctions.invocation("bad-fleet")))
                        .isEqualTo("{\"greeting\":\"Hello, Cy\"}");
            }
            AotCacheStatus status = f.aotCache().orElseThrow();
            assertThat(status.source()).isEqualTo(AotCacheStatus.Source.TRAINING);
            assertThat(status.note()).startsWith("training on this node's first 2 invocations; fetch from the fleet"
                    + " failed: The shared AOT cache '" + key + "' is unusable: SHA-256 ");
            assertThat(fleet.fetches).hasValue(1);
            try (Sandbox second = f.newSandbox()) {
                assertThat(fleet.fetches).as("no second fetch of a cache that did not verify").hasValue(1);
            }
        }
    }

    @Test
    void starts_a_worker_when_the_fleets_cache_verifies_but_the_jvm_cannot_use_it() throws Exception {
        Path jar = TestJars.jar(dir, "stale-fleet", Map.of("com.acme.Hello", HELLO));
        String key = WorkerJvm.current(cacheDir.resolve("classpath")).aotCacheKey(jar);
        MapShare fleet = new MapShare("node-b");
        fleet.blobs.put(key, new SharedAotCache("whole and intact, but no AOT cache".getBytes(
                java.nio.charset.StandardCharsets.UTF_8), "node-a").encode());
        try (TestFunctions b = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(cacheDir)
                .aotTrainingInvocations(2).aotShare(fleet).build())) {
            ProcessFunction f = (ProcessFunction) b.load(ProcessIsolationTest.definition("stale-fleet",
                    "com.acme.Hello::main", jar, 1, Duration.ofSeconds(60)));
            try (ProcessSandbox first = (ProcessSandbox) f.newSandbox()) {
                assertThat(first.command()).contains("-XX:AOTCache=" + f.aotCacheFile().orElseThrow());
                assertThat(first.invoke("{\"name\":\"Di\"}", TestFunctions.invocation("stale-fleet")))
                        .isEqualTo("{\"greeting\":\"Hello, Di\"}");
            }
            AotCacheStatus status = f.aotCache().orElseThrow();
            assertThat(status.source()).isEqualTo(AotCacheStatus.Source.FLEET);
            assertThat(status.opened()).as("the JVM ignored the cache").isFalse();
        }
    }
}
