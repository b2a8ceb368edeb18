package io.hotvisor.runtime;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Node-wide options of the runtime.
 *
 * @param allowInterpreter       run even when Truffle would fall back to its interpreter (about 10x slower);
 *                               defaults to false: {@link FunctionRuntime#create} then refuses to start
 * @param engineOptions          extra GraalVM engine options set on every shared engine (e.g.
 *                               {@code engine.TraceCompilation=true}); defaults to none
 * @param javaScan               what to do when the jar of an in-node Java function uses a forbidden API; defaults
 *                               to {@link JavaScanPolicy#ENFORCE}. Functions with {@link Isolation#PROCESS} are not
 *                               refused: the worker process contains them
 * @param aotCacheDir            where the JDK AOT caches of Java worker JVMs are kept; defaults to
 *                               {@code <java.io.tmpdir>/hotvisor-aot-cache} (a node puts it under its data dir)
 * @param aotTrainingInvocations how many invocations the first worker JVM of a Java function serves before it is
 *                               retired to write the function's AOT cache; defaults to 10; 0 turns AOT caches off
 * @param aotShare               where AOT caches are shared with the fleet: a node fetches a function's cache from it
 *                               before it trains one, and uploads the caches it trains; defaults to
 *                               {@link AotCacheShare#none()}
 * @param snapshotShare          where CRIU snapshots of Java worker JVMs are shared with the fleet: a node restores a
 *                               function's first worker from a snapshot another node took, and uploads those it takes;
 *                               apart from {@code aotShare}, so that each can be measured alone; defaults to
 *                               {@link AotCacheShare#none()}
 * @param criu                   CRIU for snapshots of hot worker JVMs ({@link Criu#detect}); defaults to
 *                               {@link Criu#off()}
 * @param snapshotAfterInvocations how many invocations a worker JVM serves before it is checkpointed, when CRIU is
 *                               available; defaults to 10
 * @param eagerCompile           whether functions known hot may run on an eager engine with lowered compilation
 *                               thresholds, and which; defaults to {@link EagerCompileOptions#off()}
 * @param pythonEnginePrime      how many throw-away contexts prime the GraalPy engine when it starts, before any
 *                               Python function is loaded ({@code PythonRuntime}); 0 turns priming off; defaults to
 *                               0 (measured not to pay: bench/results/README-python-engine-prime.md)
 * @param enginePerFunction      the guest languages (JavaScript, Python) whose functions each get an engine of their
 *                               own instead of the language's shared one: other functions' deploys and calls then
 *                               cannot disturb their compiled code, for the cost of a new engine per function (its
 *                               first context takes seconds in Python); defaults to none
 */
public record RuntimeOptions(boolean allowInterpreter, Map<String, String> engineOptions, JavaScanPolicy javaScan,
                             Path aotCacheDir, int aotTrainingInvocations, AotCacheShare aotShare,
                             AotCacheShare snapshotShare, Criu criu, int snapshotAfterInvocations,
                             EagerCompileOptions eagerCompile, int pythonEnginePrime,
                             Set<Language> enginePerFunction) {

    /** Default {@link #aotTrainingInvocations()}: 10. */
    public static final int DEFAULT_AOT_TRAINING_INVOCATIONS = 10;
    /** Default {@link #snapshotAfterInvocations()}: 10. */
    public static final int DEFAULT_SNAPSHOT_AFTER_INVOCATIONS = 10;
    /** Default {@link #pythonEnginePrime()}: 0, priming off. */
    public static final int DEFAULT_PYTHON_ENGINE_PRIME = 0;

    public RuntimeOptions {
        engineOptions = Map.copyOf(engineOptions);
        Objects.requireNonNull(javaScan, "javaScan");
        Objects.requireNonNull(aotCacheDir, "aotCacheDir");
        Objects.requireNonNull(aotShare, "aotShare");
        Objects.requireNonNull(snapshotShare, "snapshotShare");
        Objects.requireNonNull(criu, "criu");
        if (snapshotAfterInvocations < 1) {
            throw new IllegalArgumentException("snapshotAfterInvocations must be 1 or more; got " + snapshotAfterInvocations);
        }
        Objects.requireNonNull(eagerCompile, "eagerCompile");
        enginePerFunction = enginePerFunction.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(enginePerFunction));
        if (enginePerFunction.contains(Language.JAVA)) {
            throw new IllegalArgumentException("enginePerFunction is for JavaScript and Python; Java functions have no"
                    + " Truffle engine");
        }
        if (pythonEnginePrime < 0) {
            throw new IllegalArgumentException("pythonEnginePrime must be 0 or more; got " + pythonEnginePrime);
        }
        if (aotTrainingInvocations < 0) {
            throw new IllegalArgumentException("aotTrainingInvocations must be 0 or more; got " + aotTrainingInvocations);
        }
    }

    /** The defaults. */
    public static RuntimeOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        Builder b = builder().allowInterpreter(allowInterpreter).javaScan(javaScan).aotCacheDir(aotCacheDir)
                .aotTrainingInvocations(aotTrainingInvocations).aotShare(aotShare).snapshotShare(snapshotShare).criu(criu)
                .snapshotAfterInvocations(snapshotAfterInvocations).eagerCompile(eagerCompile)
                .pythonEnginePrime(pythonEnginePrime).enginePerFunction(enginePerFunction);
        engineOptions.forEach(b::engineOption);
        return b;
    }

    /** Builds {@link RuntimeOptions}. */
    public static final class Builder {
        private boolean allowInterpreter;
        private final Map<String, String> engineOptions = new TreeMap<>();
        private JavaScanPolicy javaScan = JavaScanPolicy.ENFORCE;
        private Path aotCacheDir = Path.of(System.getProperty("java.io.tmpdir"), "hotvisor-aot-cache");
        private int aotTrainingInvocations = DEFAULT_AOT_TRAINING_INVOCATIONS;
        private AotCacheShare aotShare = AotCacheShare.none();
        private AotCacheShare snapshotShare = AotCacheShare.none();
        private Criu criu = Criu.off();
        private int snapshotAfterInvocations = DEFAULT_SNAPSHOT_AFTER_INVOCATIONS;
        private EagerCompileOptions eagerCompile = EagerCompileOptions.off();
        private int pythonEnginePrime = DEFAULT_PYTHON_ENGINE_PRIME;
        private Set<Language> enginePerFunction = Set.of();

        private Builder() {
        }

        public Builder allowInterpreter(boolean allow) {
            this.allowInterpreter = allow;
            return this;
        }

        public Builder engineOption(String key, String value) {
            engineOptions.put(key, value);
            return this;
        }

        public Builder javaScan(JavaScanPolicy policy) {
            this.javaScan = policy;
            return this;
        }

        public Builder aotCacheDir(Path dir) {
            this.aotCacheDir = dir;
            return this;
        }

        public Builder aotTrainingInvocations(int invocations) {
            this.aotTrainingInvocations = invocations;
            return this;
        }

        public Builder aotShare(AotCacheShare share) {
            this.aotShare = share;
            return this;
        }

        public Builder snapshotShare(AotCacheShare share) {
            this.snapshotShare = share;
            return this;
        }

        public Builder criu(Criu criu) {
            this.criu = criu;
            return this;
        }

        public Builder snapshotAfterInvocations(int invocations) {
            this.snapshotAfterInvocations = invocations;
            return this;
        }

        public Builder eagerCompile(EagerCompileOptions options) {
            this.eagerCompile = options;
            return this;
        }

        public Builder pythonEnginePrime(int contexts) {
            this.pythonEnginePrime = contexts;
            return this;
        }

        public Builder enginePerFunction(Set<Language> languages) {
            this.enginePerFunction = Objects.requireNonNull(languages, "languages");
            return this;
        }

        public RuntimeOptions build() {
            return new RuntimeOptions(allowInterpreter, engineOptions, javaScan, aotCacheDir, aotTrainingInvocations,
                    aotShare, snapshotShare, criu, snapshotAfterInvocations, eagerCompile, pythonEnginePrime,
                    enginePerFunction);
        }
    }
}
