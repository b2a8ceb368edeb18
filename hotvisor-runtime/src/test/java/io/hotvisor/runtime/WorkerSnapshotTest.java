package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRIU snapshots of hot Java worker JVMs, with the real criu (built by {@code bin/lib/criu.sh install}) and real
 * worker processes. Tests that need criu skip when it is not usable, unless {@code HOTVISOR_REQUIRE_CRIU=1} (CI sets it
 * after installing criu): then they fail.
 */
class WorkerSnapshotTest {
    /** Remembers, in its JVM, how often it ran and a random id made when its class was initialized. */
    static final String COUNTER = """
            package com.acme;
            import java.util.*;
            public class Counter {
                static final String JVM = UUID.randomUUID().toString();
                static int calls;
                public static Map<String, Object> main(Map<String, Object> event) throws Exception {
                    if (event.containsKey("sleepMs")) {
                        Thread.sleep(((Number) event.get("sleepMs")).longValue());
                    }
                    calls++;
                    return Map.of("calls", calls, "jvm", JVM);
                }
            }
            """;
    /**
     * Draws from the JDK's shared generators, and from a {@code Random} of its own made when its class was initialized
     * (before the checkpoint: that one cannot be reseeded).
     */
    static final String DICE = """
            package com.acme;
            import java.util.*;
            import java.util.concurrent.ThreadLocalRandom;
            public class Dice {
                static final Random OWN = new Random();
                public static Map<String, Object> main(Map<String, Object> event) throws Exception {
                    return Map.of("math", Math.random(), "tlr", ThreadLocalRandom.current().nextLong(),
                            "sha1prng", java.security.SecureRandom.getInstance("SHA1PRNG").nextLong(),
                            "drbg", java.security.SecureRandom.getInstance("DRBG").nextLong(),
                            "splittable", new SplittableRandom().nextLong(), "own", OWN.nextLong());
                }
            }
            """;
    /**
     * Costs 29 ms of CPU on its first call, 3 % less on each next one (more than the settle ratio over 5 calls), and
     * almost nothing from its 90th: a JIT curve, staged.
     */
    static final String FASTER = """
            package com.acme;
            import java.util.*;
            public class Faster {
                static int calls;
                public static Map<String, Object> main(Map<String, Object> event) {
                    calls++;
                    // CPU time, not wall time: a spin descheduled on a busy machine would cost less than asked.
                    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
                    long until = cpu.getCurrentThreadCpuTime()
                            + (calls < 90 ? (long) (30_000_000 * Math.pow(0.97, calls)) : 0);
                    long spins = 0;
                    while (cpu.getCurrentThreadCpuTime() < until) {
                        spins++;
                    }
                    return Map.of("calls", calls, "spins", spins);
                }
            }
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    TestFunctions functions;

    @AfterEach
    void tearDown() {
        if (functions != null) {
            functions.close();
        }
    }

    /** CRIU as a node with {@code --criu auto} finds it from this module's directory (the project's .tools). */
    static Criu usableCriu() {
        Criu criu = Criu.detect(Criu.Mode.AUTO, System.getenv(), Path.of("").toAbsolutePath());
        if (!criu.available()) {
            if ("1".equals(System.getenv("HOTVISOR_REQUIRE_CRIU"))) {
                fail("HOTVISOR_REQUIRE_CRIU=1 but CRIU is not usable: " + criu.reason());
            }
            assumeTrue(false, "CRIU is not usable here (set HOTVISOR_REQUIRE_CRIU=1 to fail instead): " + criu.reason());
        }
        return criu;
    }

    private ProcessFunction load(String name, Criu criu) {
        return load(name, criu, "com.acme.Counter", COUNTER);
    }

    private ProcessFunction load(String name, Criu criu, String className, String source) {
        return load(name, criu, className, source, java.util.List.of());
    }

    private ProcessFunction load(String name, Criu criu, String className, String source,
                                 java.util.List<String> warmupInputs) {
        return load(name, criu, className, source, warmupInputs, false);
    }

    private ProcessFunction load(String name, Criu criu, String className, String source,
                                 java.util.List<String> warmupInputs, boolean sampling) {
        functions = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(dir.resolve("aot"))
                .aotTrainingInvocations(0).criu(criu).snapshotAfterInvocations(3).build());
        Path jar = TestJars.jar(dir, name, Map.of(className, source));
        FunctionDefinition d = ProcessIsolationTest.definition(name, className + "::main", jar, 1,
                Duration.ofSeconds(60));
        return (ProcessFunction) functions.load(new FunctionDefinition(d.config().toBuilder()
                .warmupInputs(warmupInputs).warmupSampling(sampling).build(), d.code(), d.version()));
    }

    private static JsonNode call(Sandbox s, String event) throws Exception {
        return JSON.readTree(s.invoke(event, TestFunctions.invocation("counter")));
    }

    /**
     * How many warm-up replays an off-path source ran before its checkpoint, from its status: at least
     * {@link ProcessFunction#SOURCE_MIN_REPLAYS} (more than the 3 the tests' {@code snapshotAfterInvocations} asks),
     * then until its CPU time settled.
     */
    private static int sourceReplays(SnapshotStatus ready) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^checkpointed after (\\d+) warm-up replays in ")
                .matcher(ready.note());
        assertThat(m.find()).as(ready.note()).isTrue();
        int replays = Integer.parseInt(m.group(1));
        assertThat(replays).isBetween(ProcessFunction.SOURCE_MIN_REPLAYS, ProcessFunction.SOURCE_MAX_REPLAYS);
        return replays;
    }

    private static SnapshotStatus awaitSnapshot(ProcessFunction f, SnapshotStatus.State... until) throws Exception {
        for (int i = 0; i < 600; i++) {
            SnapshotStatus s = f.snapshot().orElseThrow();
            if (java.util.List.of(until).contains(s.state())) {
                return s;
            }
            Thread.sleep(100);
        }
        return f.snapshot().orElseThrow();
    }

    @Test
    void restores_later_workers_from_a_checkpoint_of_a_hot_worker() throws Exception {
        Criu criu = usableCriu();
        ProcessFunction f = load("counter", criu);
        ProcessSandbox source = (ProcessSandbox) f.newSandbox();
        // Its output is copied by a platform thread (listed here; virtual threads are not): a virtual one blocked in
        // the pipe's read for the worker's life and pinned a carrier, and two of them starved a 2-core node.
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .contains(ProcessSandbox.OUTPUT_THREAD + "counter");
        String jvm = null;
        for (int i = 1; i <= 3; i++) {
            JsonNode r = call(source, "{}");
            assertThat(r.get("calls").asInt()).isEqualTo(i);
            jvm = r.get("jvm").asText();
        }
        SnapshotStatus ready = awaitSnapshot(f, SnapshotStatus.State.READY, SnapshotStatus.State.FAILED,
                SnapshotStatus.State.NONE);
        assertThat(ready.state()).as(ready.note()).isEqualTo(SnapshotStatus.State.READY);
        assertThat(ready.bytes()).isPositive();
        assertThat(criu.taken()).isEqualTo(1);

        // The source goes on serving after its checkpoint, on a new socket.
        assertThat(call(source, "{}").get("calls").asInt()).isEqualTo(4);

        // Two copies at once: each remembers the source's 3 calls and its JVM's id, in another process.
        try (ProcessSandbox one = (ProcessSandbox) f.newSandbox(); ProcessSandbox two = (ProcessSandbox) f.newSandbox()) {
            for (ProcessSandbox copy : java.util.List.of(one, two)) {
                JsonNode r = call(copy, "{}");
                assertThat(r.get("calls").asInt()).isEqualTo(4);
                assertThat(r.get("jvm").asText()).isEqualTo(jvm);
                assertThat(copy.pid()).isNotEqualTo(source.pid());
                assertThat(call(copy, "{}").get("calls").asInt()).isEqualTo(5);
            }
            assertThat(one.pid()).isNotEqualTo(two.pid());
            SnapshotStatus status = f.snapshot().orElseThrow();
            assertThat(status.lastRestored()).isTrue();
            assertThat(status.restores()).isEqualTo(2);
            assertThat(criu.restored()).isEqualTo(2);

            // A timeout kills a restored worker like any other: the JVM itself, not only criu.
            long pid = one.pid();
            one.cancel();
            assertThat(ProcessHandle.of(pid).map(h -> h.onExit().join()).map(ProcessHandle::isAlive)).isNotEqualTo(
                    Optional.of(true));
            assertThat(one.reusable()).isFalse();
            assertThat(call(two, "{}").get("calls").asInt()).isEqualTo(6);
        }
        source.close();
    }

    @Test
    void checkpoints_a_source_off_the_serving_path_on_the_declared_warm_up_inputs() throws Exception {
        Criu criu = usableCriu();
        ProcessFunction f = load("declared", criu, "com.acme.Counter", COUNTER, java.util.List.of("{}"));
        ProcessSandbox serving = (ProcessSandbox) f.newSandbox();

        // Not until NONE: the off-path worker claims the snapshot on a thread of its own, after load returned.
        SnapshotStatus ready = awaitSnapshot(f, SnapshotStatus.State.READY, SnapshotStatus.State.FAILED);

        assertThat(ready.state()).as("checkpointed with no invocation: " + ready.note())
                .isEqualTo(SnapshotStatus.State.READY);
        JsonNode served = call(serving, "{}");
        assertThat(served.get("calls").asInt()).as("the serving worker ran nothing before").isEqualTo(1);
        try (ProcessSandbox copy = (ProcessSandbox) f.newSandbox()) {
            JsonNode restored = call(copy, "{}");
            assertThat(restored.get("calls").asInt()).as("after the source's replays: " + ready.note())
                    .isEqualTo(sourceReplays(ready) + 1);
            assertThat(restored.get("jvm").asText()).isNotEqualTo(served.get("jvm").asText());
            assertThat(f.snapshot().orElseThrow().lastRestored()).isTrue();
        }
        serving.close();
    }

    @Test
    void an_off_path_source_replays_until_its_cpu_time_settles_before_its_checkpoint() throws Exception {
        Criu criu = usableCriu();
        ProcessFunction f = load("faster", criu, "com.acme.Faster", FASTER, java.util.List.of("{}"));
        Sandbox serving = f.newSandbox(); // the worker made at load: fresh

        SnapshotStatus ready = awaitSnapshot(f, SnapshotStatus.State.READY, SnapshotStatus.State.FAILED);

        assertThat(ready.state()).as(ready.note()).isEqualTo(SnapshotStatus.State.READY);
        // Not while its calls still got faster (the first 89), past the fewest it always runs.
        assertThat(sourceReplays(ready)).isGreaterThanOrEqualTo(90);
        try (ProcessSandbox copy = (ProcessSandbox) f.newSandbox()) {
            assertThat(call(copy, "{}").get("calls").asInt()).isEqualTo(sourceReplays(ready) + 1);
        }
        serving.close();
    }

    @Test
    void checkpoints_a_source_off_the_serving_path_on_sampled_events() throws Exception {
        Criu criu = usableCriu();
        ProcessFunction f = load("sampled", criu, "com.acme.Counter", COUNTER, java.util.List.of(), true);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try {
            FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults()
                    .idlePoll(Duration.ofMillis(5)), Ticker.system(), watchdog,
                    Executors.newVirtualThreadPerTaskExecutor(), DispatchListener.none(), null);

            // As a node loading the function does with the sample it got from the fleet (no replays while serving).
            d.warmUp(WarmthOptions.defaults().warmUpReplays(0), java.util.List.of("{}"), 0);
            SnapshotStatus ready = awaitSnapshot(f, SnapshotStatus.State.READY, SnapshotStatus.State.FAILED);

            assertThat(ready.state()).as("checkpointed with no invocation: " + ready.note())
                    .isEqualTo(SnapshotStatus.State.READY);
            JsonNode served = JSON.readTree(d.submit("{}", "s1").orElseThrow().get(60, TimeUnit.SECONDS).json());
            assertThat(served.get("calls").asInt()).as("the serving worker ran nothing before").isEqualTo(1);
            for (int i = 2; i <= 4; i++) {
                JsonNode next = JSON.readTree(d.submit("{}", "s" + i).orElseThrow().get(60, TimeUnit.SECONDS).json());
                assertThat(next.get("jvm")).as("the same worker serves on, never parked").isEqualTo(served.get("jvm"));
            }
            try (ProcessSandbox copy = (ProcessSandbox) f.newSandbox()) {
                JsonNode restored = call(copy, "{}");
                assertThat(restored.get("calls").asInt()).as("after the source's replays: " + ready.note())
                        .isEqualTo(sourceReplays(ready) + 1);
                assertThat(restored.get("jvm").asText()).isNotEqualTo(served.get("jvm").asText());
            }
            d.shutdownNow().get(30, TimeUnit.SECONDS);
        } finally {
            watchdog.shutdownNow();
        }
    }

    @Test
    void reseeds_the_jdks_random_generators_in_each_restored_copy() throws Exception {
        Criu criu = usableCriu();
        ProcessFunction f = load("dice", criu, "com.acme.Dice", DICE);
        try (Sandbox source = f.newSandbox()) {
            for (int i = 0; i < 3; i++) {
                call(source, "{}"); // the source has used every generator before its checkpoint
            }
            SnapshotStatus ready = awaitSnapshot(f, SnapshotStatus.State.READY, SnapshotStatus.State.FAILED,
                    SnapshotStatus.State.NONE);
            assertThat(ready.state()).as(ready.note()).isEqualTo(SnapshotStatus.State.READY);
        }
        try (ProcessSandbox one = (ProcessSandbox) f.newSandbox(); ProcessSandbox two = (ProcessSandbox) f.newSandbox()) {
            JsonNode a = call(one, "{}");
            JsonNode b = call(two, "{}");
            assertThat(f.snapshot().orElseThrow().restores()).isEqualTo(2);
            Map<String, Boolean> sameInBoth = new java.util.TreeMap<>();
            for (String reseeded : java.util.List.of("math", "tlr", "sha1prng", "drbg", "splittable")) {
                sameInBoth.put(reseeded, a.get(reseeded).equals(b.get(reseeded)));
            }
            assertThat(sameInBoth).as("first values of two copies: %s and %s", a, b).doesNotContainValue(true);
            // A generator the function made before the checkpoint is copied with it: documented, not mended.
            assertThat(a.get("own")).isEqualTo(b.get("own"));
        }
    }

    @Test
    void starts_a_fresh_worker_and_says_why_when_a_restore_fails() throws Exception {
        Criu criu = usableCriu();
        ProcessFunction f = load("broken", criu);
        try (Sandbox source = f.newSandbox()) {
            for (int i = 0; i < 3; i++) {
                call(source, "{}");
            }
            assertThat(awaitSnapshot(f, SnapshotStatus.State.READY, SnapshotStatus.State.FAILED).state())
                    .isEqualTo(SnapshotStatus.State.READY);
            // The image's memory pages are gone: criu restore fails.
            try (var files = Files.list(f.snapshotDir().resolve("image"))) {
                for (Path p : files.filter(p -> p.getFileName().toString().startsWith("pages-")).toList()) {
                    Files.delete(p);
                }
            }
            try (Sandbox fresh = f.newSandbox()) {
                assertThat(call(fresh, "{}").get("calls").asInt()).isEqualTo(1);
            }
        }
        SnapshotStatus status = f.snapshot().orElseThrow();
        assertThat(status.lastRestored()).isFalse();
        assertThat(status.note()).startsWith("restore failed, the worker started fresh: ");
        assertThat(criu.failed()).isEqualTo(1);
    }

    @Test
    void starts_workers_fresh_with_criu_off() throws Exception {
        ProcessFunction f = load("off", Criu.off());
        try (Sandbox first = f.newSandbox()) {
            for (int i = 1; i <= 4; i++) {
                assertThat(call(first, "{}").get("calls").asInt()).isEqualTo(i);
            }
            try (Sandbox second = f.newSandbox()) {
                assertThat(call(second, "{}").get("calls").asInt()).isEqualTo(1);
                assertThat(((ProcessSandbox) second).command().getFirst()).endsWith("java");
            }
        }
        SnapshotStatus status = f.snapshot().orElseThrow();
        assertThat(status.state()).isEqualTo(SnapshotStatus.State.OFF);
        assertThat(status.note()).isEqualTo("off (--criu off)");
    }

    @Test
    void auto_without_a_working_criu_says_why_and_on_refuses_to_start() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HOTVISOR_CRIU", dir.resolve("no-such-criu").toString());
        Criu missing = Criu.detect(Criu.Mode.AUTO, env, dir);
        assertThat(missing.available()).isFalse();
        assertThat(missing.reason()).isEqualTo("criu binary " + dir.resolve("no-such-criu")
                + " does not exist or is not executable");
        assertThatThrownBy(() -> Criu.detect(Criu.Mode.ON, env, dir)).isInstanceOf(IllegalStateException.class)
                .hasMessage("--criu on, but CRIU cannot be used: criu binary " + dir.resolve("no-such-criu")
                        + " does not exist or is not executable (use --criu auto to start workers fresh without it)");

        Path old = dir.resolve("old-criu");
        Files.writeString(old, "#!/bin/sh\necho 'Version: 3.17'\n");
        old.toFile().setExecutable(true);
        env.put("HOTVISOR_CRIU", old.toString());
        Criu tooOld = Criu.detect(Criu.Mode.AUTO, env, dir);
        assertThat(tooOld.available()).isFalse();
        assertThat(tooOld.version()).isEqualTo("3.17");
        assertThat(tooOld.reason()).startsWith("criu 3.17 at " + old + " is older than 4.1");

        // A function of a node whose criu does not work starts its workers fresh, and says why.
        ProcessFunction f = load("fallback", tooOld);
        try (Sandbox first = f.newSandbox()) {
            assertThat(call(first, "{}").get("calls").asInt()).isEqualTo(1);
        }
        assertThat(f.snapshot().orElseThrow().state()).isEqualTo(SnapshotStatus.State.OFF);
        assertThat(f.snapshot().orElseThrow().note()).isEqualTo(tooOld.reason());
    }
}
