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

    /** Every function the build can offer for {@code kinds} x {@code languages}. */
    static List<DensityFunctions> all(Path root, String buildDir, List<String> kinds, List<String> languages) {
        List<DensityFunctions> out = new ArrayList<>();
        for (String kind : kinds) {
            for (String language : languages) {
                DensityFunctions f = switch (kind) {
                    case "hello" -> hello(root, buildDir, language);
                    default -> throw new IllegalArgumentException("Unknown function '" + kind + "'; known: hello");
                };
                if (f != null) {
                    out.add(f);
                }
            }
        }
        return out;
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
