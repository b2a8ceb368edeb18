package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/** File helpers of the store: atomic replace, durable writes, recursive delete. */
final class Files2 {
    private Files2() {
    }

    static String readString(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to {@code file} and forces them to disk. */
    static void writeDurably(Path file, byte[] bytes) throws IOException {
        write(file, bytes, true);
    }

    /** Writes {@code bytes} to {@code file}, forced to disk if {@code durable}. */
    static void write(Path file, byte[] bytes, boolean durable) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            if (durable) {
                ch.force(true);
            }
        }
    }

    /**
     * Replaces {@code target} with {@code bytes} atomically: a reader (or a restart after a crash) sees the old
     * content or the new one, never a mix.
     */
    static void replaceAtomically(Path target, byte[] bytes) throws IOException {
        replaceAtomically(target, bytes, true);
    }

    /**
     * As above; without {@code durable} nothing is forced to disk: readers still see old or new, but after a crash
     * the file may hold either, or be empty.
     */
    static void replaceAtomically(Path target, byte[] bytes, boolean durable) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        write(tmp, bytes, durable);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (durable) {
            forceDirectory(target.getParent());
        }
    }

    /** Makes a rename inside {@code dir} durable. */
    static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened for sync; the rename itself is still atomic.
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
