package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Namespaces and API keys, kept in {@code <data-dir>/tenants.json}.
 *
 * <p>Keys look like {@code hv_<id>_<secret>}: a 12-hex-digit public id (shown in listings and logs, used to revoke)
 * and 256 random bits of secret (base64url). Only the SHA-256 of the whole key is stored. A slow password hash
 * (bcrypt, Argon2) is for low-entropy secrets chosen by people; a 256-bit random key cannot be guessed or
 * brute-forced from its hash, so one SHA-256 is enough and keeps every request's check cheap. Hashes are compared
 * with {@link MessageDigest#isEqual} (constant time).
 *
 * <p>The file is replaced atomically on every change (write a temporary file, force it, rename), like the function
 * store, with owner-only permissions. Reads use an immutable snapshot; changes are serialized.
 */
final class TenantStore {
    static final String FILE = "tenants.json";
    static final String DEFAULT_NAMESPACE = "default";
    static final String KEY_PREFIX = "hv_";
    private static final int ID_HEX = 12;
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] NO_HASH = new byte[32];

    /** A key as stored: never the key itself. {@code namespace} is empty for an admin key. */
    record KeyRecord(String id, String namespace, String sha256, Instant createdAt, Instant revokedAt) {
        boolean admin() {
            return namespace.isEmpty();
        }

        boolean active() {
            return revokedAt == null;
        }
    }

    /** A namespace. */
    record Namespace(String name, Instant createdAt) {
    }

    /** Who a request's key says it is: an admin, or a namespace's key. */
    record Caller(String keyId, String namespace) {
        boolean admin() {
            return namespace.isEmpty();
        }
    }

    /** A key just made: the only time its secret is known. */
    record NewKey(String id, String key, String namespace) {
    }

    private record State(Map<String, Namespace> namespaces, Map<String, KeyRecord> keys) {
    }

    private final Path file;
    private final Clock clock;
    private volatile State state;
    private volatile byte[] envAdminHash;
    private volatile java.util.function.Consumer<String> onChange = json -> { };

    private TenantStore(Path file, Clock clock, State state) {
        this.file = file;
        this.clock = clock;
        this.state = state;
    }

    /** Opens (creating if needed) the store in {@code dataDir}; namespace {@code default} always exists. */
    static TenantStore open(Path dataDir, Clock clock) {
        Path file = dataDir.resolve(FILE);
        try {
            Files.createDirectories(dataDir);
            State s = Files.exists(file) ? read(file) : new State(new TreeMap<>(), new LinkedHashMap<>());
            TenantStore store = new TenantStore(file, clock, s);
            if (!s.namespaces().containsKey(DEFAULT_NAMESPACE)) {
                store.createNamespace(DEFAULT_NAMESPACE);
            }
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the namespaces and keys in " + file, e);
        }
    }

    /** Accepts {@code key} as an admin key while the node runs (from HOTVISOR_ADMIN_KEY); it is never stored. */
    void acceptEnvAdminKey(String key) {
        envAdminHash = sha256(key);
    }

    /** Whether any admin key works: one given by the environment or a stored one not revoked. */
    boolean hasAdminKey() {
        return envAdminHash != null || state.keys().values().stream().anyMatch(k -> k.admin() && k.active());
    }

    /** The caller a key stands for; empty for an unknown or revoked key. */
    Optional<Caller> authenticate(String key) {
        byte[] hash = sha256(key);
        if (key.startsWith(KEY_PREFIX) && key.length() > KEY_PREFIX.length() + ID_HEX) {
            KeyRecord r = state.keys().get(key.substring(KEY_PREFIX.length(), KEY_PREFIX.length() + ID_HEX));
            // Compared even when the id is unknown, so an unknown id takes as long as a wrong secret.
            byte[] stored = r == null ? NO_HASH : HexFormat.of().parseHex(r.sha256());
            if (MessageDigest.isEqual(hash, stored) && r != null && r.active()) {
                return Optional.of(new Caller(r.id(), r.namespace()));
            }
        }
        byte[] env = envAdminHash;
        if (env != null && MessageDigest.isEqual(hash, env)) {
            return Optional.of(new Caller("env", ""));
        }
        return Optional.empty();
    }

    List<Namespace> namespaces() {
        return List.copyOf(state.namespaces().values());
    }

    Optional<Namespace> namespace(String name) {
        return Optional.ofNullable(state.namespaces().get(name));
    }

    /** Keys of a namespace ({@code ""}: admin keys), revoked ones included, oldest first. */
    List<KeyRecord> keys(String namespace) {
        return state.keys().values().stream().filter(k -> k.namespace().equals(namespace)).toList();
    }

    /** Creates a namespace; false if it exists. */
    synchronized boolean createNamespace(String name) {
        State s = state;
        if (s.namespaces().containsKey(name)) {
            return false;
        }
        Map<String, Namespace> ns = new TreeMap<>(s.namespaces());
        ns.put(name, new Namespace(name, clock.instant()));
        save(new State(ns, s.keys()));
        return true;
    }

    /** Deletes a namespace and its keys; false if it does not exist. */
    synchronized boolean deleteNamespace(String name) {
        State s = state;
        if (!s.namespaces().containsKey(name)) {
            return false;
        }
        Map<String, Namespace> ns = new TreeMap<>(s.namespaces());
        ns.remove(name);
        Map<String, KeyRecord> keys = new LinkedHashMap<>(s.keys());
        keys.values().removeIf(k -> k.namespace().equals(name));
        save(new State(ns, keys));
        return true;
    }

    /** Makes a key for {@code namespace} ({@code ""}: an admin key), which must exist. */
    synchronized NewKey createKey(String namespace) {
        State s = state;
        if (!namespace.isEmpty() && !s.namespaces().containsKey(namespace)) {
            throw new IllegalArgumentException("No namespace '" + namespace + "'");
        }
        String id;
        do {
            byte[] idBytes = new byte[ID_HEX / 2];
            RANDOM.nextBytes(idBytes);
            id = HexFormat.of().formatHex(idBytes);
        } while (s.keys().containsKey(id));
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        String key = KEY_PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Map<String, KeyRecord> keys = new LinkedHashMap<>(s.keys());
        keys.put(id, new KeyRecord(id, namespace, HexFormat.of().formatHex(sha256(key)), clock.instant(), null));
        save(new State(s.namespaces(), keys));
        return new NewKey(id, key, namespace);
    }

    /**
     * Revokes a key of {@code namespace}; false if it has no such key (or it is revoked already).
     *
     * @throws ApiException 409 for the last working admin key: revoking it would lock every admin out
     */
    synchronized boolean revoke(String namespace, String id) {
        State s = state;
        KeyRecord r = s.keys().get(id);
        if (r == null || !r.namespace().equals(namespace) || !r.active()) {
            return false;
        }
        if (r.admin() && envAdminHash == null
                && s.keys().values().stream().noneMatch(k -> k.admin() && k.active() && !k.id().equals(id))) {
            throw new ApiException(409, "Conflict", "Admin key '" + id + "' is the last working admin key; make"
                    + " another (POST /v1/admin-keys) before revoking it");
        }
        Map<String, KeyRecord> keys = new LinkedHashMap<>(s.keys());
        keys.put(id, new KeyRecord(r.id(), r.namespace(), r.sha256(), r.createdAt(), clock.instant()));
        save(new State(s.namespaces(), keys));
        return true;
    }

    /** Called with the new state (tenants.json text) after every local change: a cluster node publishes it. */
    void onChange(java.util.function.Consumer<String> listener) {
        this.onChange = listener;
    }

    /** The current state as tenants.json text. */
    String toJson() {
        return new String(Json.bytes(toJson(state)), StandardCharsets.UTF_8);
    }

    /**
     * Replaces the state by one another cluster node wrote (tenants.json text), keeping it on disk too; the
     * change listener is not called. Namespace {@code default} is kept even if the text lacks it.
     */
    synchronized void adopt(String json) {
        State s;
        try {
            s = parse(Json.MAPPER.readTree(json), "the cluster store");
        } catch (IOException e) {
            throw new UncheckedIOException("Malformed namespaces and keys in the cluster store", e);
        }
        if (!s.namespaces().containsKey(DEFAULT_NAMESPACE)) {
            Map<String, Namespace> ns = new TreeMap<>(s.namespaces());
            ns.put(DEFAULT_NAMESPACE, new Namespace(DEFAULT_NAMESPACE, clock.instant()));
            s = new State(ns, s.keys());
        }
        write(s);
    }

    private void save(State next) {
        write(next);
        onChange.accept(toJson());
    }

    private static ObjectNode toJson(State next) {
        ObjectNode root = Json.object().put("format", 1);
        ArrayNode ns = root.putArray("namespaces");
        next.namespaces().values().forEach(n -> ns.addObject().put("name", n.name())
                .put("createdAt", n.createdAt().toString()));
        ArrayNode keys = root.putArray("keys");
        next.keys().values().forEach(k -> {
            ObjectNode o = keys.addObject().put("id", k.id()).put("namespace", k.namespace())
                    .put("sha256", k.sha256()).put("createdAt", k.createdAt().toString());
            if (k.revokedAt() != null) {
                o.put("revokedAt", k.revokedAt().toString());
            }
        });
        return root;
    }

    private void write(State next) {
        ObjectNode root = toJson(next);
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            ownerOnly(Files.createFile(tmp));
            Files2.replaceAtomically(file, Json.bytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the namespaces and keys to " + file, e);
        }
        state = next;
    }

    /** Makes a new file readable by its owner only, where the file system has POSIX permissions. */
    static void ownerOnly(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's protection is all there is
        }
    }

    private static State read(Path file) throws IOException {
        return parse(Json.MAPPER.readTree(file.toFile()), file.toString());
    }

    private static State parse(JsonNode root, String file) throws IOException {
        Map<String, Namespace> ns = new TreeMap<>();
        for (JsonNode n : root.path("namespaces")) {
            ns.put(n.path("name").asText(), new Namespace(n.path("name").asText(),
                    Instant.parse(n.path("createdAt").asText())));
        }
        Map<String, KeyRecord> keys = new LinkedHashMap<>();
        for (JsonNode k : root.path("keys")) {
            JsonNode revoked = k.get("revokedAt");
            keys.put(k.path("id").asText(), new KeyRecord(k.path("id").asText(), k.path("namespace").asText(),
                    k.path("sha256").asText(), Instant.parse(k.path("createdAt").asText()),
                    revoked == null ? null : Instant.parse(revoked.asText())));
        }
        List<String> bad = new ArrayList<>();
        keys.values().stream().filter(k -> k.sha256().length() != 64).forEach(k -> bad.add(k.id()));
        if (!bad.isEmpty()) {
            throw new IOException("Keys with a malformed hash in " + file + ": " + bad);
        }
        return new State(ns, keys);
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
