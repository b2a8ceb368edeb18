package io.hotvisor.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks API keys at the gateway against the key hashes the nodes keep in Redis (the nodes' tenants.json format:
 * {@code hv_<12 hex id>_<secret>}, SHA-256 of the whole key), plus the admin key of env {@code HOTVISOR_ADMIN_KEY}.
 * The hashes are re-read when their revision counter moves, at most every 500 ms; if Redis is unreachable the last
 * copy is used.
 */
final class GatewayAuth {
    /** Who a key stands for: {@code namespace} is empty for an admin. */
    record Caller(String keyId, String namespace) {
        boolean admin() {
            return namespace.isEmpty();
        }
    }

    private record Key(String namespace, byte[] sha256) {
    }

    private final ClusterStore store;
    private final byte[] envAdmin;
    private volatile Map<String, Key> keys = Map.of();
    private volatile java.util.Set<String> namespaces = java.util.Set.of("default");
    private volatile long rev = -1;
    private volatile long checkedAt;

    GatewayAuth(ClusterStore store, String envAdminKey) {
        this.store = store;
        this.envAdmin = envAdminKey.isBlank() ? null : sha256(envAdminKey.strip());
    }

    Optional<Caller> authenticate(String key) {
        refresh();
        byte[] hash = sha256(key);
        if (key.startsWith("hv_") && key.length() > 15) {
            Key k = keys.get(key.substring(3, 15));
            if (k != null && MessageDigest.isEqual(hash, k.sha256())) {
                return Optional.of(new Caller(key.substring(3, 15), k.namespace()));
            }
        }
        if (envAdmin != null && MessageDigest.isEqual(hash, envAdmin)) {
            return Optional.of(new Caller("env", ""));
        }
        return Optional.empty();
    }

    boolean namespaceExists(String ns) {
        refresh();
        return namespaces.contains(ns);
    }

    private void refresh() {
        long now = System.nanoTime();
        if (now - checkedAt < 500_000_000L && rev >= 0) {
            return;
        }
        checkedAt = now;
        try {
            long r = store.tenantsRevision();
            if (r == rev) {
                return;
            }
            store.tenants().ifPresent(this::load);
            rev = r;
        } catch (ClusterException e) {
            // keep the last copy
        }
    }

    private void load(String json) {
        JsonNode root = ClusterStore.readTree(json);
        Map<String, Key> m = new HashMap<>();
        for (JsonNode k : root.path("keys")) {
            if (k.hasNonNull("revokedAt") || k.path("sha256").asText().length() != 64) {
                continue;
            }
            m.put(k.path("id").asText(), new Key(k.path("namespace").asText(),
                    HexFormat.of().parseHex(k.path("sha256").asText())));
        }
        java.util.Set<String> ns = new java.util.HashSet<>();
        root.path("namespaces").forEach(n -> ns.add(n.path("name").asText()));
        ns.add("default");
        keys = m;
        namespaces = ns;
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
