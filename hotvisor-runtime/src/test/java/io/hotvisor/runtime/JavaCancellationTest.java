package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;




import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * In-node Java functions that ignore interrupts are stopped by the cancellation polls woven into their classes:
 * on timeout and over their memory limit, through the real dispatcher, and their worker thread is given back.
 */
class JavaCancellationTest {
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

    /** A handler {@code com.acme.Fn} that answers "stopped" to {@code {"stop":true}} and else runs {@code body}. */
    private Path jar(String name, String body) {
        return TestJars.jar(dir, name, Map.of("com.acme.Fn", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    public Object handle(Map<String, Object> event, FunctionContext ctx) {
                        if (Boolean.TRUE.equals(event.get("stop"))) {
                            return "stopped";
                        }
                        %s
                    }
                }
                """.formatted(body)));
    }

    private FunctionDispatcher dispatcher(String name, Path jar, Duration timeout, int memoryMb,
                                          DispatchOptions options) {
        FunctionConfig config = FunctionConfig.builder(name, Language.JAVA, "com.acme.Fn").timeout(timeout)
                .memoryMb(memoryMb).concurrency(1).build();
        return dispatchers.create(config, new FunctionCode.JarFile(jar), options);
    }

    private static InvocationFailure failure(CompletableFuture<InvocationResult> future) throws Exception {
        return TestDispatchers.failure(future);
    }

    /**
     * With concurrency 1 the next invocation runs only once the stopped one has given its worker back: a stuck
     * thread would leave it queued until the two-minute wait fails.
     */
    private static void assertWorkerReleased(FunctionDispatcher d) throws Exception {
        InvocationResult again = d.submit("{\"stop\":true}", "again").orElseThrow().get(2, TimeUnit.MINUTES);
        assertThat(again.json()).isEqualTo("\"stopped\"");
        assertThat(d.busySandboxes()).isZero();
        assertThat(d.queueDepth()).isZero();
        assertThat(CancellationPoll.pending()).isZero();
    }

    @Test
    void times_out_a_loop_that_ignores_interrupts_and_gives_its_worker_back() throws Exception {
        FunctionDispatcher d = dispatcher("spin", jar("spin", """
                long n = 0;
                while (true) {
                    n++;
                    Thread.interrupted(); // clears the interrupt that cancels it
                }
                """), Duration.ofMillis(300), 0, DispatchOptions.defaults());

        InvocationFailure f = failure(d.submit("{}", "inv-1").orElseThrow());

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.TIMEOUT);
        assertWorkerReleased(d);
    }

    @Test
    void times_out_a_loop_that_swallows_the_cancellation_and_loops_again() throws Exception {
        FunctionDispatcher d = dispatcher("swallow", jar("swallow", """
                long n = 0;
                while (true) {
                    try {
                        while (true) {
                            n++;
                        }
                    } catch (Throwable t) {
                        n--;
                    }
                }
                """), Duration.ofMillis(300), 0, DispatchOptions.defaults());

        InvocationFailure f = failure(d.submit("{}", "inv-1").orElseThrow());

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.TIMEOUT);
        assertWorkerReleased(d);
    }

    @Test
    void stops_an_unbounded_memory_bomb_over_its_limit_without_an_out_of_memory_error() throws Exception {
        // Were it not stopped, it would fill the test JVM's heap: the OutOfMemoryError would fail this test (and
        // surface as an OutOfMemory failure, not MemoryLimitExceeded).
        FunctionDispatcher d = dispatcher("bomb", jar("bomb", """
                List<byte[]> hold = new ArrayList<>();
                while (true) {
                    hold.add(new byte[1 << 20]);
                }
                """), Duration.ofMinutes(2), 64, MemoryLimitsTest.UNDER_PRESSURE);

        InvocationFailure f = failure(d.submit("{}", "inv-1").orElseThrow());

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(f.errorType()).isEqualTo("MemoryLimitExceeded");
        assertWorkerReleased(d);
    }

    @Test
    void stops_runaway_recursion_that_catches_its_stack_overflow_at_method_entry() throws Exception {
        // Each frame catches everything and recurses again: only the poll at method entry ends it.
        Path jar = TestJars.jar(dir, "recur", Map.of("com.acme.Fn", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    static long calls;
                    static void down() {
                        calls++;
                        try {
                            down();
                        } catch (Throwable t) {
                            down();
                        }
                    }
                    public Object handle(Map<String, Object> event, FunctionContext ctx) {
                        if (Boolean.TRUE.equals(event.get("stop"))) {
                            return "stopped";
                        }
                        down();
                        return "unreachable";
                    }
                }
                """));
        FunctionDispatcher d = dispatcher("recur", jar, Duration.ofMillis(300), 0, DispatchOptions.defaults());

