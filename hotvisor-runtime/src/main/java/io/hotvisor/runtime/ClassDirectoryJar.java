package io.hotvisor.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * Packs a class directory into a jar named after its content, for the class path of a worker JVM: JDK 25's AOT
 * cache refuses a non-empty directory on the class path ("Cannot have non-empty directory in paths"). A node run
 * from its built jars never needs it; a node run from a build's {@code target/classes} (tests) does.
 */
final class ClassDirectoryJar {
    private ClassDirectoryJar() {
    }

    /** The jar of {@code classes} under {@code jarDir}, made if no jar of the same content is there yet. */
    static Path pack(Path classes, Path jarDir) {
        try {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(classes)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                d.update(classes.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                d.update(Files.readAllBytes(f));
            }
            Path jar = jarDir.resolve("classes-" + HexFormat.of().formatHex(d.digest()).substring(0, 32) + ".jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
            Files.createDirectories(jarDir);
            Path tmp = Files.createTempFile(jarDir, "classes-", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jos = new JarOutputStream(out)) {
                for (Path f : files) {
                    ZipEntry e = new ZipEntry(classes.relativize(f).toString().replace(java.io.File.separatorChar, '/'));
                    e.setTime(0);
                    jos.putNextEntry(e);
                    jos.write(Files.readAllBytes(f));
                    jos.closeEntry();
                }
            }
            Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot pack " + classes + " into a jar for worker JVMs", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
