package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;




import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory, heap and result limits, enforced on real functions of every language through the dispatcher. */
class MemoryLimitsTest {
    private static final String HELLO_JS = "exports.handler = (event) => ({ hello: event.name });";

    private static FunctionRuntime runtime;
    private TestDispatchers dispatchers;

    @TempDir
    Path dir;

    @BeforeAll
    static void createRuntime() {
        runtime = FunctionRuntime.create(RuntimeOptions.defaults());
    }

    @AfterAll
    static void closeRuntime() {
        runtime.close();
    }

    @BeforeEach
    void createDispatchers() {
        dispatchers = new TestDispatchers(runtime);
    }

    @AfterEach
    void stop() throws Exception {
        dispatchers.close();
    }

    private FunctionDispatcher dispatcher(Language language, String name, String handler, FunctionCode code,
                                          int memoryMb, DispatchOptions options) {
        // A long timeout: a memory bomb must be stopped by its memory limit, not by the clock.
        FunctionConfig config = FunctionConfig.builder(name, language, handler).memoryMb(memoryMb)
                .timeout(Duration.ofMinutes(2)).build();
        return dispatchers.create(config, code, options);
    }

    /** The node's heap reads 60% full: above {@link HeapGuard#DEFAULT_MEMORY_LIMITS_ABOVE}, so limits hold. */
    static final DispatchOptions UNDER_PRESSURE = DispatchOptions.defaults()
            .heapGuard(HeapGuard.create(() -> 0.60, HeapGuard.DEFAULT_THRESHOLD));

    private FunctionDispatcher javascript(String name, String source, int memoryMb) {
        return javascript(name, source, memoryMb, UNDER_PRESSURE);
    }

    private FunctionDispatcher javascript(String name, String source, int memoryMb, DispatchOptions options) {
        return dispatcher(Language.JAVASCRIPT, name, "index.handler", new FunctionCode.SourceText(source), memoryMb,
                options);
    }

    /** A heap guard reading 60% full (limits hold) that counts in {@code released} each time memory is released. */
    private static HeapGuard underPressureCounting(AtomicInteger released) {
        return HeapGuard.create(() -> 0.60, HeapGuard.DEFAULT_THRESHOLD, HeapGuard.DEFAULT_MEMORY_LIMITS_ABOVE,
                new HeapGuard.Refresher() {
                    @Override
                    public void readingRefused() {
                    }

                    @Override
                    public void memoryReleased() {
                        released.incrementAndGet();
                    }
                });
    }

    private static CompletableFuture<InvocationResult> submit(FunctionDispatcher d, String event) {
        return d.submit(event, "inv-1").orElseThrow();
    }

    private static String result(FunctionDispatcher d, String event) throws Exception {
        return submit(d, event).get(2, TimeUnit.MINUTES).json();
    }

    private static InvocationFailure failure(CompletableFuture<InvocationResult> future) throws Exception {
        return TestDispatchers.failure(future);
    }

    private static void assertMemoryLimitExceeded(InvocationFailure f, String name) {
        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(f.errorType()).isEqualTo("MemoryLimitExceeded");
        assertThat(f.getMessage()).isEqualTo("Function '" + name
                + "' allocated more than 64 MB in one invocation (memoryMb 64) while the node's heap was 60% full;"
                + " the invocation was stopped");
    }

    @Test
    void leaves_a_function_that_only_makes_garbage_alone_while_the_heap_is_not_under_pressure() throws Exception {
        // Allocates far more than 16 MB in all, but keeps almost nothing: at a 10% heap it must run to its end.
        FunctionDispatcher churn = javascript("churn", """
                exports.handler = () => {
                  let keep = 0;
                  for (let i = 0; i < 200000; i++) { keep += ('x'.repeat(1024) + i).length % 7; }
                  return { keep };
                };""", 16, DispatchOptions.defaults().heapGuard(HeapGuard.create(() -> 0.10, 0.85)));
        assertThat(result(churn, "{}")).startsWith("{\"keep\":");
    }

    @Test
    void stops_a_javascript_memory_bomb_and_runs_the_next_function() throws Exception {
        AtomicInteger released = new AtomicInteger();
        HeapGuard guard = underPressureCounting(released);
        FunctionDispatcher bomb = javascript("js-bomb",
                "exports.handler = () => { const a = []; while (true) { a.push('x'.repeat(1024) + a.length); } };", 64,
                DispatchOptions.defaults().heapGuard(guard));
        FunctionDispatcher hello = javascript("hello", HELLO_JS, 64);

        assertMemoryLimitExceeded(failure(submit(bomb, "{}")), "js-bomb");
        assertThat(result(hello, "{\"name\":\"ada\"}")).isEqualTo("{\"hello\":\"ada\"}");
        // Once the bomb's worker thread has left the sandbox, what it held is garbage: the guard is told, so that its
        // reading does not stay full. The caller hears of the failure before that, so wait for it.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (released.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(released).hasValue(1);
    }

