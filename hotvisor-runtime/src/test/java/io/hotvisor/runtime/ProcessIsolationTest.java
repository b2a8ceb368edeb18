package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java functions in worker JVMs ({@link Isolation#PROCESS}): real worker processes, driven by a real dispatcher. */
class ProcessIsolationTest {
    /** A function that answers its worker's pid, or misbehaves as the event asks. */
    static final String MISBEHAVING = """
            package com.acme;
            import java.util.*;
            public class Fn {
                public static Map<String, Object> main(Map<String, Object> event) throws Exception {
                    String mode = String.valueOf(event.get("mode"));
                    switch (mode) {
                        case "loop" -> { long n = 0; while (true) { n++; } }
                        case "exit" -> System.exit(3);
                        case "halt" -> Runtime.getRuntime().halt(4);
                        case "bomb" -> { List<long[]> keep = new ArrayList<>(); while (true) { keep.add(new long[1 << 20]); } }
                        case "sleep" -> Thread.sleep(1500);
                        case "native" -> {
                            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                            f.setAccessible(true);
                            sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
                            while (true) { long a = u.allocateMemory(16 << 20); u.setMemory(a, 16 << 20, (byte) 1); }
                        }
                        case "flood" -> { String line = "x".repeat(1023); for (int i = 0; i < 3 * 1024; i++) { System.out.println(line); } }
                        case "print" -> { System.out.println("one"); System.err.println("two"); System.out.print("three"); }
                        case "env" -> { return Map.of("env", new TreeMap<>(System.getenv())); }
                        case "throw" -> throw new IllegalStateException("bad input " + event.get("n"));
                        default -> { }
                    }
                    return Map.of("pid", ProcessHandle.current().pid());
                }
            }
            """;

    /** Every Java handler shape, one class each, in one jar. */
    static final Map<String, String> SHAPES = Map.of(
            "com.acme.Lambda", """
                    package com.acme;
                    import java.util.*;
                    import com.amazonaws.services.lambda.runtime.*;
                    public class Lambda implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                        public Map<String, Object> handleRequest(Map<String, Object> event, Context c) {
                            return Map.of("greeting", "Hello, " + event.get("name"), "function", c.getFunctionName(),
                                    "memory", c.getMemoryLimitInMB());
                        }
                    }
                    """,
            "com.acme.Stream", """
                    package com.acme;
                    import java.io.*;
                    import com.amazonaws.services.lambda.runtime.*;
                    public class Stream implements RequestStreamHandler {
                        public void handleRequest(InputStream in, OutputStream out, Context c) throws IOException {
                            out.write(("{\\"echo\\":" + new String(in.readAllBytes(), "UTF-8") + "}").getBytes("UTF-8"));
                        }
                    }
                    """,
            "com.acme.Hv", """
                    package com.acme;
                    import java.util.*;
                    import io.hotvisor.api.*;
                    public class Hv implements Handler {
                        public Object handle(Map<String, Object> event, FunctionContext ctx) {
                            return List.of(ctx.invocationId(), ctx.env().get("GREETING") + " " + event.get("name"));
                        }
                    }
                    """,
            "com.acme.Gv", """
                    package com.acme;
                    import java.util.*;
                    public class Gv {
                        public static Map<String, Object> main(Map<String, Object> args) {
                            return Map.of("name", args.get("name"));
                        }
                    }
                    """,
            "com.acme.Ow", """
                    package com.acme;
                    import com.google.gson.JsonObject;
                    public class Ow {
                        public static JsonObject main(JsonObject args) {
                            JsonObject out = new JsonObject();
                            out.addProperty("greeting", "Hello " + args.get("name").getAsString());
                            return out;
                        }
                    }
                    """);

    /** A handler that counts its calls per JVM (a static field) and per instance, and prints a line for each. */
    static final String COUNTED = """
            package com.acme;
            import java.util.*;
            import io.hotvisor.api.*;
            public class Counted implements Handler {
                static int jvm;
                int instance;
                public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                    jvm++;
                    instance++;
                    System.out.println("call " + jvm);
                    if ("loop".equals(event.get("mode"))) { long n = 0; while (true) { n++; } }
                    return Map.of("jvm", jvm, "instance", instance, "pid", ProcessHandle.current().pid());
                }
            }
            """;

    @TempDir
    Path dir;
    TestFunctions functions;
    ScheduledExecutorService watchdog;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir, RuntimeOptions.builder().aotCacheDir(dir.resolve("aot"))
                .aotTrainingInvocations(0).build());
        watchdog = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        functions.close();
        watchdog.shutdownNow();
    }

    static FunctionDefinition definition(String name, String handler, Path jar, int concurrency, Duration timeout) {
        return new FunctionDefinition(FunctionConfig.builder(name, Language.JAVA, handler)
                .env(Map.of("GREETING", "hi")).memoryMb(64).concurrency(concurrency).timeout(timeout)
                .isolation(Isolation.PROCESS).build(), new FunctionCode.JarFile(jar), 1);
    }

    private LoadedFunction misbehaving(String name, int concurrency, Duration timeout) {
        Path jar = TestJars.jar(dir, name, Map.of("com.acme.Fn", MISBEHAVING));
        return functions.load(definition(name, "com.acme.Fn::main", jar, concurrency, timeout));
    }

    private FunctionDispatcher dispatcher(LoadedFunction f) {
        return FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(Duration.ofMillis(5)), Ticker.system(),
                watchdog, Executors.newVirtualThreadPerTaskExecutor(), DispatchListener.none(), null);
    }

    private static String call(FunctionDispatcher d, String event) throws Exception {
        return d.submit(event, "inv").orElseThrow().get(120, TimeUnit.SECONDS).json();
    }

    private static InvocationFailure failure(FunctionDispatcher d, String event) {
        CompletableFuture<InvocationResult> f = d.submit(event, "inv").orElseThrow();
        ExecutionException e = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
                () -> f.get(120, TimeUnit.SECONDS));
        assertThat(e).as("the invocation should have failed").isNotNull();
        assertThat(e.getCause()).isInstanceOf(InvocationFailure.class);
        return (InvocationFailure) e.getCause();
    }

    private static long pid(String json) {
        return Long.parseLong(json.replaceAll("\\D", ""));
    }

    @Test
    void runs_every_java_handler_shape_in_a_worker() {
        Path jar = TestJars.jar(dir, "shapes", SHAPES);
        Map<String, String> expected = Map.of(
                "com.acme.Lambda::handleRequest", "{\"greeting\":\"Hello, Ada\",\"function\":\"shapes\",\"memory\":64}",
                "com.acme.Stream", "{\"echo\":{\"name\":\"Ada\"}}",
                "com.acme.Hv", "[\"inv-1\",\"hi Ada\"]",
                "com.acme.Gv::main", "{\"name\":\"Ada\"}",
                "com.acme.Ow::main", "{\"greeting\":\"Hello Ada\"}");

        expected.forEach((handler, json) -> {
            LoadedFunction f = functions.load(definition("shapes", handler, jar, 1, Duration.ofSeconds(60)));
            String got = TestFunctions.invokeOnce(f, "{\"name\":\"Ada\"}");
            if (handler.startsWith("com.acme.Lambda")) {
                assertThat(got).as(handler).contains("\"greeting\":\"Hello, Ada\"", "\"function\":\"shapes\"",
                        "\"memory\":64");
            } else {
                assertThat(got).as(handler).isEqualTo(json);
            }
            f.close();
        });
    }

    @Test
    void kills_the_worker_of_a_loop_that_ignores_interrupts_and_replaces_it() throws Exception {
        FunctionDispatcher d = dispatcher(misbehaving("loop", 1, Duration.ofMillis(1500)));
        long first = pid(call(d, "{}"));

        InvocationFailure f = failure(d, "{\"mode\":\"loop\"}");

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.TIMEOUT);
        ProcessHandle.of(first).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        long next = pid(call(d, "{}"));
        assertThat(next).isNotEqualTo(first);
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void classifies_system_exit_and_halt_naming_the_exit_code_and_goes_on() throws Exception {
        FunctionDispatcher d = dispatcher(misbehaving("exit", 1, Duration.ofSeconds(60)));

        InvocationFailure exit = failure(d, "{\"mode\":\"exit\"}");
        InvocationFailure halt = failure(d, "{\"mode\":\"halt\"}");

        assertThat(exit.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
        assertThat(exit.errorType()).isEqualTo("WorkerExited");
        assertThat(exit.getMessage()).startsWith("Function 'exit' ended its worker process (pid ")
                .contains("with exit code 3 during the invocation");
        assertThat(halt.getMessage()).contains("with exit code 4");
        assertThat(call(d, "{}")).contains("pid");
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void stops_a_memory_bomb_as_memory_limit_exceeded_and_replaces_the_worker() throws Exception {
        FunctionDispatcher d = dispatcher(misbehaving("bomb", 1, Duration.ofSeconds(60)));
        long heapBefore = Runtime.getRuntime().maxMemory();

        InvocationFailure f = failure(d, "{\"mode\":\"bomb\"}");

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(f.errorType()).isEqualTo("MemoryLimitExceeded");
        assertThat(f.getMessage()).startsWith("Function 'bomb' ").contains("memoryMb 64");
        assertThat(Runtime.getRuntime().maxMemory()).isEqualTo(heapBefore);
        assertThat(call(d, "{}")).contains("pid");
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void kills_a_worker_whose_resident_memory_outgrows_its_limit() throws Exception {
        FunctionDispatcher d = dispatcher(misbehaving("native", 1, Duration.ofSeconds(60)));

        InvocationFailure f = failure(d, "{\"mode\":\"native\"}");

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(f.errorType()).isEqualTo("MemoryLimitExceeded");
        assertThat(f.getMessage()).startsWith("Function 'native' used ")
                .contains("MB of memory in its worker process, over its limit of 288 MB");
        assertThat(call(d, "{}")).contains("pid");
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void keeps_a_worker_after_the_functions_own_error() throws Exception {
        FunctionDispatcher d = dispatcher(misbehaving("throws", 1, Duration.ofSeconds(60)));
        long before = pid(call(d, "{}"));

        InvocationFailure f = failure(d, "{\"mode\":\"throw\",\"n\":7}");

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
        assertThat(f.errorType()).isEqualTo("IllegalStateException");
        assertThat(f.getMessage()).isEqualTo("bad input 7");
        assertThat(f.stack()).first().asString().startsWith("com.acme.Fn.main(Fn.java:");
        assertThat(pid(call(d, "{}"))).isEqualTo(before);
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void gives_the_function_only_its_own_environment() {
        LoadedFunction f = misbehaving("env", 1, Duration.ofSeconds(60));

        assertThat(TestFunctions.invokeOnce(f, "{\"mode\":\"env\"}")).isEqualTo("{\"env\":{\"GREETING\":\"hi\"}}");
        assertThat(System.getenv()).containsKey("PATH");
    }

    @Test
    void survives_an_output_flood_and_caps_what_it_keeps() {
        JavaWorkerMain.Capture capture = new JavaWorkerMain.Capture(1024 * 1024);
        byte[] line = ("x".repeat(1023) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < 3 * 1024; i++) {
            capture.out.write(line, 0, line.length);
        }
        capture.err.write(line, 0, line.length);

        WorkerProtocol.Result r = capture.result(null, "1", null, java.util.List.of());

        assertThat(r.stdout()).hasSize(1024 * 1024);
        assertThat(r.stderr()).isEmpty();
        assertThat(r.droppedOutputBytes()).isEqualTo(2L * 1024 * 1024 + line.length);
        assertThat(capture.result(null, "1", null, java.util.List.of()).droppedOutputBytes()).isZero();
        assertThat(TestFunctions.invokeOnce(misbehaving("flood", 1, Duration.ofSeconds(60)), "{\"mode\":\"flood\"}"))
                .contains("pid");
    }

    @Test
    void measures_an_invocation_by_the_cpu_time_of_the_workers_thread_not_the_wall_time_nor_the_nodes_logging()
            throws Exception {
        LoadedFunction f = misbehaving("printing", 1, Duration.ofSeconds(60));
        List<Long> heard = new CopyOnWriteArrayList<>();
        long perLine = Duration.ofSeconds(10).toNanos(); // the node's thread "spends" 10 s of CPU on each line
        try (LoggingCpu logging = LoggingCpu.charging("printing", perLine)) {
            FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults(), logging.ticker(),
                    watchdog, Executors.newVirtualThreadPerTaskExecutor(), new DispatchListener() {
                        @Override
                        public java.util.Optional<Warmth.State> invocationSucceeded(
                                FunctionDefinition function, long nanos, long measuredNanos) {
                            heard.add(nanos);
                            heard.add(measuredNanos);
                            return java.util.Optional.empty();
                        }
                    }, null);
            assertThat(call(d, "{\"mode\":\"print\"}")).contains("pid");
            assertThat(call(d, "{\"mode\":\"sleep\"}")).contains("pid");
            d.drain().get(60, TimeUnit.SECONDS);
            assertThat(logging.cpu()).as("three lines logged, the unterminated one too").isEqualTo(3 * perLine);
        }
        assertThat(heard).hasSize(4);
        assertThat(heard.get(1)).as("what warmth hears of the printing call: the worker's CPU, no logging")
                .isPositive().isLessThan(perLine);
        assertThat(heard.get(2)).as("the sleeping call's duration").isGreaterThanOrEqualTo(1_500_000_000L);
        assertThat(heard.get(3)).as("what warmth hears of it: the worker thread's CPU, not its 1.5 s asleep")
                .isPositive().isLessThan(heard.get(2) / 2);
    }

    private LoadedFunction counted(String name, SandboxPolicy sandbox, String warmUpInput) {
        Path jar = TestJars.jar(dir, name, Map.of("com.acme.Counted", COUNTED));
        return functions.load(new FunctionDefinition(FunctionConfig.builder(name, Language.JAVA, "com.acme.Counted")
                .memoryMb(64).timeout(Duration.ofSeconds(3)).sandbox(sandbox).isolation(Isolation.PROCESS)
                .warmupInputs(List.of(warmUpInput)).warmupSampling(true).build(), new FunctionCode.JarFile(jar), 1));
    }

    @Test
    void replays_warm_up_inputs_in_the_worker_that_then_serves_and_leaks_no_result_output_or_instance()
            throws Exception {
        LoadedFunction f = counted("counted", SandboxPolicy.REUSE, "{\"n\":1}");
        try (LoggingCpu lines = LoggingCpu.charging("counted", 1)) {
            FunctionDispatcher d = dispatcher(f);

            WarmUp w = d.warmUp(WarmthOptions.defaults().warmUpReplays(12), List.of("{\"n\":2}"), 0);
            com.fasterxml.jackson.databind.JsonNode first = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(call(d, "{}"));

            assertThat(w.outcome()).isIn(WarmUp.Outcome.SETTLED, WarmUp.Outcome.MAX_REPLAYS);
            assertThat(w.replays()).isPositive();
            assertThat(first.get("jvm").asInt()).as("the replays ran in the worker JVM that serves")
                    .isEqualTo(w.replays() + 1);
            assertThat(first.get("instance").asInt()).as("in a handler instance of their own").isEqualTo(1);
            assertThat(lines.cpu()).as("lines logged: the invocation's only").isEqualTo(1);
            d.drain().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void stops_a_replay_that_runs_past_its_timeout_by_killing_its_worker_and_serves_from_a_new_one()
            throws Exception {
        FunctionDispatcher d = dispatcher(counted("looping", SandboxPolicy.REUSE, "{\"mode\":\"loop\"}"));

        WarmUp w = d.warmUp(WarmthOptions.defaults().warmUpReplays(3), List.of(), 0);

        assertThat(w.outcome()).isEqualTo(WarmUp.Outcome.FAILED);
        assertThat(w.detail()).contains("Warm-up input 1 of 1 failed (cancelled)");
        com.fasterxml.jackson.databind.JsonNode next = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(call(d, "{}"));
        assertThat(next.get("jvm").asInt()).as("a new worker: the replay's was killed").isEqualTo(1);
        d.drain().get(60, TimeUnit.SECONDS);
    }

    @Test
    void has_no_replays_for_fresh_sandboxes() {
        FunctionDispatcher d = dispatcher(counted("fresh", SandboxPolicy.FRESH, "{}"));

        assertThat(d.warmUp(WarmthOptions.defaults()).outcome()).isEqualTo(WarmUp.Outcome.UNSUPPORTED);
    }

    @Test
    void runs_concurrent_invocations_in_separate_workers() throws Exception {
        FunctionDispatcher d = dispatcher(misbehaving("wide", 2, Duration.ofSeconds(60)));
        CompletableFuture<InvocationResult> a = d.submit("{\"mode\":\"sleep\"}", "a").orElseThrow();
        while (d.busySandboxes() == 0 && !a.isDone()) {
            Thread.sleep(5);
        }
        CompletableFuture<InvocationResult> b = d.submit("{\"mode\":\"sleep\"}", "b").orElseThrow();

        long pa = pid(a.get(120, TimeUnit.SECONDS).json());
        long pb = pid(b.get(120, TimeUnit.SECONDS).json());

        assertThat(pa).isNotEqualTo(pb);
        d.shutdownNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void fails_the_deploy_with_the_in_node_message_when_the_handler_is_missing() {
        Path jar = TestJars.jar(dir, "missing", Map.of("com.acme.Fn", MISBEHAVING));

        assertThatThrownBy(() -> functions.load(definition("missing", "com.acme.Nope::main", jar, 1,
                Duration.ofSeconds(60))))
                .isInstanceOfSatisfying(DeployException.class, e -> {
                    assertThat(e.field()).hasValue("handler");
                    assertThat(e.getMessage()).isEqualTo("Handler class 'com.acme.Nope' not found in function"
                            + " 'missing'; classes in the jar: [com.acme.Fn]");
                });
    }

    @Test
    void refuses_process_isolation_for_javascript() {
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.defaults())) {
            FunctionDefinition js = new FunctionDefinition(FunctionConfig.builder("js", Language.JAVASCRIPT, "main")
                    .isolation(Isolation.PROCESS).build(), new FunctionCode.SourceText("function main() {}"), 1);

            assertThatThrownBy(() -> runtime.load(js)).isInstanceOfSatisfying(DeployException.class, e -> {
                assertThat(e.field()).hasValue("isolation");
                assertThat(e.getMessage()).isEqualTo("Isolation 'process' is for Java functions only; function 'js'"
                        + " is javascript: use 'node'");
            });
        }
    }

    @Test
    void reads_the_anonymous_resident_set_of_a_process() throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nRssAnon:\t   12345 kB\nRssFile:\t 999 kB\n");

        assertThat(ProcessSandbox.rssAnon(status)).isEqualTo(12345L * 1024);
        assertThat(ProcessSandbox.rssAnon(dir.resolve("none"))).isZero();
    }
}
