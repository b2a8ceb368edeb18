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
 */
public record GatewayConfig(String host, int port, URI redis, String cluster, String adminKey, Duration connectTimeout,
                            Duration requestTimeout, Duration asyncRetention, long maxBodyBytes) {

    public GatewayConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(adminKey, "adminKey");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(asyncRetention, "asyncRetention");
    }

    /** A gateway for {@code redis} with every other option at its default. */
    public static GatewayConfig create(String host, int port, URI redis, String cluster, String adminKey) {
        return new GatewayConfig(host, port, redis, cluster, adminKey, Duration.ofSeconds(1), Duration.ofMinutes(16),
                Duration.ofHours(1), 64L * 1024 * 1024);
    }
}