    @Test
    void stops_a_warm_up_input_that_is_a_memory_bomb_and_says_which_one() throws Exception {
        AtomicInteger released = new AtomicInteger();
        HeapGuard guard = underPressureCounting(released);
        // The second declared input bombs; a long timeout, so that only the memory limit can stop it.
        FunctionConfig config = FunctionConfig.builder("warm-bomb", Language.JAVASCRIPT, "index.handler").memoryMb(64)
                .timeout(Duration.ofMinutes(2)).warmupInputs(List.of("{}", "{\"bomb\": true}")).build();
        FunctionDispatcher d = dispatchers.create(config, new FunctionCode.SourceText("""
                exports.handler = (event) => {
                  if (!event.bomb) { return { ok: true }; }
                  const a = []; while (true) { a.push('x'.repeat(1024) + a.length); }
                };"""), DispatchOptions.defaults().heapGuard(guard));

        WarmUp w = d.warmUp(WarmthOptions.defaults());

        assertThat(w.outcome()).isEqualTo(WarmUp.Outcome.FAILED);
        assertThat(w.detail()).isEqualTo("Warm-up input 2 of 2 allocated more than 64 MB in one replay (memoryMb 64)"
                + " while the node's heap was 60% full; the replays were stopped");
        assertThat(released).hasValue(1);
        assertThat(result(d, "{}")).isEqualTo("{\"ok\":true}");
    }

    @Test
    void stops_a_python_memory_bomb_and_runs_the_next_function() throws Exception {
        FunctionDispatcher bomb = dispatcher(Language.PYTHON, "py-bomb", "lambda_function.lambda_handler",
                new FunctionCode.SourceText("""
                        def lambda_handler(event, context):
                            a = []
                            while True:
                                a.append('x' * 1024 + str(len(a)))
                        """), 64, UNDER_PRESSURE);
        FunctionDispatcher hello = javascript("hello", HELLO_JS, 64);

        assertMemoryLimitExceeded(failure(submit(bomb, "{}")), "py-bomb");
        assertThat(result(hello, "{\"name\":\"bob\"}")).isEqualTo("{\"hello\":\"bob\"}");
    }

    @Test
    void stops_a_java_memory_bomb_and_runs_the_next_function() throws Exception {
        // Bounded, and it heeds the interrupt that cancels it: a Java loop that ignores interrupts cannot be stopped
        // inside the JVM (see JavaSandbox). Were the limit not enforced it would return "survived".
        Path jar = TestJars.jar(dir, "java-bomb", Map.of("com.acme.Bomb", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Bomb implements Handler {
                    public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                        List<byte[]> hold = new ArrayList<>();
                        while (hold.size() < 512) {
                            if (Thread.interrupted()) {
                                throw new InterruptedException();
                            }
                            hold.add(new byte[1024 * 1024]);
                            Thread.sleep(1);
                        }
                        return "survived";
                    }
                }
                """));
        FunctionDispatcher bomb = dispatcher(Language.JAVA, "java-bomb", "com.acme.Bomb",
                new FunctionCode.JarFile(jar), 64, UNDER_PRESSURE);
        FunctionDispatcher hello = javascript("hello", HELLO_JS, 64);

        assertMemoryLimitExceeded(failure(submit(bomb, "{}")), "java-bomb");
        assertThat(result(hello, "{\"name\":\"cy\"}")).isEqualTo("{\"hello\":\"cy\"}");
    }

    @Test
    void runs_a_function_that_allocates_less_than_its_limit() throws Exception {
        FunctionDispatcher modest = javascript("modest", """
                exports.handler = () => {
                  const a = [];
                  for (let i = 0; i < 4000; i++) { a.push('x'.repeat(1024) + i); }
                  return a.length;
                };""", 256);

        assertThat(result(modest, "{}")).isEqualTo("4000");
        assertThat(result(modest, "{}")).isEqualTo("4000");
    }

    @Test
    void refuses_invocations_as_overloaded_while_the_heap_is_nearly_full() throws Exception {
        FunctionDispatcher full = dispatcher(Language.JAVASCRIPT, "full", "index.handler",
                new FunctionCode.SourceText(HELLO_JS), 64,
                DispatchOptions.defaults().heapGuard(HeapGuard.create(() -> 0.90, 0.85)));
        FunctionDispatcher roomy = dispatcher(Language.JAVASCRIPT, "roomy", "index.handler",
                new FunctionCode.SourceText(HELLO_JS), 64,
                DispatchOptions.defaults().heapGuard(HeapGuard.create(() -> 0.50, 0.85)));

        InvocationFailure f = failure(submit(full, "{\"name\":\"dee\"}"));

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.OVERLOADED);
        assertThat(f.getMessage()).isEqualTo("The node is short of memory: heap 90% used (limit 85%); retry later");
        assertThat(result(roomy, "{\"name\":\"dee\"}")).isEqualTo("{\"hello\":\"dee\"}");
    }

    @Test
    void completes_a_javascript_function_that_prints_ten_megabytes() throws Exception {
        // Printing 10 MB allocates far more than 10 MB on the way (strings, encoding): a generous memoryMb.
        FunctionDispatcher chatty = javascript("chatty", """
                exports.handler = () => {
                  const line = 'y'.repeat(1023);
                  for (let i = 0; i < 10240; i++) { console.log(line); }
                  return 'done';
                };""", 2048);

        assertThat(result(chatty, "{}")).isEqualTo("\"done\"");
    }

    @Test
    void fails_a_ten_megabyte_result_as_too_large_and_keeps_serving() throws Exception {
        FunctionDispatcher big = javascript("big", """
                exports.handler = (event) => event.small ? 'ok' : 'z'.repeat(10 * 1024 * 1024);""", 2048);

        InvocationFailure f = failure(submit(big, "{}"));

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(f.errorType()).isEqualTo("ResultTooLarge");
        assertThat(f.getMessage()).isEqualTo(
                "Function 'big' returned a result of 10485762 bytes; the limit is 6291456 bytes (6 MB)");
        assertThat(result(big, "{\"small\":true}")).isEqualTo("\"ok\"");
    }
}
