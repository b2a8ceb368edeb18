package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.Isolation;
import io.hotvisor.runtime.SandboxPolicy;

/**
 * The node's embedded store: functions and their code under a data directory.
 *
 * <p>Layout: {@code functions/<name>/v<N>/} holds version N ({@code function.json} and {@code code/}), and
 * {@code functions/<name>/current} names the live version. A deploy writes {@code v<N>} under a temporary name,
 * renames it into place, loads it, and only then replaces {@code current} atomically. A crash at any point
 * leaves {@code current} naming a complete version: the old one or the new one. {@link #open} removes the
 * leftovers of interrupted deploys and deletes.
 *
 * <p>A cluster node writes the versions it copies from Redis without forcing them to disk ({@code durable}
 * false): Redis (its AOF) holds them, and a copy the system had not written when it crashed fails to read or load
 * at the next start and is copied again from Redis by the first catalog sync. What is deployed through a node is
 * always written durably.
 *
 * <p>Beside the versions, a function's directory may hold what warms it at the next start (issue 6): {@code
 * warmth.json}, the steady-state latency this node last measured for a version, and {@code samples.json}, a bounded
 * sample of recent real events, written only for a function that allows sampling. Both go with the function on
 * delete; the sample goes as soon as a version without sampling is deployed. They are written without forcing to
 * disk: losing them in a crash costs a slower warm-up, nothing else.
 */
final class FunctionStore {
    private static final System.Logger LOG = System.getLogger(FunctionStore.class.getName());
    private static final String CURRENT = "current";
    private static final String META = "function.json";
    private static final String SAMPLES = "samples.json";
    private static final String WARMTH = "warmth.json";

    private final Path functions;
    private final Path trash;

    private FunctionStore(Path functions, Path trash) {
        this.functions = functions;
        this.trash = trash;
    }

    /** Opens (creating if needed) the store under {@code dataDir}, cleaning up interrupted deploys. */
    static FunctionStore open(Path dataDir) {
        try {
            Path functions = Files.createDirectories(dataDir.resolve("functions"));
            Path trash = Files.createDirectories(dataDir.resolve("trash"));
            FunctionStore store = new FunctionStore(functions, trash);
            Files2.deleteRecursively(trash);
            Files.createDirectories(trash);
            store.cleanUp();
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the function store in " + dataDir, e);
        }
    }

