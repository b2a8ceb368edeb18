package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The CLI's config file, {@code {"url": ..., "key": ...}}, where a node that generated an admin key leaves it for
 * {@code bin/hotvisor} (hotvisor-cli reads the same file, found the same way).
 */
final class CliConfigFile {

    /** What {@link #save} did. */
    enum Outcome { WRITTEN, KEPT_OTHER_KEY }

    private CliConfigFile() {
    }

    /** {@code $HOTVISOR_CONFIG}, else {@code $XDG_CONFIG_HOME/hotvisor/config.json}, else {@code ~/.config/...}. */
    static Path defaultPath(Map<String, String> env) {
        String explicit = env.get("HOTVISOR_CONFIG");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("hotvisor").resolve("config.json");
    }

    /**
     * Writes {@code url} and {@code key} to the file, readable by its owner only, keeping its other fields. A file
     * that holds a different key is left alone (it may be another node's): never overwritten silently.
     */
    static Outcome save(Path file, String url, String key) {
        try {
            ObjectNode config = Json.object();
            if (Files.exists(file)) {
                JsonNode old = Json.MAPPER.readTree(file.toFile());
                if (old != null && old.isObject()) {
                    config = (ObjectNode) old;
                }
                String oldKey = config.path("key").asText("");
                if (!oldKey.isEmpty() && !oldKey.equals(key)) {
                    return Outcome.KEPT_OTHER_KEY;
                }
            }
            config.put("url", url).put("key", key);
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                setPermissions(dir, "rwx------");
            }
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp);
            setPermissions(tmp, "rw-------");
            Files2.writeDurably(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Outcome.WRITTEN;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the CLI config " + file + ": " + e.getMessage(), e);
        }
    }

    private static void setPermissions(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
