package io.hotvisor.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CRIU on this machine, for snapshots of hot Java worker JVMs ({@link WorkerSnapshot}): whether it is there and works,
 * found once when the node starts, and what snapshots did since.
 *
 * <p>Usable means: a {@code criu} binary (env {@code HOTVISOR_CRIU}, else {@code .tools/criu/bin/criu} in the working
 * directory or one of its parents, where {@code bin/lib/criu.sh install} builds it, else {@code PATH}) of version
 * {@value #MIN_MAJOR}.{@value #MIN_MINOR} or newer (Debian 12's 3.17 fails on recent kernels: vDSO), running as root,
 * {@code criu check} passing, and {@code unshare} and {@code setsid} on {@code PATH} (each worker that is checkpointed
 * runs as the init of its own PID namespace, so that its image can be restored many times at once).
 */
public final class Criu {
    static final int MIN_MAJOR = 4;
    static final int MIN_MINOR = 1;
    private static final Pattern VERSION = Pattern.compile("Version: (\\d+)\\.(\\d+)(\\.\\d+)?");

    /** How a node uses CRIU. */
    public enum Mode {
        /** Use it when it works, else start workers fresh (the default). */
        AUTO,
        /** Refuse to start unless it works. */
        ON,
        /** Never use it. */
        OFF;

        /** The lower-case name used on the command line and in JSON. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Mode mode;
    private final Path binary;
    private final String version;
    private final String reason;
    /** What a checkpointable worker's JVM command is prefixed with: unshare and setsid, by their full paths. */
    private List<String> launcher = List.of();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private Criu(Mode mode, Path binary, String version, String reason) {
        this.mode = mode;
        this.binary = binary;
        this.version = version;
        this.reason = reason;
    }

    /** CRIU not used: {@link Mode#OFF}. The default of {@link RuntimeOptions}. */
    public static Criu off() {
        return new Criu(Mode.OFF, null, "", "off (--criu off)");
    }

    /**
     * Finds and checks CRIU (see the class comment).
     *
     * @param env     the environment to read {@code HOTVISOR_CRIU} and {@code PATH} from
     * @param workDir where to look for {@code .tools/criu/bin/criu} (and in its parents)
     * @throws IllegalStateException with mode {@link Mode#ON} when CRIU is not usable, naming what is missing
     */
    public static Criu detect(Mode mode, Map<String, String> env, Path workDir) {
        if (mode == Mode.OFF) {
            return off();
        }
        Optional<Path> found = find(env, workDir);
        Criu c;
        if (found.isEmpty()) {
            c = new Criu(mode, null, "", "no criu binary: HOTVISOR_CRIU is not set, there is no .tools/criu/bin/criu"
                    + " (bin/lib/criu.sh install builds one) and none on PATH");
        } else {
            c = check(mode, found.get(), env);
        }
        if (mode == Mode.ON && !c.available()) {
            throw new IllegalStateException("--criu on, but CRIU cannot be used: " + c.reason()
                    + " (use --criu auto to start workers fresh without it)");
        }
        return c;
    }

    private static Optional<Path> find(Map<String, String> env, Path workDir) {
        String explicit = env.getOrDefault("HOTVISOR_CRIU", "");
        if (!explicit.isBlank()) {
            return Optional.of(Path.of(explicit));
        }
        for (Path d = workDir.toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(".tools/criu/bin/criu");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return onPath("criu", env);
    }

    static Optional<Path> onPath(String name, Map<String, String> env) {
        for (String dir : env.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static Criu check(Mode mode, Path binary, Map<String, String> env) {
        if (!Files.isExecutable(binary)) {
            return new Criu(mode, binary, "", "criu binary " + binary + " does not exist or is not executable");
        }
        Run v = run(List.of(binary.toString(), "--version"));
        Matcher m = VERSION.matcher(v.output());
        if (!m.find()) {
            return new Criu(mode, binary, "", binary + " --version did not say its version (exit " + v.exit() + "): "
                    + v.tail());
        }
        String version = m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : m.group(3));
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR)) {
            return new Criu(mode, binary, version, "criu " + version + " at " + binary + " is older than "
                    + MIN_MAJOR + "." + MIN_MINOR + " (3.x fails on recent kernels; bin/lib/criu.sh install builds 4.1.1)");
        }
        if (!root()) {
            return new Criu(mode, binary, version, "the node does not run as root (criu dump and restore need it)");
        }
        Optional<Path> unshare = onPath("unshare", env);
        Optional<Path> setsid = onPath("setsid", env);
        if (unshare.isEmpty() || setsid.isEmpty()) {
            return new Criu(mode, binary, version, (unshare.isEmpty() ? "unshare" : "setsid")
                    + " (util-linux) is not on PATH");
        }
        Run check = run(List.of(binary.toString(), "check"));
        if (check.exit() != 0) {
            return new Criu(mode, binary, version, binary + " check failed (exit " + check.exit() + "): " + check.tail());
        }
        Criu c = new Criu(mode, binary, version, "");
        c.launcher = List.of(unshare.get().toString(), "--pid", "--fork", "--kill-child", setsid.get().toString());
        return c;
    }

    private static boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).strip().split("\\s+")[1].equals("0"); // the effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private record Run(int exit, String output) {
        String tail() {
            String s = output.strip();
            return s.isEmpty() ? "no output" : s.substring(Math.max(0, s.length() - 300));
        }
    }

    private static Run run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, "did not finish within 30 s");
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Run(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(-1, "interrupted");
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Whether snapshots are taken and restored on this node. */
    public boolean available() {
        return mode != Mode.OFF && reason.isEmpty();
    }

    /** The binary in use or found; empty if none was found. */
    public Optional<Path> binary() {
        return Optional.ofNullable(binary);
    }

    /** Its version ({@code 4.1.1}); empty if unknown. */
    public String version() {
        return version;
    }

    /** Why CRIU is not used; empty when it is. */
    public String reason() {
        return reason;
    }

    /** Snapshots (checkpoints of hot workers) taken since start. */
    public long taken() {
        return taken.get();
    }

    /** Workers started by restoring a snapshot since start. */
    public long restored() {
        return restored.get();
    }

    /** Checkpoints and restores that failed since start (each fell back to a fresh worker). */
    public long failed() {
        return failed.get();
    }

    void countTaken() {
        taken.incrementAndGet();
    }

    void countRestored() {
        restored.incrementAndGet();
    }

    void countFailed() {
        failed.incrementAndGet();
    }

    /**
     * The prefix of a worker that may be checkpointed: the init of its own PID namespace (so copies restored at once
     * do not clash) and session leader (criu dumps no session whose leader is outside the namespace).
     */
    List<String> launcher() {
        return launcher;
    }

    /** The command line of a criu action: the binary, then {@code args}. */
    List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
