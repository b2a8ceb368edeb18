package io.hotvisor.node;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.hotvisor.cluster.OptionValues;
import io.hotvisor.runtime.Criu;
import io.hotvisor.runtime.DispatchOptions;
import io.hotvisor.runtime.EagerCompileOptions;
import io.hotvisor.runtime.JavaScanPolicy;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.RuntimeOptions;
import io.hotvisor.runtime.WarmthOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts a node: {@code bin/hotvisor node [options]}. */
@Command(name = "hotvisor node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Starts a Hotvisor node: one JVM serving JavaScript, Python and Java functions over HTTP.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped normally", "1:failed while running", "2:could not start (bad option, port in use,"
                + " no optimizing Truffle runtime)"})
public final class Main implements Callable<Integer> {

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = "--data-dir", description = "Directory of the embedded function store (default: ${DEFAULT-VALUE}).")
    Path dataDir = Path.of("data");

    @Option(names = "--keep-alive", description = "Idle time after which a function's workers and sandboxes are"
            + " released, ISO-8601 or e.g. 5m, 30s (default: 5m).")
    String keepAlive = "5m";

    @Option(names = "--queue-capacity", description = "Invocations of one function that may wait before 429"
            + " (default: ${DEFAULT-VALUE}).")
    int queueCapacity = DispatchOptions.DEFAULT_QUEUE_CAPACITY;

    @Option(names = "--max-body-bytes", description = "Largest request body accepted, 413 beyond"
            + " (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes = 64L * 1024 * 1024;

    @Option(names = "--allow-interpreter", description = "Start even if Truffle would fall back to its"
            + " interpreter-only runtime (about 10x slower). Off by default: a silent slowdown is a bug.")
    boolean allowInterpreter;

    @Option(names = "--java-scan", description = "What to do when a Java function's jar uses an API forbidden to"
            + " in-node functions (System.exit, threads, setAccessible, Unsafe, JNI, class loaders, files, sockets;"
            + " see docs/security.md): enforce (refuse the deploy), warn (deploy and log), off (default: enforce)."
            + " Functions deployed with \"isolation\": \"process\" run in worker JVMs and are not refused.",
            converter = JavaScan.class, defaultValue = "enforce")
    JavaScanPolicy javaScan;

    @Option(names = "--aot-training-invocations", description = "How many invocations the first worker JVM of a"
            + " Java function with isolation process serves before it retires and writes the function's AOT cache"
            + " (under <data-dir>/aot-cache); 0 turns AOT caches off (default: ${DEFAULT-VALUE}).")
    int aotTrainingInvocations = RuntimeOptions.DEFAULT_AOT_TRAINING_INVOCATIONS;

    @Option(names = "--python-engine-prime", description = "How many throw-away contexts of a built-in primer prime"
            + " the GraalPy engine when the node's first Python function loads, meant to keep later deploys from"
            + " deoptimizing hot functions' shared code; measured not to pay (bench/results/README-python-engine-prime"
            + ".md); 0 turns priming off (default: ${DEFAULT-VALUE}).")
    int pythonEnginePrime = RuntimeOptions.DEFAULT_PYTHON_ENGINE_PRIME;

    @Option(names = "--engine-per-function", defaultValue = "none", description = "The guest languages whose"
            + " functions each get a GraalVM engine of their own instead of the language's shared one, comma-separated:"
            + " javascript, python, or none. Other functions' deploys and calls then cannot slow their compiled code"
            + " down; each function pays a new engine (seconds and up to ~20 MB of heap for Python, measured) (default:"
            + " ${DEFAULT-VALUE}).")
    String enginePerFunction;

    @Option(names = "--hot-factor", description = "A function runs hot on this node while the fastest of its last 5"
            + " invocations is within this factor of the best steady state known for it, this node's or the"
            + " cluster's (default: ${DEFAULT-VALUE}).")
    double hotFactor = WarmthOptions.DEFAULT_HOT_FACTOR;

    @Option(names = "--warm-up-replays", description = "The most replays of a function's warmupInputs (and"
            + " sampled events) in a throw-away sandbox after each load; they stop earlier once they run hot against"
            + " the fleet's (or this node's remembered) steady state, else once their latency settles, or after 30 s;"
            + " 0 turns replays off (default: ${DEFAULT-VALUE}).")
    int warmUpReplays = WarmthOptions.DEFAULT_WARM_UP_REPLAYS;

    @Option(names = "--eager-compile", converter = OptionValues.OnOff.class, defaultValue = "off",
            description = "Load functions known hot fleet-wide (those of --eager-compile-languages)"
            + " (another live node of the cluster reports the same version hot) on a second engine per language with"
            + " lowered Truffle compilation thresholds: on or off (default: ${DEFAULT-VALUE}). Decided when a function"
            + " version is loaded; see README, \"Eager compilation\".")
    OptionValues.Switch eagerCompile;

    @Option(names = "--eager-compile-languages", defaultValue = "javascript", description = "With --eager-compile on,"
            + " the languages whose functions may be loaded on an eager engine, comma-separated: javascript, python"
            + " (default: ${DEFAULT-VALUE}; Python is left out because its functions gained nothing from it and settled"
            + " slower more often: see README, \"Eager compilation\").")
    String eagerLanguages;

    @Option(names = "--eager-first-tier-threshold", description = "engine.FirstTierCompilationThreshold of the eager"
            + " engines: calls plus loop iterations before a function is compiled in the first tier (GraalVM's default:"
            + " 400; default here: ${DEFAULT-VALUE}).")
    int eagerFirstTier = EagerCompileOptions.DEFAULT_FIRST_TIER_THRESHOLD;

    @Option(names = "--eager-last-tier-threshold", description = "engine.LastTierCompilationThreshold of the eager"
            + " engines, at least the first-tier threshold (GraalVM's default: 10000; default here:"
            + " ${DEFAULT-VALUE}).")
    int eagerLastTier = EagerCompileOptions.DEFAULT_LAST_TIER_THRESHOLD;

    @Option(names = "--warm-up-policy", converter = WarmUpPolicyValue.class, defaultValue = "before", description = "before: a function's warm-up replays finish before it takes"
            + " traffic, and a starting node is not ready (/readyz 503) until its functions are warm; alongside: it"
            + " takes traffic at once while they run in the background (default: ${DEFAULT-VALUE}).")
    WarmUpPolicy warmUpPolicy;

    @Option(names = "--warm-up-recheck", converter = OptionValues.OnOff.class, defaultValue = "on",
            description = "on: under --warm-up-policy before, a starting node replays once more every function"
                    + " whose replays reached their target, after all of them and before it is ready (the replays of"
                    + " one function can undo the compiled code of another warmed before it), in up to 3 rounds"
                    + " while a re-check finds code undone; off: ready after the first round of replays"
                    + " (default: ${DEFAULT-VALUE}).")
    OptionValues.Switch warmUpRecheck;

    @Option(names = "--warm-up-quiet", defaultValue = "5s", description = "Under --warm-up-policy before, the"
            + " longest a starting node that warmed functions waits after its replays, before it is ready, for its"
            + " JIT compilers to go quiet (under 25%% of a core over 2 windows of 250 ms): calls served while they"
            + " still work wait for a core; 0s: ready at once (default: ${DEFAULT-VALUE}).")
    String warmUpQuiet;

    @Option(names = "--engine-option", description = "Extra GraalVM engine option KEY=VALUE, e.g."
            + " engine.TraceCompilation=true, set on every engine (the eager engines too); GraalVM's experimental"
            + " options are allowed; repeatable.")
    Map<String, String> engineOptions = Map.of();

    @Option(names = "--port-file", description = "Write the port the node listens on to this file once ready.")
    Path portFile;

    @Option(names = "--cli-config", description = "Where to save a generated admin key (and this node's URL) for"
            + " the CLI (default: $HOTVISOR_CONFIG, else $XDG_CONFIG_HOME/hotvisor/config.json, else"
            + " ~/.config/hotvisor/config.json). A key is generated only on a data directory without one, and only"
            + " when env HOTVISOR_ADMIN_KEY is not set.")
    Path cliConfig;

    @Option(names = "--redis", description = "Join a cluster whose state is in this Redis, redis://host:port"
            + " (default: none: a node on its own with its embedded store).")
    String redis = "";

    @Option(names = "--cluster", description = "The cluster's name, the prefix of its Redis keys (default: ${DEFAULT-VALUE}).")
    String clusterName = "hotvisor";

    @Option(names = "--node-id", description = "This node's id in the cluster (default: <host>-<port>).")
    String nodeId = "";

    @Option(names = "--advertise-url", description = "Where the gateway reaches this node (default:"
            + " http://<host>:<port>).")
    String advertiseUrl = "";

    @Option(names = "--async-reclaim-after", description = "How long an async invocation taken by another node may"
            + " stay unfinished before this node takes it over (default: 30s).")
    String reclaimAfter = "30s";

    @Option(names = "--load-wait", description = "In a cluster, the longest an invocation waits for this node to"
            + " load the function's version it needs (the copy from the catalog, with its warm-up replays); after"
            + " that it is answered 503 FunctionLoading with Retry-After while the load goes on (default: 10s).")
    String loadWait = "10s";

    @Option(names = "--change-wait", description = "In a cluster, the longest a deploy or delete of a function through"
            + " this node waits for a load of that function in progress here (with its warm-up replays, up to 30s);"
            + " after that it is answered 503 FunctionLoading with Retry-After and nothing changes (default: 60s).")
    String changeWait = "60s";

    @Option(names = "--aot-share", converter = OptionValues.OnOff.class, defaultValue = "on",
            description = "In a cluster, share the AOT caches of Java worker JVMs (isolation"
            + " process) through Redis: a node fetches a function's cache trained by another node before it trains its"
            + " own, and uploads the caches it trains: on or off (default: ${DEFAULT-VALUE}).")
    OptionValues.Switch aotShare;

    @Option(names = "--snapshot-share", converter = OptionValues.OnOff.class, defaultValue = "on",
            description = "In a cluster, share the CRIU snapshots of Java worker JVMs (isolation process, --criu)"
            + " through Redis: a node restores a function's first worker from a snapshot another node took, and"
            + " uploads the ones it takes: on or off (default: ${DEFAULT-VALUE}). Apart from --aot-share.")
    OptionValues.Switch snapshotShare;

    @Option(names = "--aot-share-max-mb", description = "In a cluster, the most MB the shared AOT caches and snapshots"
            + " may take in Redis, all functions and nodes together: after this node stores one, the least recently"
            + " stored or fetched others are dropped until they fit, and a larger one is kept on this node only"
            + " (default: ${DEFAULT-VALUE}).")
    long aotShareMaxMb = ClusterOptions.DEFAULT_AOT_SHARE_MAX_BYTES / (1024 * 1024);

    @Option(names = "--criu", converter = CriuMode.class, defaultValue = "auto", description = "Snapshots of hot Java worker JVMs (isolation process) with CRIU: a"
            + " function's later workers start as restored copies of a worker that already ran it. auto: use CRIU when it"
            + " works (criu 4.1+ from env HOTVISOR_CRIU, .tools/criu or PATH; root; criu check), else start workers"
            + " fresh; on: refuse to start without it; off (default: ${DEFAULT-VALUE}). GET /v1/node says which.")
    Criu.Mode criu;

    @Override
    public Integer call() throws Exception {
        if (aotTrainingInvocations < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid --aot-training-invocations " + aotTrainingInvocations + ": use 0 or more");
        }
        if (!(hotFactor >= 1.0) || Double.isInfinite(hotFactor)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid --hot-factor " + hotFactor + ": use a number of at least 1.0, e.g. 1.3");
        }
        if (warmUpReplays < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid --warm-up-replays " + warmUpReplays + ": use 0 or more");
        }
        if (pythonEnginePrime < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid --python-engine-prime " + pythonEnginePrime + ": use 0 or more (0 turns priming off)");
        }
        if (eagerFirstTier < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid --eager-first-tier-threshold " + eagerFirstTier + ": use 1 or more");
        }
        if (eagerLastTier < eagerFirstTier) {
            throw new CommandLine.ParameterException(new CommandLine(this), "Invalid --eager-last-tier-threshold "
                    + eagerLastTier + ": use at least --eager-first-tier-threshold (" + eagerFirstTier + ")");
        }
        requireNonNegative("--load-wait", loadWait, "10s");
        requireNonNegative("--warm-up-quiet", warmUpQuiet, "5s");
        requireNonNegative("--change-wait", changeWait, "60s");
        if (aotShareMaxMb < 1 || aotShareMaxMb > Long.MAX_VALUE / (1024 * 1024)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid --aot-share-max-mb " + aotShareMaxMb + ": use 1 or more, e.g. 1024");
        }
        Set<Language> eagerLanguageSet = parseGuestLanguages("--eager-compile-languages", eagerLanguages);
        Set<Language> ownEngineLanguages = enginePerFunction.strip().equals("none") ? Set.of()
                : parseGuestLanguages("--engine-per-function", enginePerFunction);
        Criu criuSupport;
        try {
            criuSupport = Criu.detect(criu, System.getenv(), Path.of("").toAbsolutePath());
        } catch (IllegalStateException e) {
            System.err.println("hotvisor: " + e.getMessage());
            return 2;
        }
        RuntimeOptions.Builder runtime = RuntimeOptions.builder().criu(criuSupport)
                .snapshotAfterInvocations(aotTrainingInvocations > 0 ? aotTrainingInvocations
                        : RuntimeOptions.DEFAULT_SNAPSHOT_AFTER_INVOCATIONS).allowInterpreter(allowInterpreter).javaScan(javaScan)
                .aotCacheDir(dataDir.resolve("aot-cache").toAbsolutePath())
                .aotTrainingInvocations(aotTrainingInvocations).pythonEnginePrime(pythonEnginePrime)
                .enginePerFunction(ownEngineLanguages)
                .eagerCompile(new EagerCompileOptions(eagerCompile.on(), eagerLanguageSet, eagerFirstTier,
                        eagerLastTier));
        engineOptions.forEach(runtime::engineOption);
        NodeConfig config = NodeConfig.builder()
                .host(host).port(port).dataDir(dataDir).maxBodyBytes(maxBodyBytes)
                .runtime(runtime.build())
                .dispatch(DispatchOptions.defaults().queueCapacity(queueCapacity).keepAlive(duration(keepAlive)))
                .warmth(WarmthOptions.defaults().hotFactor(hotFactor).warmUpReplays(warmUpReplays))
                .warmUpPolicy(warmUpPolicy)
                .warmUpRecheck(warmUpRecheck.on())
                .warmUpQuiet(duration(warmUpQuiet))
                .adminKey(System.getenv().getOrDefault("HOTVISOR_ADMIN_KEY", ""))
                .cluster(new ClusterOptions(redis, clusterName, nodeId, advertiseUrl, duration(reclaimAfter),
                        ClusterOptions.NONE.asyncWorkers(), aotShare.on(), snapshotShare.on(), duration(loadWait),
                        duration(changeWait), aotShareMaxMb * 1024 * 1024))
                .build();
        HotvisorNode node;
        try {
            node = HotvisorNode.start(config);
        } catch (IllegalStateException | java.io.UncheckedIOException | io.hotvisor.cluster.ClusterException e) {
            System.err.println("hotvisor: " + e.getMessage());
            return 2;
        }
        String url = "http://" + ("0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : host) + ":" + node.port();
        // Before the port file: whoever waits for it finds the key already printed.
        node.generatedAdminKey().ifPresent(key -> announce(key, url));
        if (portFile != null) {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(node.port()), StandardCharsets.UTF_8);
            Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("Hotvisor node listening on " + url + " (Truffle: "
                + node.truffleRuntimeName() + ", data: " + dataDir.toAbsolutePath() + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "hv-shutdown"));
        // Only the shutdown hook ends the wait: an interrupt of this thread does not stop the node.
        while (true) {
            try {
                stopped.await();
                return 0;
            } catch (InterruptedException ignored) {
                // Not a request to stop: a node stops on a signal (the hook above).
            }
        }
    }

    /** Shows a generated admin key, the only time it can be shown, and saves it for the CLI. */
    private void announce(String key, String url) {
        Path file = cliConfig != null ? cliConfig : CliConfigFile.defaultPath(System.getenv());
        String saved;
        try {
            saved = switch (CliConfigFile.save(file, url, key)) {
                case WRITTEN -> "Saved for the CLI in " + file.toAbsolutePath() + " (readable by you only).";
                case KEPT_OTHER_KEY -> "NOT saved for the CLI: " + file.toAbsolutePath() + " holds another key;"
                        + " pass this one with --key or HOTVISOR_KEY, or put it in that file.";
            };
        } catch (RuntimeException e) {
            saved = "NOT saved for the CLI: " + e.getMessage();
        }
        String line = "=".repeat(78);
        System.out.println(line + "\nThis data directory had no admin key, so the node made one. It is shown ONCE"
                + " (only its\nSHA-256 is stored):\n\n    " + key + "\n\n" + saved + "\nUse it as"
                + " 'Authorization: Bearer <key>'. Revoke it with DELETE /v1/admin-keys/{id}.\n" + line);
        System.out.flush();
    }

    /**
     * The languages of {@code option} ({@code --eager-compile-languages}, {@code --engine-per-function}): javascript
     * and/or python, comma-separated.
     */
    private Set<Language> parseGuestLanguages(String option, String list) {
        Set<Language> out = EnumSet.noneOf(Language.class);
        for (String name : list.split(",", -1)) {
            Language language = Language.parse(name).orElse(null);
            if (language == null || language == Language.JAVA) {
                throw new CommandLine.ParameterException(new CommandLine(this), "Invalid " + option + " '"
                        + list + "': '" + name.trim() + "' is not javascript or python (comma-separated, e.g."
                        + " javascript,python; java functions have no Truffle engine)");
            }
            out.add(language);
        }
        return out;
    }

    /** Refuses duration option {@code option} if {@code value} is negative (or not a duration: {@link #duration}). */
    private void requireNonNegative(String option, String value, String example) {
        if (duration(value).isNegative()) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "Invalid " + option + " " + value + ": use 0s or more, e.g. " + example);
        }
    }

    /** Parses {@code 5m}, {@code 30s}, {@code 250ms}, {@code 1h} or an ISO-8601 duration. */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException();
            };
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(new CommandLine(new Main()),
                    "Invalid duration '" + text + "': use e.g. 250ms, 30s, 5m, 1h or ISO-8601 (PT5M)");
        }
    }

    static final class JavaScan extends OptionValues.LowerCaseEnum<JavaScanPolicy> {
        JavaScan() {
            super(JavaScanPolicy.class);
        }
    }

    static final class WarmUpPolicyValue extends OptionValues.LowerCaseEnum<WarmUpPolicy> {
        WarmUpPolicyValue() {
            super(WarmUpPolicy.class);
        }
    }

    static final class CriuMode extends OptionValues.LowerCaseEnum<Criu.Mode> {
        CriuMode() {
            super(Criu.Mode.class);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
