package io.hotvisor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The functions of the density benchmark, each deployed with the SAME body (code, handler) to a Hotvisor node and to
 * the baseline, with the event it is invoked with and a check of its answer.
 *
 * @param name     the function name, e.g. {@code hello-js}
 * @param kind     the paper's function, e.g. {@code hello}
 * @param language {@code js}, {@code python} or {@code java}
 * @param deploy   the PUT body
 * @param event    the invocation's body
 * @param check    true for a correct answer
 */
record DensityFunctions(String name, String kind, String language, String deploy, String event,
                        Predicate<String> check) {

    /** The paper's functions besides hello, and what every language must answer for {@code {"seed": 42}}. */
    static final Map<String, Map<String, Object>> EXPECTED = Map.of(
            "graph", Map.of("visited", 4884, "depthSum", 29851),
            "file-hashing", Map.of("sha256", "09a583233550509615882d5b31270150c7d35d7b93287616f862833dce8bba0f"),
            "compression", Map.of("original", 65536),
            "dynamic-html", Map.of("rows", 200),
            "thumbnail", Map.of("width", 64, "pixelSum", 1617432));

    /** All function kinds, in the order they are measured. */
    static final List<String> KINDS = List.of("hello", "graph", "file-hashing", "compression", "dynamic-html",
            "thumbnail");

    /** Every function for {@code kinds} x {@code languages}. */
    static List<DensityFunctions> all(Path root, String buildDir, List<String> kinds, List<String> languages) {
        List<DensityFunctions> out = new ArrayList<>();
        Map<String, String> bundles = new java.util.HashMap<>();
        for (String kind : kinds) {
            for (String language : languages) {
                if (kind.equals("hello")) {
                    out.add(hello(root, buildDir, language));
                    continue;
                }
                Map<String, Object> expected = EXPECTED.get(kind);
                if (expected == null) {
                    throw new IllegalArgumentException("Unknown function '" + kind + "'; known: " + KINDS);
                }
                String module = kind.replace('-', '_');
                String name = kind + "-" + language;
                String event = "{\"seed\":42}";
                Predicate<String> check = answer -> matches(answer, expected);
                out.add(switch (language) {
                    case "js" -> new DensityFunctions(name, kind, language, body("javascript", module + ".main", null,
                            bundles.computeIfAbsent("js", k -> FunctionBundles.javascript(root))), event, check);
                    case "python" -> new DensityFunctions(name, kind, language, body("python", module + ".main", null,
                            bundles.computeIfAbsent("python", k -> FunctionBundles.python(root))), event, check);
                    case "java" -> new DensityFunctions(name, kind, language, body("java",
                            "io.hotvisor.benchfunctions." + className(kind) + "::main", null,
                            bundles.computeIfAbsent("java", k -> jar(root.resolve("examples/bench-functions")
                                    .resolve(buildDir).resolve("hotvisor-bench-functions.jar")))), event, check);
                    default -> throw new IllegalArgumentException("Unknown language '" + language
                            + "'; known: js, python, java");
                });
            }
        }
        return out;
    }

    private static String className(String kind) {
        StringBuilder sb = new StringBuilder();
        for (String part : kind.split("-")) {
            sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return sb.toString();
    }

    /** True when the answer is a JSON object holding every expected field with the expected value. */
    static boolean matches(String answer, Map<String, Object> expected) {
        try {
            JsonNode node = Results.JSON.readTree(answer);
            return expected.entrySet().stream().allMatch(e -> node.has(e.getKey())
                    && node.get(e.getKey()).asText().equals(String.valueOf(e.getValue())));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static DensityFunctions hello(Path root, String buildDir, String language) {
        Predicate<String> check = r -> r.contains("bench");
        String event = "{\"name\":\"bench\"}";
        return switch (language) {
            case "js" -> new DensityFunctions("hello-js", "hello", language, body("javascript", "index.handler",
                    "exports.handler = async (event, context) => ({hello: (event && event.name) || 'world'});\n", null),
                    event, check);
            case "python" -> new DensityFunctions("hello-python", "hello", language, body("python", "main.handler",
                    "def handler(event, context):\n    return {\"hello\": event.get(\"name\", \"world\")}\n", null),
                    event, check);
            case "java" -> new DensityFunctions("hello-java", "hello", language, body("java",
                    "io.hotvisor.examples.HelloLambda::handleRequest", null,
                    jar(root.resolve("examples/java-functions").resolve(buildDir)
                            .resolve("hotvisor-example-java-functions.jar"))), event, check);
            default -> throw new IllegalArgumentException("Unknown language '" + language + "'; known: js, python, java");
        };
    }

    static String jar(Path jar) {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(jar));
        } catch (IOException e) {
            throw new UncheckedIOException("Missing function jar " + jar + ": build it (./mvnw package -pl examples -am)", e);
        }
    }

    static String body(String language, String handler, String code, String archive) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("language", language);
        m.put("handler", handler);
        if (code != null) {
            m.put("code", code);
        } else {
            m.put("archive", archive);
        }
        m.put("timeoutMs", 30_000);
        try {
            return Results.JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
