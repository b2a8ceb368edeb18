package io.hotvisor.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs {@code bin/hotvisor} (the CLI, or {@code node}, {@code gateway}, {@code cluster} with options that make it
 * stop) as a user would, with this build's {@code HOTVISOR_BUILD_DIR}. Output goes to files, not pipes: processes a
 * command leaves running (e.g. {@code cluster up}) must not hold the test's pipes open.
 */
final class HotvisorCommand {

    /** How a command ended: its exit status and what it printed. */
    record Run(int exit, String stdout, String stderr) {
        /** Standard output then standard error. */
        String output() {
            return stdout + stderr;
        }
    }

    private HotvisorCommand() {
    }

    /** Runs {@code bin/hotvisor args}, for at most 3 minutes, with the test JVM's environment. */
    static Run run(String... args) throws IOException, InterruptedException {
        return run(env -> { }, Duration.ofMinutes(3), args);
    }

    /**
     * Runs {@code bin/hotvisor args} with the test JVM's environment as {@code env} edits it.
     *
     * @throws AssertionError if it does not end within {@code patience} (it is then killed)
     */
    static Run run(Consumer<Map<String, String>> env, Duration patience, String... args)
            throws IOException, InterruptedException {
        Files.createDirectories(NodeProcess.IT_DIR);
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.ROOT.resolve("bin/hotvisor").toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(NodeProcess.IT_DIR, "hotvisor", ".out");
        Path err = Files.createTempFile(NodeProcess.IT_DIR, "hotvisor", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("HOTVISOR_BUILD_DIR", System.getProperty("hotvisor.build.dir", "target"));
        env.accept(pb.environment());
        Process p = pb.start();
        if (!p.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/hotvisor " + String.join(" ", args) + " did not end within " + patience);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
