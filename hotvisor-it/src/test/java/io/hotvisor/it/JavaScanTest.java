package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A node refuses, at deploy, in-node Java code that could hurt the node ({@code --java-scan enforce}, the default),
 * and runs the same code with {@code "isolation": "process"}, where a worker JVM contains it.
 */
class JavaScanTest {

    @Test
    void refuses_a_jar_that_calls_system_exit_by_default_naming_the_call_and_keeps_serving() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            Http.Response r = http.put("/v1/functions/quitter", Http.JSON.createObjectNode().put("language", "java")
                    .put("handler", "quitter.Quitter::main").put("archive",
                            Base64.getEncoder().encodeToString(Fixtures.compileJar(Fixtures.dir("java-exit")))));
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.json().path("error").path("message").asText())
                    .contains("quitter.Quitter.main calls java.lang.System.exit");
            assertThat(http.get("/v1/functions/quitter").status()).isEqualTo(404);

            http.deployArchive("greeter", "java", "fixtures.GraalvisorGreeter::main", Fixtures.javaJar(), Map.of());
            assertThat(http.invoke("greeter", "{\"name\":\"Ada\"}").json().path("greeting").asText())
                    .isEqualTo("Hello Ada");

            http.deployArchive("quitter", "java", "quitter.Quitter::main",
                    Fixtures.compileJar(Fixtures.dir("java-exit")), Map.of("isolation", "process"));
            Http.Response quit = http.invoke("quitter", "{}");
            assertThat(quit.status()).as(quit.toString()).isEqualTo(502);
            assertThat(quit.json().path("error").path("message").asText()).contains("with exit code 1");
            assertThat(http.get("/healthz").status()).isEqualTo(200);
        }
    }

    @Test
    void refuses_at_run_time_what_the_scan_refuses_when_named_in_a_string_and_keeps_serving() throws Exception {
        // Each of these stopped the node before 2026-11-26; the source names nothing the scan looks for.
        Map<String, String> attacks = Map.of(
                "halt", "Class.forName(\"java.lang.Runtime\").getMethod(\"halt\", int.class)"
                        + ".invoke(Runtime.getRuntime(), 1);",
                "signal", "Class<?> s = Class.forName(\"sun.misc.Signal\"); s.getMethod(\"raise\", s)"
                        + ".invoke(null, s.getConstructor(String.class).newInstance(\"TERM\"));",
                "threads", "for (Object t : ((Map<?, ?>) Class.forName(\"java.lang.Thread\")"
                        + ".getMethod(\"getAllStackTraces\").invoke(null)).keySet()) { ((Thread) t).interrupt(); }");
        try (NodeProcess node = NodeProcess.start()) {
            Http http = node.http();
            Probe.deploy(http);
            for (var attack : attacks.entrySet()) {
                String name = "byname-" + attack.getKey();
                http.deploySource(name, "java", "Fn::main", "import java.util.*; public class Fn {"
                        + " public static Map<String, Object> main(Map<String, Object> e) throws Exception { "
                        + attack.getValue() + " return e; } }", Map.of());
                Http.Response r = http.invoke(name, "{}");
                assertThat(r.status()).as(r.toString()).isEqualTo(502);
                assertThat(r.json().path("error").path("message").asText()).as(attack.getKey())
                        .contains("In-node Java functions may not use", "by reflection or a method handle either");
                Thread.sleep(500); // a signal raised would have arrived by now
                Probe.assertServes(http);
                assertThat(node.isAlive()).as(attack.getKey()).isTrue();
            }
        }
    }

    @Test
    void deploys_such_a_jar_in_node_mode_when_the_node_only_warns() throws Exception {
        try (NodeProcess node = NodeProcess.start("--java-scan", "warn")) {
            Http http = node.http();
            http.deployArchive("quitter", "java", "quitter.Quitter::main",
                    Fixtures.compileJar(Fixtures.dir("java-exit")), Map.of());
            assertThat(http.get("/v1/functions/quitter").json().path("isolation").asText()).isEqualTo("node");
        }
    }

    @Test
    void runs_the_example_fat_jar_in_node_mode_with_polls_woven_into_its_many_classes_when_the_node_only_warns()
            throws Exception {
        // Every class of the jar (the function's and commons-lang3's) is rewritten with cancellation polls as it
        // loads: the library still links and answers as it does in a worker process.
        byte[] jar = java.nio.file.Files.readAllBytes(Fixtures.examplesJar());
        try (NodeProcess node = NodeProcess.start("--java-scan", "warn")) {
            Http http = node.http();
            http.deployArchive("capitalize", "java", "io.hotvisor.examples.Capitalize::handle", jar, Map.of());
            assertThat(http.get("/v1/functions/capitalize").json().path("isolation").asText()).isEqualTo("node");
            Http.Response r = http.invoke("capitalize", "{\"text\":\"hello fat jar world\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("text").asText()).isEqualTo("Hello Fat Jar World");
            assertThat(r.json().path("abbreviated").asText()).isEqualTo("Hello Fat...");
        }
    }
}