        InvocationFailure f = failure(d.submit("{}", "inv-1").orElseThrow());

        assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.TIMEOUT);
        assertWorkerReleased(d);
    }

    @Test
    void leaves_the_results_of_loops_switches_and_exceptions_unchanged() throws Exception {
        FunctionDispatcher d = dispatcher("calc", jar("calc", """
                long sum = 0;
                for (int i = 0; i < 1000; i++) {
                    switch (i % 4) {
                        case 0 -> sum += i;
                        case 1 -> sum -= 1;
                        default -> sum += 2;
                    }
                    String key = "k" + (i % 3);
                    switch (key) {
                        case "k0": sum += 1; break;
                        case "k1": sum += 10; break;
                        default: sum += 100;
                    }
                    try {
                        if (i % 100 == 0) {
                            throw new IllegalStateException("x" + i);
                        }
                    } catch (IllegalStateException e) {
                        sum += e.getMessage().length();
                    }
                }
                int j = 0;
                do {
                    j += 3;
                } while (j < 100);
                return List.of(sum, j);
                """), Duration.ofMinutes(1), 0, DispatchOptions.defaults());

        assertThat(d.submit("{}", "inv-1").orElseThrow().get(2, TimeUnit.MINUTES).json())
                .isEqualTo("[" + expectedSum() + ",102]");
    }

    private static long expectedSum() {
        long sum = 0;
        for (int i = 0; i < 1000; i++) {
            switch (i % 4) {
                case 0 -> sum += i;
                case 1 -> sum -= 1;
                default -> sum += 2;
            }
            sum += switch (i % 3) {
                case 0 -> 1;
                case 1 -> 10;
                default -> 100;
            };
            if (i % 100 == 0) {
                sum += ("x" + i).length();
            }
        }
        return sum;
    }

    @Test
    void weaves_a_poll_at_method_entry_and_before_each_backward_branch_only() throws Exception {
        Path jar = jar("shape", """
                int n = 0;
                for (int i = 0; i < 10; i++) {
                    n += i;
                }
                while (n > 5) {
                    n -= 5;
                }
                if (n == 3) {
                    n++;
                }
                return n;
                """);
        byte[] original;
        try (JarFile j = new JarFile(jar.toFile())) {
            original = j.getInputStream(j.getEntry("com/acme/Fn.class")).readAllBytes();
        }

        Map<String, Integer> polls = polls(PollWeaver.weave("com.acme.Fn", original));

        // handle: its entry and the back-edges of its two loops; the constructor: its entry.
        assertThat(polls).containsEntry("handle", 3).containsEntry("<init>", 1);
        assertThat(polls(original)).isEmpty();
    }

    /** Calls to {@link CancellationPoll#poll()} per method name. */
    private static Map<String, Integer> polls(byte[] type) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        new ClassReader(type).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String m, String d, boolean itf) {
                        if (owner.equals(CancellationPoll.INTERNAL_NAME) && m.equals(CancellationPoll.METHOD)) {
                            counts.merge(name, 1, Integer::sum);
                        }
                    }
                };
            }
        }, 0);
        return counts;
    }

    @Test
    void keeps_a_class_unwoven_when_asm_cannot_read_it() throws Exception {
        // A zip file, not a class file.
        byte[] garbage = Files.readAllBytes(jar("garbage", "return 1;"));
        assertThat(PollWeaver.weave("com.acme.Garbage", garbage)).isSameAs(garbage);
    }
}
