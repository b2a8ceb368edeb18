package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaFailuresTest {
    private static final String FAILING = """
            package com.acme;
            import java.util.*;
            import io.hotvisor.api.*;
            public class Failing implements Handler {
                public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                    switch ((String) event.get("how")) {
                        case "throw": return check(event);
                        case "recurse": return recurse(1);
                        case "oom": return new long[Integer.MAX_VALUE - 16].length;
                        case "sleep": Thread.sleep(60_000); return "woke";
                        default: return "ok";
                    }
                }
                private static Object check(Map<String, Object> event) {
                    throw new IllegalStateException("the order " + event.get("id") + " is closed");
                }
                private static int recurse(int n) {
                    return recurse(n + 1) + 1;
                }
            }
            """;

    @TempDir
    Path dir;
    TestFunctions functions;
    LoadedFunction failing;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir);
        failing = functions.load("failing", "com.acme.Failing::handle", Map.of("com.acme.Failing", FAILING));
    }

    @AfterEach
    void tearDown() {
        functions.close();
    }

    @Test
    void a_thrown_exception_is_a_function_error_with_only_the_functions_frames() {
        assertThatThrownBy(() -> TestFunctions.invokeOnce(failing, "{\"how\":\"throw\",\"id\":7}"))
                .isInstanceOfSatisfying(InvocationFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
                    assertThat(e.errorType()).isEqualTo("IllegalStateException");
                    assertThat(e.getMessage()).isEqualTo("the order 7 is closed");
                    assertThat(e.stack()).first().asString().startsWith("com.acme.Failing.check(Failing.java:");
                    assertThat(e.stack()).hasSize(2).allSatisfy(frame -> assertThat(frame).startsWith("com.acme.Failing."));
                });
    }

    @Test
    void a_stack_overflow_is_resource_exhausted_with_a_trimmed_stack() {
        assertThatThrownBy(() -> TestFunctions.invokeOnce(failing, "{\"how\":\"recurse\"}"))
                .isInstanceOfSatisfying(InvocationFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
                    assertThat(e.errorType()).isEqualTo("StackOverflow");
                    assertThat(e.getMessage()).isEqualTo("Function 'failing' overflowed its stack (recursion too deep)");
                });
    }

    @Test
    void an_out_of_memory_error_is_resource_exhausted() {
        assertThatThrownBy(() -> TestFunctions.invokeOnce(failing, "{\"how\":\"oom\"}"))
                .isInstanceOfSatisfying(InvocationFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
                    assertThat(e.errorType()).isEqualTo("OutOfMemory");
                    assertThat(e.getMessage()).startsWith("Function 'failing' ran out of memory: ");
                });
    }

    @Test
    void the_stack_of_a_deep_failure_keeps_at_most_twenty_frames() {
        var deep = new IllegalArgumentException("deep");
        var frames = new StackTraceElement[40];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new StackTraceElement("com.acme.Deep", "level" + i, "Deep.java", i + 1);
        }
        deep.setStackTrace(frames);

        assertThat(JavaFailures.stack(deep)).hasSize(21).endsWith("... 20 more").first()
                .isEqualTo("com.acme.Deep.level0(Deep.java:1)");
    }

    @Test
    void cancel_interrupts_a_sleeping_function_and_the_invocation_is_cancelled() throws Exception {
        Sandbox sandbox = failing.newSandbox();
        CompletableFuture<Boolean> interruptFlagAfter = new CompletableFuture<>();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                sandbox.invoke("{\"how\":\"sleep\"}", TestFunctions.invocation("failing"));
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
            interruptFlagAfter.complete(Thread.currentThread().isInterrupted());
        });
        while (t.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }

        sandbox.cancel();

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(InvocationFailure.class,
                e -> assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.CANCELLED));
        assertThat(interruptFlagAfter.get(10, TimeUnit.SECONDS)).as("the worker's interrupt flag is cleared").isFalse();
        assertThatThrownBy(() -> sandbox.invoke("{\"how\":\"ok\"}", TestFunctions.invocation("failing")))
                .isInstanceOfSatisfying(InvocationFailure.class,
                        e -> assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.CANCELLED));
        sandbox.close();
    }

    @Test
    void a_sandbox_survives_a_function_error() {
        try (Sandbox sandbox = failing.newSandbox()) {
            assertThatThrownBy(() -> sandbox.invoke("{\"how\":\"throw\"}", TestFunctions.invocation("failing")))
                    .isInstanceOf(InvocationFailure.class);
            assertThat(sandbox.invoke("{\"how\":\"ok\"}", TestFunctions.invocation("failing"))).isEqualTo("\"ok\"");
        }
    }
}
