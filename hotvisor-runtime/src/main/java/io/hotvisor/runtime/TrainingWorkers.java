package io.hotvisor.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The AOT training workers of one Java runtime that have not exited yet, by the cache file each writes. A training
 * worker asked to exit spends seconds assembling its cache (JDK 25 forks a JVM for it): when the node stops it
 * would outlive the node and leave a half-written {@code <key>.aot.tmp-<n>} (and its {@code .config}) that nothing
 * moves or removes. So {@link #killAll()} kills each one's process tree and deletes its files;
 * {@link #removeLeftovers} deletes those a killed node left.
 */
final class TrainingWorkers {
    private static final System.Logger LOG = System.getLogger(TrainingWorkers.class.getName());
    /** How a training worker's cache file is named: the cache's name, then this, then a number. */
    static final String TMP_INFIX = ".tmp-";

    private final Map<Path, ProcessSandbox> running = new ConcurrentHashMap<>();

    void started(Path output, ProcessSandbox worker) {
        running.put(output, worker);
    }

    /** The worker that writes {@code output} exited. */
    void exited(Path output) {
        running.remove(output);
    }

    /** Kills every training worker still running, with what it started, and deletes its half-written cache. */
    void killAll() {
        for (Map.Entry<Path, ProcessSandbox> e : Map.copyOf(running).entrySet()) {
            ProcessHandle worker = ProcessHandle.of(e.getValue().pid()).orElse(null);
            if (worker != null) {
                Stream.concat(Stream.of(worker), worker.descendants()).forEach(ProcessHandle::destroyForcibly);
                try {
                    worker.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    LOG.log(Level.DEBUG, "AOT training worker " + worker.pid() + " did not exit at once", ex);
                }
            }
            try {
                deleteUnfinished(e.getKey());
            } catch (IOException ex) {
                LOG.log(Level.WARNING, "Could not delete the unfinished AOT cache " + e.getKey() + ": "
                        + ex.getMessage());
            }
            running.remove(e.getKey());
        }
    }

    /**
     * Deletes an unfinished cache: the file, and the training run's configuration the JDK writes beside it
     * ({@code <output>.config}, which the assembly that was killed would have removed).
     */
    static void deleteUnfinished(Path output) throws IOException {
        Files.deleteIfExists(output);
        Files.deleteIfExists(output.resolveSibling(output.getFileName() + ".config"));
    }

    /** Deletes the unfinished caches (and their configurations) a killed node left in its AOT cache directory. */
    static void removeLeftovers(RuntimeOptions options) {
        Path dir = options.aotCacheDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().contains(".aot" + TMP_INFIX)).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.log(Level.WARNING, "Could not remove unfinished AOT caches in " + dir + ": " + e.getMessage());
        }
    }
}
