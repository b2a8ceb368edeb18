package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An in-node Java function sees its own {@code System}: the environment is its {@code env}, its stdout and stderr go
 * to its logger capped per invocation (never to the node's stdout), and the system properties are a copy without
 * the node's paths. See {@link GuestSystem} and {@link SystemRedirects}.
 */
class JavaGuestSystemTest {
    @TempDir
    Path dir;
    TestFunctions functions;
    /** What the function loggers got: "LEVEL text". */
    private final List<String> logged = new ArrayList<>();
    private final List<Logger> watched = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logged) {
                logged.add(record.getLevel() + " " + record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ByteArrayOutputStream hostOut = new ByteArrayOutputStream();
    private PrintStream realOut;
    private PrintStream realErr;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir);
        // The node's own stdout and stderr, as the function would find them without the redirects.
        realOut = System.out;
        realErr = System.err;
        PrintStream host = new PrintStream(hostOut, true, StandardCharsets.UTF_8);
        System.setOut(host);
        System.setErr(host);
    }

    @AfterEach
    void tearDown() {
        System.setOut(realOut);
        System.setErr(realErr);
        functions.close();
        for (Logger l : watched) {
            l.removeHandler(capture);
            l.setUseParentHandlers(true);
        }
    }

    private void watchLogOf(String functionName) {
        Logger l = Logger.getLogger("hotvisor.function." + functionName);
        l.addHandler(capture);
        // Not also to the console handler, which may hold the stderr this test replaces.
        l.setUseParentHandlers(false);
        watched.add(l);
    }

    private List<String> logged() {
        synchronized (logged) {
            return List.copyOf(logged);
        }
    }

    /** A function com.acme.Fn whose handler runs {@code body}, with {@code members} beside it. */
    private LoadedFunction load(String name, String members, String body) {
        watchLogOf(name);
        return functions.load(name, "com.acme.Fn", Map.of("com.acme.Fn", """
                package com.acme;
                import java.util.*;
                import java.util.stream.*;
                import java.io.*;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    %s
                    public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                        %s
                    }
                }
                """.formatted(members, body)));
    }

    @Test
    void shows_a_function_only_its_own_environment_however_it_asks() {
        assertThat(System.getenv("PATH")).as("the host's PATH, which the function must not see").isNotNull();
        LoadedFunction f = load("env", """
                static final String AT_LOAD = System.getenv("GREETING") + "/" + System.getenv("PATH");
                """, """
                Map<String, Object> r = new TreeMap<>();
                r.put("all", new TreeMap<>(System.getenv()));
                r.put("path", String.valueOf(System.getenv("PATH")));
                r.put("atLoad", AT_LOAD);
                r.put("byReference", Optional.of("GREETING").map(System::getenv).orElse("none")
                        + "/" + Optional.of("PATH").map(System::getenv).orElse("none"));
                // On the common ForkJoinPool's threads, outside the invocation's thread.
                r.put("parallel", IntStream.range(0, 64).parallel()
                        .mapToObj(i -> System.getenv("GREETING") + "/" + System.getenv("HOME"))
                        .distinct().collect(Collectors.toList()));
                return r;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).contains("\"all\":{\"GREETING\":\"hi\"}", "\"path\":\"null\"", "\"atLoad\":\"hi/null\"",
                "\"byReference\":\"hi/none\"", "\"parallel\":[\"hi/null\"]");
    }

    @Test
    void captures_stdout_stderr_and_stack_traces_in_the_functions_log_not_the_nodes_stdout() {
        LoadedFunction f = load("printer", """
                static { System.out.println("from the static initializer"); }
                static final PrintStream KEPT = System.out;
                """, """
                System.out.println("hello out");
                System.err.println("hello err");
                KEPT.println("through a kept stream");
                new IllegalStateException("printed trace").printStackTrace();
                System.setOut(new PrintStream(new ByteArrayOutputStream()));
                System.out.println("into the function's own stream");
                return System.console() == null && System.in.read() == -1;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).isEqualTo("true");
        assertThat(logged()).contains("INFO from the static initializer", "INFO hello out", "WARNING hello err",
                "INFO through a kept stream", "WARNING java.lang.IllegalStateException: printed trace");
        assertThat(logged()).noneMatch(l -> l.contains("into the function's own stream"));
        assertThat(System.out).as("the node's stdout, untouched by the function's System.setOut")
                .isSameAs(System.err);
        assertThat(hostOut.toString(StandardCharsets.UTF_8)).doesNotContain("hello", "printed trace",
                "static initializer");
    }

    @Test
    void caps_an_output_flood_at_one_megabyte_per_invocation_and_says_how_much_was_dropped() {
        LoadedFunction f = load("flood", "", """
                for (int i = 0; i < 100_000; i++) {
                    System.out.println("flood line " + i);
                }
                return "done";
                """);

        try (Sandbox s = f.newSandbox()) {
            assertThat(s.invoke("{}", TestFunctions.invocation("flood"))).isEqualTo("\"done\"");
            List<String> first = logged();
            assertThat(first.getFirst()).isEqualTo("INFO flood line 0");
            // "flood line 0" .. "flood line 99999" with newlines is 1,688,890 bytes: the first 1 MB is logged.
            List<String> lines = first.stream().filter(l -> l.startsWith("INFO ")).toList();
            long loggedBytes = lines.stream().mapToLong(l -> l.length() - "INFO ".length()).sum()
                    + lines.size() - 1; // the newlines between them (the last line was cut short by the cap)
            assertThat(loggedBytes).isLessThanOrEqualTo(GuestOutput.MAX_INVOCATION_BYTES);
            assertThat(first.getLast()).isEqualTo("WARNING [output capped: "
                    + (1_688_890 - GuestOutput.MAX_INVOCATION_BYTES) + " bytes dropped beyond the limit of "
                    + GuestOutput.MAX_INVOCATION_BYTES + " bytes per invocation]");

            // The next invocation has its whole budget again.
            s.invoke("{}", TestFunctions.invocation("flood"));
            assertThat(logged()).hasSize(2 * first.size());
        }
        assertThat(hostOut.size()).isZero();
    }

    @Test
    void shows_a_copy_of_the_system_properties_without_the_nodes_paths_and_keeps_changes_to_itself() {
        LoadedFunction f = load("props", "", """
                System.setProperty("hotvisor.guest.set", "mine");
                Map<String, Object> r = new TreeMap<>();
                r.put("home", String.valueOf(System.getProperty("user.home")));
                r.put("classPath", System.getProperty("java.class.path", "hidden"));
                r.put("version", System.getProperty("java.version"));
                r.put("set", System.getProperty("hotvisor.guest.set"));
                r.put("keys", new TreeSet<>(System.getProperties().stringPropertyNames()));
                System.getProperties().clear();
                return r;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).contains("\"home\":\"null\"", "\"classPath\":\"hidden\"",
                "\"version\":\"" + System.getProperty("java.version") + "\"", "\"set\":\"mine\"");
        assertThat(json).doesNotContain("user.home", "user.dir", "java.home", "sun.java.command");
        assertThat(System.getProperty("hotvisor.guest.set")).as("the node's properties").isNull();
        assertThat(System.getProperty("java.version")).isNotNull();
    }

    @Test
    void leaves_classes_that_do_not_use_system_as_they_are_and_redirects_those_that_do() throws Exception {
        byte[] plain = TestJars.classBytes(TestJars.class);
        assertThat(SystemRedirects.contains(plain, "java/lang/System".getBytes(StandardCharsets.UTF_8))).isTrue();
        byte[] woven = SystemRedirects.weave("io.hotvisor.runtime.TestJars", plain);
        assertThat(SystemRedirects.contains(woven, GuestSystem.INTERNAL_NAME.getBytes(StandardCharsets.UTF_8)))
                .isTrue();

        byte[] unrelated = TestJars.classBytes(InvocationContext.class);
        assertThat(SystemRedirects.contains(unrelated, "java/lang/System".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(SystemRedirects.weave("io.hotvisor.runtime.InvocationContext", unrelated)).isSameAs(unrelated);
    }
}
