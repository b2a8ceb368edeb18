package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A node started without JVMCI and the Graal compiler (everything on the class path, the usual mistake) would run
 * guest code about 10x slower on Truffle's fallback runtime: it must refuse to start unless told to allow it.
 */
class TruffleRuntimeCheckTest {

    /** As {@link NodeProcess} starts nodes: with the tests' admin key, never touching the user's CLI config. */
    private static ProcessBuilder withAdminKey(ProcessBuilder pb, Path data) {
        pb.environment().put("HOTVISOR_ADMIN_KEY", NodeProcess.ADMIN_KEY);
        pb.environment().put("HOTVISOR_CONFIG", data.resolve("cli-config.json").toString());
        return pb;
    }

    private static List<String> classPathOnlyCommand(Path portFile, Path data, String... extra) {
        Path node = NodeProcess.ROOT.resolve("hotvisor-node").resolve(System.getProperty("hotvisor.build.dir", "target"));
        String cp = String.join(File.pathSeparator, node.resolve("hotvisor-node.jar").toString(),
                node.resolve("lib/*").toString(), node.resolve("graal/modules/*").toString());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                "-cp", cp, "io.hotvisor.node.Main", "--port", "0", "--port-file", portFile.toString(),
                "--data-dir", data.toString()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    @Test
    void refuses_to_start_on_the_interpreter_only_fallback_runtime() throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        Path data = Files.createTempDirectory(NodeProcess.IT_DIR, "fallback-");
        Path out = data.resolveSibling(data.getFileName() + ".out");
        Process p = withAdminKey(new ProcessBuilder(classPathOnlyCommand(data.resolve("port"), data)), data)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(out, StandardCharsets.UTF_8))
                .contains("fallback runtime", "interpreter only", "--allow-interpreter");
        assertThat(data.resolve("port")).doesNotExist();
    }

    @Test
    void starts_on_the_fallback_runtime_only_when_explicitly_allowed() throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        Path data = Files.createTempDirectory(NodeProcess.IT_DIR, "fallback-");
        Path port = data.resolve("port");
        Process p = withAdminKey(new ProcessBuilder(classPathOnlyCommand(port, data, "--allow-interpreter")), data)
                .redirectErrorStream(true).redirectOutput(data.resolveSibling(data.getFileName() + ".out").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.exists(port) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(port).exists();
            Http http = new Http("http://127.0.0.1:" + Files.readString(port).trim());
            http.deploySource("slowly", "javascript", "main", "function main(a) { return {twice: a.n * 2}; }",
                    java.util.Map.of());
            assertThat(http.invoke("slowly", "{\"n\":21}").json().path("twice").asInt()).isEqualTo(42);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
