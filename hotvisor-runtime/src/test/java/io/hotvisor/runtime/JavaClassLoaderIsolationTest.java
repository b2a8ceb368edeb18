package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;

class JavaClassLoaderIsolationTest {
    /**
     * A Hotvisor handler that answers, for each class name in the event's "names", whether it can load it: "boot"
     * for a class of the bootstrap loader, else the class object's identity hash, which tells the node's copy of a
     * class from another (the function is shown its own loader for any class that is not the bootstrap loader's,
     * see JavaClassLoaderEscapeTest).
     */
    private static final String PROBE = """
            package %s;
            import java.util.*;
            import io.hotvisor.api.*;
            public class Probe implements Handler {
                public Object handle(Map<String, Object> event, FunctionContext ctx) {
                    Map<String, Object> seen = new LinkedHashMap<>();
                    for (Object name : (List<?>) event.get("names")) {
                        try {
                            Class<?> c = Class.forName((String) name, false, Probe.class.getClassLoader());
                            seen.put((String) name, c.getClassLoader() == null ? "boot"
                                    : "class@" + System.identityHashCode(c));
                        } catch (ClassNotFoundException | LinkageError e) {
                            seen.put((String) name, "hidden");
                        }
                    }
                    return seen;
                }
            }
            """;

    /** A Graalvisor main that counts its invocations in a static field. */
    private static final String COUNTER = """
            package com.acme;
            import java.util.*;
            public class Counter {
                static int calls;
                public static Map<String, Object> main(Map<String, Object> args) {
                    return Map.of("calls", ++calls);
                }
            }
            """;

    @TempDir
    Path dir;
    TestFunctions functions;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir);
    }

    @AfterEach
    void tearDown() {
        functions.close();
    }

    @Test
    void a_function_sees_the_jdk_and_the_api_packages_but_not_jackson_graalvm_or_the_runtime() {
        LoadedFunction f = functions.load("probe", "one.Probe", Map.of("one.Probe", PROBE.formatted("one")));

        String seen = TestFunctions.invokeOnce(f, names(List.of("java.util.List", "java.sql.Connection",
                "io.hotvisor.api.Handler", "com.amazonaws.services.lambda.runtime.Context", "com.google.gson.Gson",
                "com.fasterxml.jackson.databind.ObjectMapper", "io.hotvisor.runtime.FunctionRuntime",
                "org.graalvm.polyglot.Context", "org.junit.jupiter.api.Test")));

        // The platform and API classes are the node's own class objects.
        assertThat(seen).isEqualTo("{\"java.util.List\":\"boot\","
                + "\"java.sql.Connection\":\"" + nodeCopy("java.sql.Connection")
                + "\",\"io.hotvisor.api.Handler\":\"" + nodeCopy("io.hotvisor.api.Handler")
                + "\",\"com.amazonaws.services.lambda.runtime.Context\":\""
                + nodeCopy("com.amazonaws.services.lambda.runtime.Context")
                + "\",\"com.google.gson.Gson\":\"" + nodeCopy("com.google.gson.Gson")
                + "\",\"com.fasterxml.jackson.databind.ObjectMapper\":\"hidden\","
                + "\"io.hotvisor.runtime.FunctionRuntime\":\"hidden\",\"org.graalvm.polyglot.Context\":\"hidden\","
                + "\"org.junit.jupiter.api.Test\":\"hidden\"}");
    }

    @Test
    void a_function_cannot_load_another_functions_classes() {
        functions.load("other", "com.acme.Counter", Map.of("com.acme.Counter", COUNTER));
        LoadedFunction probe = functions.load("probe", "one.Probe", Map.of("one.Probe", PROBE.formatted("one")));

        assertThat(TestFunctions.invokeOnce(probe, names(List.of("com.acme.Counter", "one.Probe"))))
                .startsWith("{\"com.acme.Counter\":\"hidden\",\"one.Probe\":\"class@");
    }

    @Test
    void api_packages_resolve_to_the_nodes_copy_even_when_a_fat_jar_bundles_its_own() {
        Path jar = TestJars.jar(dir, "fat", Map.of("com.acme.Action", """
                        package com.acme;
                        import com.google.gson.JsonObject;
                        public class Action {
                            public static JsonObject main(JsonObject args) {
                                JsonObject out = new JsonObject();
                                out.addProperty("identity", System.identityHashCode(JsonObject.class));
                                return out;
                            }
                        }
                        """),
                Map.of("com/google/gson/JsonObject.class", TestJars.classBytes(JsonObject.class)));
        LoadedFunction f = functions.load(TestFunctions.definition("fat", "com.acme.Action", SandboxPolicy.REUSE,
                new FunctionCode.JarFile(jar)));

        // The node's class object, not the jar's copy.
        assertThat(TestFunctions.invokeOnce(f, "{}"))
                .isEqualTo("{\"identity\":" + System.identityHashCode(JsonObject.class) + "}");
    }

    @Test
    void reuse_keeps_static_state_across_invocations_and_sandboxes() {
        LoadedFunction f = functions.load("reuse", "com.acme.Counter", SandboxPolicy.REUSE,
                Map.of("com.acme.Counter", COUNTER));

        List<String> results = List.of(TestFunctions.invokeOnce(f, "{}"), TestFunctions.invokeOnce(f, "{}"),
                TestFunctions.invokeOnce(f, "{}"));

        assertThat(results).containsExactly("{\"calls\":1}", "{\"calls\":2}", "{\"calls\":3}");
    }

    @Test
    void fresh_resets_static_state_for_every_sandbox() {
        LoadedFunction f = functions.load("fresh", "com.acme.Counter", SandboxPolicy.FRESH,
                Map.of("com.acme.Counter", COUNTER));

        List<String> results = List.of(TestFunctions.invokeOnce(f, "{}"), TestFunctions.invokeOnce(f, "{}"),
                TestFunctions.invokeOnce(f, "{}"));

        assertThat(results).containsExactly("{\"calls\":1}", "{\"calls\":1}", "{\"calls\":1}");
    }

    /** How the probe names the node's own class {@code name}. */
    private static String nodeCopy(String name) {
        try {
            return "class@" + System.identityHashCode(Class.forName(name));
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name + " is missing from the test class path", e);
        }
    }

    private static String names(List<String> names) {
        return "{\"names\":[" + String.join(",", names.stream().map(n -> "\"" + n + "\"").toList()) + "]}";
    }
}