    private void cleanUp() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(functions)) {
            for (Path dir : dirs) {
                Optional<Long> current = currentVersion(dir);
                if (current.isEmpty()) {
                    LOG.log(Level.INFO, "Removing " + dir + ": a deploy that never completed");
                    Files2.deleteRecursively(dir);
                    continue;
                }
                pruneExcept(dir, current.get());
            }
        }
    }

    private void pruneExcept(Path dir, long keep) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (!n.equals(CURRENT) && !n.equals("v" + keep) && !n.equals(SAMPLES) && !n.equals(WARMTH)) {
                    Files2.deleteRecursively(p);
                }
            }
        }
    }

    private static Optional<Long> currentVersion(Path dir) {
        Path current = dir.resolve(CURRENT);
        if (!Files.isRegularFile(current)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(Files.readString(current).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Every function's live version. Versions that cannot be read are logged and skipped. */
    List<StoredFunction> list() {
        List<StoredFunction> all = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(functions)) {
            for (Path dir : dirs) {
                currentVersion(dir).ifPresent(v -> {
                    try {
                        all.add(read(dir.resolve("v" + v)));
                    } catch (RuntimeException | IOException e) {
                        LOG.log(Level.ERROR, "Cannot read function in " + dir + ": " + e.getMessage(), e);
                    }
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** The live version of a function. */
    Optional<StoredFunction> get(String name) {
        Path dir = functions.resolve(name);
        return currentVersion(dir).map(v -> {
            try {
                return read(dir.resolve("v" + v));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Writes a new version of a function beside the live one, forced to disk (see below). */
    StoredFunction stage(DeployRequest request, Instant now) {
        return stage(request, now, true);
    }

    /**
     * Writes a new version of a function beside the live one, without making it live.
     *
     * @param durable whether to force it to disk (see the class notes)
     * @throws ApiException 400 if the archive cannot be unpacked
     */
    StoredFunction stage(DeployRequest request, Instant now, boolean durable) {
        FunctionConfig config = request.config();
        Path dir = functions.resolve(config.name());
        Optional<StoredFunction> previous;
        try {
            previous = get(config.name());
        } catch (UncheckedIOException e) {
            // The live version's description is unreadable (a copy not forced to disk before a crash): replace it.
            LOG.log(Level.WARNING, "Replacing function '" + config.name() + "', whose stored version cannot be read: "
                    + e.getMessage());
            previous = Optional.empty();
        }
        long version = Math.max(previous.map(p -> p.version() + 1).orElse(1L),
                currentVersion(dir).map(v -> v + 1).orElse(1L));
        Path tmp = dir.resolve("v" + version + ".staging");
        Path target = dir.resolve("v" + version);
        try {
            Files.createDirectories(dir);
            Files2.deleteRecursively(tmp);
            Files2.deleteRecursively(target);
            Path code = Files.createDirectories(tmp.resolve("code"));
            StoredFunction.CodeKind kind;
            byte[] deployed;
            if (request.hasSource()) {
                kind = StoredFunction.CodeKind.SOURCE;
                deployed = request.source().getBytes(StandardCharsets.UTF_8);
                Files2.write(code.resolve(StoredFunction.SOURCE_FILE), deployed, durable);
            } else if (config.language() == Language.JAVA) {
                kind = StoredFunction.CodeKind.JAR;
                deployed = request.archive();
                if (!Bundles.looksLikeZip(deployed)) {
                    throw ApiException.badRequest("Field 'archive' is not a jar (it does not start with a zip header)");
                }
                Files2.write(code.resolve(StoredFunction.JAR_FILE), deployed, durable);
            } else {
                kind = StoredFunction.CodeKind.BUNDLE;
                deployed = request.archive();
                Bundles.unzip(deployed, code);
            }
            Instant created = previous.map(StoredFunction::createdAt).orElse(now);
            StoredFunction staged = new StoredFunction(config, version, kind, target.resolve("code"), sha256(deployed),
                    deployed.length, created, now);
            Files2.write(tmp.resolve(META), Json.bytes(toJson(staged)), durable);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            if (durable) {
                Files2.forceDirectory(dir);
            }
            return staged;
        } catch (IOException e) {
            Files2.deleteRecursively(tmp);
            throw new UncheckedIOException("Cannot write function '" + config.name() + "' to the store", e);
        } catch (RuntimeException e) {
            Files2.deleteRecursively(tmp);
            throw e;
        }
    }

    /** Makes a staged version live, atomically and durably. */
    void commit(StoredFunction staged) {
        commit(staged, true);
    }

    /** Makes a staged version live, atomically, forced to disk if {@code durable}. */
    void commit(StoredFunction staged, boolean durable) {
        Path dir = functions.resolve(staged.name());
        try {
            Files2.replaceAtomically(dir.resolve(CURRENT),
                    Long.toString(staged.version()).getBytes(StandardCharsets.UTF_8), durable);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make version " + staged.version() + " of '" + staged.name()
                    + "' live", e);
        }
    }

    /**
     * Deletes one replaced version once nothing runs it any more. Only that deployment: if the function was deleted
     * and deployed again meanwhile, a new version of the same number is left alone.
     */
    void removeVersion(StoredFunction replaced) {
        Path versionDir = replaced.codeDir().getParent();
        try {
            if (Files.isDirectory(versionDir) && read(versionDir).updatedAt().equals(replaced.updatedAt())
                    && currentVersion(versionDir.getParent()).orElse(-1L) != replaced.version()) {
                Files2.deleteRecursively(versionDir);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "Cannot remove version " + replaced.version() + " of '" + replaced.name() + "'", e);
        }
    }

    /** Removes a staged version that failed to load. */
    void discard(StoredFunction staged) {
        Files2.deleteRecursively(functions.resolve(staged.name()).resolve("v" + staged.version()));
        Path dir = functions.resolve(staged.name());
        if (currentVersion(dir).isEmpty()) {
            Files2.deleteRecursively(dir);
        }
    }

    /** Deletes a function: atomically gone from the store, its files removed after. */
    boolean delete(String name) {
        Path dir = functions.resolve(name);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        Path gone = trash.resolve(name + "-" + System.nanoTime());
        try {
            Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
            Files2.forceDirectory(functions);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete function '" + name + "'", e);
        }
        Files2.deleteRecursively(gone);
        return true;
    }

    /** The sample of recent events kept for {@code name} (JSON texts, oldest first); empty if none. */
    List<String> samples(String name) {
        Path file = functions.resolve(name).resolve(SAMPLES);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<String> events = new ArrayList<>();
            Json.MAPPER.readTree(file.toFile()).forEach(e -> events.add(e.toString()));
            return events;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "Ignoring the unreadable event sample " + file + ": " + e.getMessage());
            return List.of();
        }
    }

    /** Replaces the sample of recent events kept for {@code name}; ignored if the function is gone. */
    void samples(String name, List<String> events) {
        Path dir = functions.resolve(name);
        if (currentVersion(dir).isEmpty()) {
            return;
        }
        ArrayNode a = Json.MAPPER.createArrayNode();
        events.forEach(e -> a.add(Json.parse(e.getBytes(StandardCharsets.UTF_8), "a sampled event")));
        try {
            Files2.replaceAtomically(dir.resolve(SAMPLES), Json.bytes(a), false);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot store the event sample of '" + name + "': " + e.getMessage());
        }
    }

    /** Removes the sample of recent events of {@code name}, if any. */
    void dropSamples(String name) {
        try {
            Files.deleteIfExists(functions.resolve(name).resolve(SAMPLES));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the event sample of '" + name + "'", e);
        }
    }

    /** The steady state this node last measured for {@code version} of {@code name}, in ns; 0 if none. */
    long steadyState(String name, long version) {
        Path file = functions.resolve(name).resolve(WARMTH);
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try {
            JsonNode w = Json.MAPPER.readTree(file.toFile());
            return w.path("version").asLong() == version ? Math.max(0, w.path("steadyStateNanos").asLong()) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Remembers the steady state measured for {@code version} of {@code name}; ignored if the function is gone. */
    void steadyState(String name, long version, long nanos) {
        Path dir = functions.resolve(name);
        if (currentVersion(dir).isEmpty()) {
            return;
        }
        try {
            Files2.replaceAtomically(dir.resolve(WARMTH), Json.bytes(Json.object().put("version", version)
                    .put("steadyStateNanos", nanos)), false);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot store the steady state of '" + name + "': " + e.getMessage());
        }
    }

    private static StoredFunction read(Path versionDir) throws IOException {
        JsonNode m = Json.MAPPER.readTree(versionDir.resolve(META).toFile());
        Language language = Language.parse(m.path("language").asText())
                .orElseThrow(() -> new IOException("Unknown language in " + versionDir));
        Map<String, String> env = new TreeMap<>();
        m.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        FunctionConfig config = FunctionConfig.builder(m.path("name").asText(), language, m.path("handler").asText())
                .timeout(Duration.ofMillis(m.path("timeoutMs").asLong()))
                .memoryMb(m.path("memoryMb").asInt())
                .concurrency(m.path("concurrency").asInt())
                .env(env)
                .sandbox(SandboxPolicy.parse(m.path("sandbox").asText()).orElse(SandboxPolicy.REUSE))
                .isolation(Isolation.parse(m.path("isolation").asText()).orElse(Isolation.NODE))
                .warmupInputs(warmupInputs(m.path("warmupInputs")))
                .warmupSampling(m.path("warmupSampling").asBoolean(false))
                .snapshots(m.path("snapshots").asBoolean(true))
                .build();
        JsonNode code = m.path("code");
        return new StoredFunction(config, m.path("version").asLong(),
                StoredFunction.CodeKind.valueOf(code.path("kind").asText()), versionDir.resolve("code"),
                code.path("sha256").asText(), code.path("bytes").asLong(),
                Instant.parse(m.path("createdAt").asText()), Instant.parse(m.path("updatedAt").asText()));
    }

    private static List<String> warmupInputs(JsonNode stored) {
        List<String> inputs = new ArrayList<>();
        stored.forEach(i -> inputs.add(i.toString()));
        return inputs;
    }

    /** The function's description, as stored in {@code function.json} and shown by {@code GET /v1/functions/{name}}. */
    static ObjectNode toJson(StoredFunction f) {
        FunctionConfig c = f.config();
        ObjectNode n = Json.object();
        n.put("name", c.name());
        n.put("language", c.language().id());
        n.put("handler", c.handler());
        n.put("version", f.version());
        n.put("timeoutMs", c.timeout().toMillis());
        n.put("memoryMb", c.memoryMb());
        n.put("concurrency", c.concurrency());
        ObjectNode env = n.putObject("env");
        c.env().forEach(env::put);
        n.put("sandbox", c.sandbox().id());
        n.put("isolation", c.isolation().id());
        if (!c.warmupInputs().isEmpty()) {
            ArrayNode inputs = n.putArray("warmupInputs");
            c.warmupInputs().forEach(json -> inputs.add(Json.parse(
                    json.getBytes(StandardCharsets.UTF_8), "a warm-up input")));
        }
        n.put("warmupSampling", c.warmupSampling());
        n.put("snapshots", c.snapshots());
        n.putObject("code").put("kind", f.codeKind().name()).put("sha256", f.sha256()).put("bytes", f.codeBytes());
        n.put("createdAt", f.createdAt().toString());
        n.put("updatedAt", f.updatedAt().toString());
        return n;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
