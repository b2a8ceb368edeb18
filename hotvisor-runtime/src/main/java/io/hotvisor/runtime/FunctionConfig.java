package io.hotvisor.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a function is to be run: everything of {@code PUT /v1/functions/{name}} but its code.
 *
 * @param name        the function's name
 * @param language    its language
 * @param handler     where to enter it: {@code file.function} or {@code function} for JavaScript and Python,
 *                    {@code com.acme.Fn::method} or {@code com.acme.Fn} for Java
 * @param timeout     how long one invocation may run; defaults to 30 s
 * @param memoryMb    the memory limit in MB; defaults to 256
 * @param concurrency how many invocations may run at once, each in its own sandbox; defaults to 4
 * @param env         the function's environment variables; defaults to none
 * @param sandbox     whether sandboxes are reused; defaults to {@link SandboxPolicy#REUSE}
 * @param isolation   where the code runs; defaults to {@link Isolation#NODE}; {@link Isolation#PROCESS} is for
 *                    Java only
 * @param warmupInputs events (JSON texts) a node replays in a throw-away sandbox after loading the function and
 *                    before it takes traffic, so that its first invocation runs compiled code (see
 *                    {@link FunctionDispatcher#warmUp}); defaults to none
 * @param warmupSampling whether the node may keep a bounded sample of the function's recent real events (of
 *                    successful invocations) and replay them too when it loads the function; off by default, because
 *                    events may hold private data: when off, no event is ever stored
 * @param snapshots   whether the workers of a process-isolated function may be CRIU snapshots: one worker
 *                    checkpointed after some invocations, later ones restored copies of it, sharing its memory (its
 *                    fields, caches, generators made before the checkpoint; see {@code WorkerSnapshot}); defaults to
 *                    true (where the node runs with CRIU). False: every worker starts fresh, none is checkpointed
 */
public record FunctionConfig(
        String name,
        Language language,
        String handler,
        Duration timeout,
        int memoryMb,
        int concurrency,
        Map<String, String> env,
        SandboxPolicy sandbox,
        Isolation isolation,
        List<String> warmupInputs,
        boolean warmupSampling,
        boolean snapshots) {

    /** Default {@link #timeout()}: 30 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #memoryMb()}: 256. */
    public static final int DEFAULT_MEMORY_MB = 256;
    /** Default {@link #concurrency()}: 4. */
    public static final int DEFAULT_CONCURRENCY = 4;

    public FunctionConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(isolation, "isolation");
        env = Map.copyOf(env);
        warmupInputs = List.copyOf(warmupInputs);
    }

    /** A builder with every default set. */
    public static Builder builder(String name, Language language, String handler) {
        return new Builder(name, language, handler);
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return new Builder(name, language, handler).timeout(timeout).memoryMb(memoryMb)
                .concurrency(concurrency).env(env).sandbox(sandbox).isolation(isolation).warmupInputs(warmupInputs)
                .warmupSampling(warmupSampling).snapshots(snapshots);
    }

    /** Builds a {@link FunctionConfig}. */
    public static final class Builder {
        private final String name;
        private final Language language;
        private String handler;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int memoryMb = DEFAULT_MEMORY_MB;
        private int concurrency = DEFAULT_CONCURRENCY;
        private Map<String, String> env = Map.of();
        private SandboxPolicy sandbox = SandboxPolicy.REUSE;
        private Isolation isolation = Isolation.NODE;
        private List<String> warmupInputs = List.of();
        private boolean warmupSampling;
        private boolean snapshots = true;

        private Builder(String name, Language language, String handler) {
            this.name = name;
            this.language = language;
            this.handler = handler;
        }

        public Builder handler(String handler) {
            this.handler = handler;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = new TreeMap<>(env);
            return this;
        }

        public Builder sandbox(SandboxPolicy sandbox) {
            this.sandbox = sandbox;
            return this;
        }

        public Builder isolation(Isolation isolation) {
            this.isolation = isolation;
            return this;
        }

        public Builder warmupInputs(List<String> warmupInputs) {
            this.warmupInputs = List.copyOf(warmupInputs);
            return this;
        }

        public Builder warmupSampling(boolean warmupSampling) {
            this.warmupSampling = warmupSampling;
            return this;
        }

        public Builder snapshots(boolean snapshots) {
            this.snapshots = snapshots;
            return this;
        }

        public FunctionConfig build() {
            return new FunctionConfig(name, language, handler, timeout, memoryMb, concurrency, env, sandbox, isolation,
                    warmupInputs, warmupSampling, snapshots);
        }
    }
}
