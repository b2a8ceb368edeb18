package io.hotvisor.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How a gateway runs.
 *
 * @param host           address to listen on; {@code 127.0.0.1} in {@link GatewayMain}
 * @param port           port, 0 for any free one; 8090 in {@link GatewayMain}
 * @param redis          the cluster's Redis, {@code redis://host:port}
 * @param cluster        the cluster's name (Redis key prefix); {@code hotvisor} in {@link GatewayMain}
 * @param adminKey       an admin key accepted while it runs (env {@code HOTVISOR_ADMIN_KEY}); empty for none
 * @param connectTimeout how long a node may take to accept a connection before the next is tried; 1 s
 * @param requestTimeout how long a forwarded request may take; 16 min (longer than any function's timeout)
 * @param asyncRetention how long async results are kept; 1 h
 * @param maxBodyBytes   largest request body; 64 MB
 * @param warmthRouting  whether sync invocations prefer nodes where the function is hot and move load onto a node
 *                       that is not hot gradually ({@link Placement}); on ({@code --warmth-routing on|off})
 * @param warmthRamp     with warmth routing, how many invocations a node that is not hot serves (through this
 *                       gateway) before it gets a full share; 100 ({@code --warmth-ramp})
 */
public record GatewayConfig(String host, int port, URI redis, String cluster, String adminKey, Duration connectTimeout,
                            Duration requestTimeout, Duration asyncRetention, long maxBodyBytes,
                            boolean warmthRouting, int warmthRamp) {

    public GatewayConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(adminKey, "adminKey");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(asyncRetention, "asyncRetention");
        if (warmthRamp < 1) {
            throw new IllegalArgumentException("The warmth ramp (--warmth-ramp) must be at least 1 invocation; got "
                    + warmthRamp);
        }
    }

    /** A gateway for {@code redis} with every other option at its default. */
    public static GatewayConfig create(String host, int port, URI redis, String cluster, String adminKey) {
        return new GatewayConfig(host, port, redis, cluster, adminKey, Duration.ofSeconds(1), Duration.ofMinutes(16),
                Duration.ofHours(1), 64L * 1024 * 1024, true, Placement.DEFAULT_RAMP);
    }

    /** This configuration with warmth routing {@code on} or off, and its ramp (see {@link #warmthRamp}). */
    public GatewayConfig withWarmthRouting(boolean on, int ramp) {
        return new GatewayConfig(host, port, redis, cluster, adminKey, connectTimeout, requestTimeout, asyncRetention,
                maxBodyBytes, on, ramp);
    }
}
