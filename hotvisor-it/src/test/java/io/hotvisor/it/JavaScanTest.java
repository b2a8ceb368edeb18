package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A node started with {@code --java-scan enforce} refuses, at deploy, Java code that could hurt the node. */
class JavaScanTest {

    @Test
    void refuses_a_jar_that_calls_system_exit_naming_the_call_and_keeps_serving() throws Exception {
        try (NodeProcess node = NodeProcess.start("--java-scan", "enforce")) {
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
        }
    }
}
