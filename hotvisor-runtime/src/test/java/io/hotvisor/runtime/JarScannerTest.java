package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JarScannerTest {
    private static final String FORBIDDEN = "; forbidden for in-node Java functions";

    @TempDir
    Path dir;
    TestFunctions functions;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir, RuntimeOptions.builder().javaScan(JavaScanPolicy.ENFORCE).build());
    }

    @AfterEach
    void tearDown() {
        functions.close();
    }

    /** A handler class com.acme.Fn whose handle method has {@code body} (imports: java.util, java.io, java.net, java.nio.file). */
    private static String handler(String body) {
        return handler("", body);
    }

    private static String handler(String members, String body) {
        return """
                package com.acme;
                import java.util.*;
                import java.io.*;
                import java.net.*;
                import java.nio.file.*;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    %s
                    public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                        %s
                        return "ok";
                    }
                }
                """.formatted(members, body);
    }

    /** Deploys com.acme.Fn as function 'x' and returns the refusal's message. */
    private String refusal(String source) {
        return refusal(Map.of("com.acme.Fn", source));
    }

    private String refusal(Map<String, String> sources) {
        var thrown = catchThrowableOfType(DeployException.class,
                () -> functions.load("x", "com.acme.Fn", sources));
        assertThat(thrown).as("deploy refused").isNotNull();
        assertThat(thrown.field()).contains("code");
        return thrown.getMessage();
    }

    @Test
    void refuses_system_exit_naming_the_class_the_method_and_the_call() {
        assertThat(refusal(handler("System.exit(1);"))).isEqualTo("Function 'x' may not be deployed:"
                + " com.acme.Fn.handle calls java.lang.System.exit (process control)" + FORBIDDEN);
    }

    @Test
    void refuses_managing_the_nodes_jvm_which_would_show_its_command_line_and_dump_its_heap() {
        assertThat(refusal(handler("Object args = java.lang.management.ManagementFactory.getRuntimeMXBean()"
                + ".getInputArguments();")))
                .contains("com.acme.Fn.handle calls java.lang.management.ManagementFactory.getRuntimeMXBean"
                        + " (JVM management)");
        assertThat(refusal(handler("java.lang.management.ManagementFactory.getPlatformMXBean("
                + "com.sun.management.HotSpotDiagnosticMXBean.class).dumpHeap(\"/tmp/heap\", true);")))
                .contains("(JVM management)", "com.sun.management.HotSpotDiagnosticMXBean");
    }

    @Test
    void refuses_java_beans_classes_that_call_methods_by_name_past_the_functions_own_system() {
        String message = refusal(handler("""
                Object path = new java.beans.Expression(System.class, "getenv", new Object[] {"PATH"}).getValue();
                new java.beans.Statement(System.class, "exit", new Object[] {0}).execute();
                Runnable r = java.beans.EventHandler.create(Runnable.class, System.class, "gc");
                Object decoded = new java.beans.XMLDecoder(new ByteArrayInputStream(new byte[0])).readObject();
                """));
        assertThat(message).contains(
                "com.acme.Fn.handle creates java.beans.Expression (calls methods by name)",
                "com.acme.Fn.handle calls java.beans.Expression.getValue (calls methods by name)",
                "com.acme.Fn.handle creates java.beans.Statement (calls methods by name)",
                "com.acme.Fn.handle calls java.beans.Statement.execute (calls methods by name)",
                "com.acme.Fn.handle calls java.beans.EventHandler.create (calls methods by name)",
                "com.acme.Fn.handle creates java.beans.XMLDecoder (calls methods by name)");
    }

    @Test
    void refuses_runtime_exec() {
        assertThat(refusal(handler("Runtime.getRuntime().exec(new String[] {\"ls\"});")))
                .contains("com.acme.Fn.handle calls java.lang.Runtime.exec (process control)")
                .doesNotContain("getRuntime");
    }

    @Test
    void refuses_any_use_of_process_builder() {
        assertThat(refusal(handler("new ProcessBuilder(\"ls\").inheritIO().start();")))
                .contains("com.acme.Fn.handle creates java.lang.ProcessBuilder (process control)",
                        "com.acme.Fn.handle calls java.lang.ProcessBuilder.inheritIO (process control)",
                        "com.acme.Fn.handle calls java.lang.ProcessBuilder.start (process control)");
    }

    @Test
    void refuses_creating_and_starting_a_thread_also_through_a_subclass_or_a_builder() {
        String message = refusal(Map.of("com.acme.Fn", handler("""
                        new Thread(() -> { }).start();
                        Thread.ofVirtual().start(() -> { });
                        new Worker();
                        """), "com.acme.Worker", "package com.acme; class Worker extends Thread { }"));

        assertThat(message).contains("com.acme.Fn.handle creates java.lang.Thread (threads)",
                "com.acme.Fn.handle calls java.lang.Thread.start (threads)",
                "com.acme.Fn.handle calls java.lang.Thread.ofVirtual (threads)",
                "com.acme.Worker.<init> creates java.lang.Thread (threads)");
    }

    @Test
    void refuses_raising_or_handling_a_signal_of_the_nodes_process() {
        assertThat(refusal(handler("sun.misc.Signal.raise(new sun.misc.Signal(\"TERM\"));")))
                .contains("com.acme.Fn.handle creates sun.misc.Signal (process control)",
                        "com.acme.Fn.handle calls sun.misc.Signal.raise (process control)");
    }

    @Test
    void refuses_reaching_the_nodes_threads_which_could_be_interrupted() {
        String message = refusal(handler("""
                for (Thread t : Thread.getAllStackTraces().keySet()) { t.interrupt(); }
                Thread.currentThread().getThreadGroup().interrupt();
                Thread.enumerate(new Thread[8]);
                Thread.setDefaultUncaughtExceptionHandler(null);
                """));
        assertThat(message).contains("com.acme.Fn.handle calls java.lang.Thread.getAllStackTraces (threads)",
                "com.acme.Fn.handle calls java.lang.Thread.getThreadGroup (threads)",
                "com.acme.Fn.handle calls java.lang.ThreadGroup.interrupt (threads)",
                "com.acme.Fn.handle calls java.lang.Thread.enumerate (threads)",
                "com.acme.Fn.handle calls java.lang.Thread.setDefaultUncaughtExceptionHandler (threads)")
                .doesNotContain("Thread.interrupt", "currentThread");
    }

    @Test
    void refuses_preferences_which_the_jdk_stores_in_the_nodes_home() {
        assertThat(refusal(handler("java.util.prefs.Preferences.userRoot().put(\"k\", \"v\");")))
                .contains("com.acme.Fn.handle calls java.util.prefs.Preferences.userRoot (file system)");
    }

    @Test
    void refuses_flight_recordings_and_the_reflection_factory() {
        assertThat(refusal(handler("new jdk.jfr.Recording().start();")))
                .contains("com.acme.Fn.handle creates jdk.jfr.Recording (JVM management)");
        assertThat(refusal(handler("Object f = sun.reflect.ReflectionFactory.getReflectionFactory();")))
                .contains("calls sun.reflect.ReflectionFactory.getReflectionFactory (breaks encapsulation)");
    }

    @Test
    void refuses_executors() {
        assertThat(refusal(handler("java.util.concurrent.Executors.newFixedThreadPool(2).shutdown();")))
                .contains("com.acme.Fn.handle calls java.util.concurrent.Executors.newFixedThreadPool (threads)");
    }

    @Test
    void refuses_set_accessible() {
        assertThat(refusal(handler("""
                java.lang.reflect.Field f = String.class.getDeclaredField("value");
                f.setAccessible(true);
                """))).isEqualTo("Function 'x' may not be deployed: com.acme.Fn.handle calls"
                + " java.lang.reflect.Field.setAccessible (breaks encapsulation)" + FORBIDDEN);
    }

    @Test
    void refuses_sun_misc_unsafe() {
        assertThat(refusal(handler("""
                java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                Object u = f.get(null);
                """))).contains("com.acme.Fn.handle uses sun.misc.Unsafe (unsafe memory access)");
    }

    @Test
    void refuses_a_native_method_declared_in_the_jar() {
        assertThat(refusal(handler("public static native int add(int a, int b);", "")))
                .isEqualTo("Function 'x' may not be deployed: com.acme.Fn.add is a native method (JNI, native code)"
                        + FORBIDDEN);
    }

    @Test
    void refuses_system_load_library() {
        assertThat(refusal(handler("System.loadLibrary(\"evil\");")))
                .contains("com.acme.Fn.handle calls java.lang.System.loadLibrary (native code)");
    }

    @Test
    void refuses_the_foreign_function_and_memory_api() {
        assertThat(refusal(handler("java.lang.foreign.Linker.nativeLinker().defaultLookup();")))
                .contains("com.acme.Fn.handle calls java.lang.foreign.Linker.nativeLinker (native code)",
                        "com.acme.Fn.handle calls java.lang.foreign.Linker.defaultLookup (native code)");
    }

    @Test
    void refuses_creating_a_class_loader() {
        assertThat(refusal(handler("new URLClassLoader(new URL[0]).close();")))
                .contains("com.acme.Fn.handle creates java.net.URLClassLoader (class definition)");
    }

    @Test
    void refuses_file_access() {
        assertThat(refusal(handler("Files.readString(Path.of(\"/etc/passwd\"));")))
                .contains("com.acme.Fn.handle calls java.nio.file.Files.readString (file system)",
                        "com.acme.Fn.handle calls java.nio.file.Path.of (file system)");
    }

    @Test
    void refuses_file_access_through_a_method_reference() {
        assertThat(refusal(handler("java.util.function.Predicate<Path> readable = Files::isReadable;")))
                .contains("com.acme.Fn.handle references java.nio.file.Files::isReadable (file system)");
    }

    @Test
    void refuses_a_socket() {
        assertThat(refusal(handler("new Socket(\"example.com\", 80).close();")))
                .contains("com.acme.Fn.handle creates java.net.Socket (network)",
                        "com.acme.Fn.handle calls java.net.Socket.close (network)");
    }

    @Test
    void refuses_the_http_client() {
        assertThat(refusal(handler("java.net.http.HttpClient.newHttpClient();")))
                .contains("com.acme.Fn.handle calls java.net.http.HttpClient.newHttpClient (network)");
    }

    @Test
    void lists_every_violation_across_classes() {
        String message = refusal(Map.of("com.acme.Fn", handler("System.exit(0); new Helper().read();"),
                "com.acme.Helper", """
                        package com.acme;
                        class Helper {
                            Object read() throws Exception { return java.nio.file.Files.readAllBytes(null); }
                        }
                        """));

        assertThat(message).isEqualTo("Function 'x' may not be deployed:"
                + " com.acme.Fn.handle calls java.lang.System.exit (process control);"
                + " com.acme.Helper.read calls java.nio.file.Files.readAllBytes (file system)" + FORBIDDEN);
    }

    @Test
    void lists_at_most_twenty_violations_and_counts_the_rest() {
        String methods = IntStream.range(10, 35).mapToObj(i -> "static void m" + i + "() { System.exit(" + i + "); }")
                .collect(Collectors.joining("\n"));

        String message = refusal(handler(methods, ""));

        assertThat(message).contains("com.acme.Fn.m10 calls java.lang.System.exit", "com.acme.Fn.m29 calls")
                .doesNotContain("com.acme.Fn.m30 ").endsWith("; ... and 5 more" + FORBIDDEN);
    }

    @Test
    void a_clean_function_still_deploys_and_runs() {
        LoadedFunction f = functions.load("clean", "com.acme.Fn", Map.of("com.acme.Fn", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                        Thread.sleep(1);
                        StringBuilder out = new StringBuilder();
                        for (Object k : new TreeMap<>(event).keySet()) { out.append(k); }
                        return out + ":" + Thread.currentThread().isInterrupted();
                    }
                }
                """));

        assertThat(TestFunctions.invokeOnce(f, "{\"b\":1,\"a\":2}")).isEqualTo("\"ab:false\"");
    }

    @Test
    void does_not_scan_api_package_classes_that_a_fat_jar_bundles_because_they_are_never_loaded_from_it() {
        Path jar = TestJars.jar(dir, "fat", Map.of("com.acme.Fn", handler(""), "com.google.gson.Bundled", """
                package com.google.gson;
                public class Bundled { static void bye() { System.exit(0); } }
                """));

        LoadedFunction f = functions.load(TestFunctions.definition("fat", "com.acme.Fn", SandboxPolicy.REUSE,
                new FunctionCode.JarFile(jar)));

        assertThat(TestFunctions.invokeOnce(f, "{}")).isEqualTo("\"ok\"");
    }

    @Test
    void scans_java_functions_deployed_as_source_too() {
        assertThatThrownBy(() -> functions.load(TestFunctions.definition("src", "com.acme.Fn", SandboxPolicy.REUSE,
                new FunctionCode.SourceText(handler("System.exit(2);")))))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "Function 'src' may not be deployed: com.acme.Fn.handle calls java.lang.System.exit"
                                + " (process control)" + FORBIDDEN));
    }

    @Test
    void deploys_a_jar_with_forbidden_calls_when_the_policy_is_warn_or_off() {
        for (JavaScanPolicy policy : new JavaScanPolicy[] {JavaScanPolicy.WARN, JavaScanPolicy.OFF}) {
            try (TestFunctions lenient = new TestFunctions(dir,
                    RuntimeOptions.builder().javaScan(policy).build())) {
                LoadedFunction f = lenient.load("exit-" + policy.id(), "com.acme.Fn::handle", Map.of("com.acme.Fn",
                        handler("if (event.containsKey(\"never\")) { System.exit(3); }")));
                assertThat(TestFunctions.invokeOnce(f, "{}")).isEqualTo("\"ok\"");
            }
        }
    }

    @Test
    void refuses_forbidden_members_reached_by_name_only_under_enforce() {
        String body = """
                Object threads = Class.forName("java.lang.Thread").getMethod("getAllStackTraces").invoke(null);
                Object socket = Class.forName("java.net.Socket").getConstructor().newInstance();
                return threads.getClass().getSimpleName() + "/" + socket;
                """;
        String source = handler(body).replace("return \"ok\";", "");
        for (JavaScanPolicy policy : JavaScanPolicy.values()) {
            try (TestFunctions scoped = new TestFunctions(dir, RuntimeOptions.builder().javaScan(policy).build())) {
                LoadedFunction f = scoped.load("byname-" + policy.id(), "com.acme.Fn::handle",
                        Map.of("com.acme.Fn", source));
                if (policy == JavaScanPolicy.ENFORCE) {
                    assertThatThrownBy(() -> TestFunctions.invokeOnce(f, "{}")).hasMessageContaining(
                            "In-node Java functions may not use java.lang.Thread.getAllStackTraces (threads)");
                } else {
                    assertThat(TestFunctions.invokeOnce(f, "{}")).as(policy.id())
                            .isEqualTo("\"HashMap/Socket[unconnected]\"");
                }
            }
        }
    }

    @Test
    void enforces_by_default() {
        assertThat(RuntimeOptions.defaults().javaScan()).isEqualTo(JavaScanPolicy.ENFORCE);
    }

    @Test
    void lets_a_jar_with_forbidden_calls_run_in_a_worker_process_under_the_enforce_policy() {
        try (TestFunctions strict = new TestFunctions(dir, RuntimeOptions.builder().javaScan(JavaScanPolicy.ENFORCE)
                .aotTrainingInvocations(0).build())) {
            Path jar = TestJars.jar(dir, "exit-process", Map.of("com.acme.Fn",
                    handler("if (event.containsKey(\"never\")) { System.exit(3); }")));
            FunctionDefinition inNode = TestFunctions.definition("exit-process", "com.acme.Fn::handle",
                    SandboxPolicy.REUSE, new FunctionCode.JarFile(jar));
            FunctionDefinition inProcess = new FunctionDefinition(inNode.config().toBuilder()
                    .isolation(Isolation.PROCESS).build(), inNode.code(), 1);

            assertThatThrownBy(() -> strict.load(inNode)).isInstanceOf(DeployException.class)
                    .hasMessageContaining("calls java.lang.System.exit");
            assertThat(TestFunctions.invokeOnce(strict.load(inProcess), "{}")).isEqualTo("\"ok\"");
        }
    }
}
