package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The node's namespaces: each has its own {@link FunctionStore} under {@code <data-dir>/namespaces/<ns>/} and its
 * own {@link FunctionRegistry}, so the same function name in two namespaces is two functions, and nothing a
 * registry answers (a 404's list of names, a describe) can mention another namespace.
 *
 * <p>A data directory from before namespaces ({@code <data-dir>/functions/...}) is moved, in one rename, into
 * namespace {@code default} on start.
 */
final class Namespaces {
    private static final System.Logger LOG = System.getLogger(Namespaces.class.getName());

    private final Path root;
    private final TenantStore tenants;
    private final BiFunction<String, FunctionStore, FunctionRegistry> registries;
    private final Map<String, FunctionRegistry> live = new ConcurrentHashMap<>();

    private Namespaces(Path root, TenantStore tenants, BiFunction<String, FunctionStore, FunctionRegistry> registries) {
        this.root = root;
        this.tenants = tenants;
        this.registries = registries;
    }

    /**
     * Opens every namespace of {@code tenants} and restores its functions.
     *
     * @param registries makes a namespace's registry from its name and store
     */
    static Namespaces open(Path dataDir, TenantStore tenants,
                           BiFunction<String, FunctionStore, FunctionRegistry> registries) {
        Path root = dataDir.resolve("namespaces");
        migrate(dataDir, root);
        Namespaces n = new Namespaces(root, tenants, registries);
        for (TenantStore.Namespace ns : tenants.namespaces()) {
            n.live.put(ns.name(), n.openRegistry(ns.name()));
        }
        n.warnAboutUnknownDirectories();
        return n;
    }

    /** Opens a namespace's registry at start; the node replays its functions' warm-ups once it listens. */
    private FunctionRegistry openRegistry(String ns) {
        FunctionRegistry r = registries.apply(ns, FunctionStore.open(root.resolve(ns)));
        r.restore();
        return r;
    }

    /** Opens a namespace's registry while the node runs, replaying its functions' warm-ups (if any) now. */
    private FunctionRegistry openRegistryNow(String ns) {
        FunctionRegistry r = openRegistry(ns);
        r.warmUpRestoredNow();
        return r;
    }

    /** Moves a pre-namespace store ({@code functions/}, {@code trash/}) into namespace {@code default}. */
    static void migrate(Path dataDir, Path root) {
        Path legacy = dataDir.resolve("functions");
        if (!Files.isDirectory(legacy)) {
            return;
        }
        Path target = root.resolve(TenantStore.DEFAULT_NAMESPACE).resolve("functions");
        try {
            if (Files.exists(target)) {
                if (isEmptyDirectory(legacy)) {
                    Files.delete(legacy);
                    return;
                }
                throw new IllegalStateException("Both " + legacy + " (a store from before namespaces) and " + target
                        + " exist; move the functions you want to keep from the first into the second and remove it");
            }
            Files.createDirectories(target.getParent());
            Files.move(legacy, target, StandardCopyOption.ATOMIC_MOVE);
            Files2.forceDirectory(dataDir);
            Files2.deleteRecursively(dataDir.resolve("trash"));
            LOG.log(Level.INFO, "Moved the functions in " + legacy + " into namespace 'default' (" + target + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move " + legacy + " into namespace 'default'", e);
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    private void warnAboutUnknownDirectories() {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (!live.containsKey(d.getFileName().toString())) {
                    LOG.log(Level.WARNING, d + " is not a namespace (not in " + TenantStore.FILE
                            + "): its functions are not served; remove it or recreate the namespace");
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot list " + root, e);
        }
    }

    /** The registry of a namespace. */
    Optional<FunctionRegistry> get(String ns) {
        return Optional.ofNullable(live.get(ns));
    }

    /** Every namespace's registry, by name. */
    Map<String, FunctionRegistry> all() {
        return Map.copyOf(live);
    }

    /** Creates a namespace with its first key; empty if it exists. */
    synchronized Optional<TenantStore.NewKey> create(String ns) {
        if (!tenants.createNamespace(ns)) {
            return Optional.empty();
        }
        live.put(ns, openRegistryNow(ns));
        return Optional.of(tenants.createKey(ns));
    }

    /** What deleting a namespace did. */
    enum Deletion { DELETED, NOT_FOUND, HAS_FUNCTIONS }

    /** Deletes an empty namespace and revokes its keys; refuses while it has functions. */
    synchronized Deletion delete(String ns) {
        FunctionRegistry r = live.get(ns);
        if (r == null) {
            return Deletion.NOT_FOUND;
        }
        if (!r.names().isEmpty() || !r.failed().isEmpty()) {
            return Deletion.HAS_FUNCTIONS;
        }
        tenants.deleteNamespace(ns);
        live.remove(ns);
        r.shutdownNow();
        Files2.deleteRecursively(root.resolve(ns));
        return Deletion.DELETED;
    }

    /**
     * Follows the namespaces another cluster node changed (already adopted by the tenant store): opens the new
     * ones, stops and removes those gone.
     */
    synchronized void follow() {
        java.util.Set<String> wanted = new java.util.HashSet<>();
        tenants.namespaces().forEach(n -> wanted.add(n.name()));
        for (String ns : wanted) {
            live.computeIfAbsent(ns, this::openRegistryNow);
        }
        for (String ns : List.copyOf(live.keySet())) {
            if (!wanted.contains(ns)) {
                FunctionRegistry r = live.remove(ns);
                r.shutdownNow();
                Files2.deleteRecursively(root.resolve(ns));
            }
        }
    }

    /** Names of the functions of {@code ns}, loaded or not. */
    List<String> functionNames(String ns) {
        FunctionRegistry r = live.get(ns);
        if (r == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>(r.names());
        names.addAll(r.failed().keySet());
        return names.stream().sorted().toList();
    }
}
