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
    void keys_the_cache_by_the_jars_content() throws Exception {
        WorkerJvm jvm = WorkerJvm.current(cacheDir.resolve("classpath"));
        Path one = TestJars.jar(dir, "one", Map.of("com.acme.Hello", HELLO));
        Path same = Files.copy(one, dir.resolve("same.jar"));
        Path changed = TestJars.jar(dir, "changed", Map.of("com.acme.Hello", HELLO.replace("Hello, ", "Hi, ")));

        assertThat(jvm.aotCacheName(one)).isEqualTo(jvm.aotCacheName(same))
                .isNotEqualTo(jvm.aotCacheName(changed))
                .contains("-jdk" + System.getProperty("java.runtime.version"));
    }
}
