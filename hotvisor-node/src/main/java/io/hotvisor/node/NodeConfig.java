package io.hotvisor.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import io.hotvisor.runtime.DispatchOptions;
import io.hotvisor.runtime.RuntimeOptions;
import io.hotvisor.runtime.WarmthOptions;

/**
 * How a node runs.
 *
 * @param host            the address to listen on; defaults to {@code 127.0.0.1}
 * @param port            the port; 0 picks a free one; defaults to 8080
 * @param dataDir         where the embedded store keeps functions; defaults to {@code ./data}
 * @param maxBodyBytes    the largest request body accepted (413 beyond); defaults to 64 MB
 * @param runtime         the runtime's options (e.g. whether the interpreter-only fallback is allowed)
 * @param dispatch        per-function queue capacity and keep-alive
 * @param asyncRetention  how long an async invocation's result is kept after it ends; defaults to 1 h
 * @param asyncMaxPending how many async invocations may wait at once (429 beyond); defaults to 100 000
 * @param adminKey        a key accepted as an admin key while the node runs, never stored (the {@code bin/hotvisor
 *                        node} reads it from env {@code HOTVISOR_ADMIN_KEY}); empty for none, the default. Without
 *                        it, a node whose data directory has no admin key generates one
 * @param cluster         the cluster to join; defaults to {@link ClusterOptions#NONE} (a node on its own)
 * @param warmth          how the node judges whether a function runs hot; defaults to {@link WarmthOptions#defaults()}
 * @param warmUpPolicy    whether warm-up replays finish before a function takes traffic or run alongside it;
 *                        defaults to {@link WarmUpPolicy#BEFORE}
 * @param warmUpRecheck   under policy {@code before}, whether a starting node replays once more the functions whose
 *                        replays reached their target, after all of them, before it is ready, in rounds while
 *                        one finds code undone ({@link FunctionRegistry#recheckWarmUps}); defaults to true
 * @param warmUpQuiet     under policy {@code before}, the longest a starting node that warmed functions waits after
 *                        its replays for the JIT compilers to go quiet before it is ready ({@link CompilerQuiet});
 *                        {@link Duration#ZERO}: no wait; defaults to {@link #DEFAULT_WARM_UP_QUIET}
 */
public record NodeConfig(String host, int port, Path dataDir, long maxBodyBytes, RuntimeOptions runtime,
                         DispatchOptions dispatch, Duration asyncRetention, int asyncMaxPending, String adminKey,
                         ClusterOptions cluster, WarmthOptions warmth, WarmUpPolicy warmUpPolicy,
                         boolean warmUpRecheck, Duration warmUpQuiet) {

    /** Default {@link #warmUpQuiet()}. */
    public static final Duration DEFAULT_WARM_UP_QUIET = Duration.ofSeconds(5);

    public NodeConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(asyncRetention, "asyncRetention");
        Objects.requireNonNull(adminKey, "adminKey");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(warmth, "warmth");
        Objects.requireNonNull(warmUpPolicy, "warmUpPolicy");
        Objects.requireNonNull(warmUpQuiet, "warmUpQuiet");
        if (warmUpQuiet.isNegative()) {
            throw new IllegalArgumentException("warmUpQuiet must not be negative, was " + warmUpQuiet);
        }
    }

    /** Like the record's, without the admin key. */
    @Override
    public String toString() {
        return "NodeConfig[host=" + host + ", port=" + port + ", dataDir=" + dataDir + ", maxBodyBytes=" + maxBodyBytes
                + ", runtime=" + runtime + ", dispatch=" + dispatch + ", asyncRetention=" + asyncRetention
                + ", asyncMaxPending=" + asyncMaxPending + ", adminKey=" + (adminKey.isEmpty() ? "none" : "(set)")
                + ", cluster=" + cluster + ", warmth=" + warmth + ", warmUpPolicy=" + warmUpPolicy.id()
                + ", warmUpRecheck=" + warmUpRecheck + ", warmUpQuiet=" + warmUpQuiet + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link NodeConfig}; every option starts at its default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private Path dataDir = Path.of("data");
        private long maxBodyBytes = 64L * 1024 * 1024;
        private RuntimeOptions runtime = RuntimeOptions.defaults();
        private DispatchOptions dispatch = DispatchOptions.defaults();
        private Duration asyncRetention = Duration.ofHours(1);
        private int asyncMaxPending = 100_000;
        private String adminKey = "";
        private ClusterOptions cluster = ClusterOptions.NONE;
        private WarmthOptions warmth = WarmthOptions.defaults();
        private WarmUpPolicy warmUpPolicy = WarmUpPolicy.BEFORE;
        private boolean warmUpRecheck = true;
        private Duration warmUpQuiet = DEFAULT_WARM_UP_QUIET;

        private Builder() {
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder maxBodyBytes(long maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder runtime(RuntimeOptions runtime) {
            this.runtime = runtime;
            return this;
        }

        public Builder dispatch(DispatchOptions dispatch) {
            this.dispatch = dispatch;
            return this;
        }

        public Builder asyncRetention(Duration asyncRetention) {
            this.asyncRetention = asyncRetention;
            return this;
        }

        public Builder asyncMaxPending(int asyncMaxPending) {
            this.asyncMaxPending = asyncMaxPending;
            return this;
        }

        public Builder adminKey(String adminKey) {
            this.adminKey = adminKey;
            return this;
        }

        public Builder cluster(ClusterOptions cluster) {
            this.cluster = cluster;
            return this;
        }

        public Builder warmth(WarmthOptions warmth) {
            this.warmth = warmth;
            return this;
        }

        public Builder warmUpPolicy(WarmUpPolicy warmUpPolicy) {
            this.warmUpPolicy = warmUpPolicy;
            return this;
        }

        public Builder warmUpRecheck(boolean warmUpRecheck) {
            this.warmUpRecheck = warmUpRecheck;
            return this;
        }

        public Builder warmUpQuiet(Duration warmUpQuiet) {
            this.warmUpQuiet = warmUpQuiet;
            return this;
        }

        public NodeConfig build() {
            return new NodeConfig(host, port, dataDir, maxBodyBytes, runtime, dispatch, asyncRetention,
                    asyncMaxPending, adminKey, cluster, warmth, warmUpPolicy, warmUpRecheck, warmUpQuiet);
        }
    }
}
