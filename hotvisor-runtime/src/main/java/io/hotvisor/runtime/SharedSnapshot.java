package io.hotvisor.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A CRIU image as it travels through an {@link AotCacheShare} (the fleet's Redis): the image directory's files and
 * the two pipes a restore replaces ({@code --inherit-fd}), packed into one blob that {@link SharedAotCache} frames
 * with its SHA-256 and origin.
 *
 * <p>Blob: the magic {@code HVCRIU1}, the stdin and stdout pipe names, the number of files, then per file its name and
 * its bytes (as {@link DataOutputStream} writes them). Names are plain file names: a blob cannot write outside the
 * directory it is unpacked into.
 *
 * @param stdinPipe  the checkpointed worker's stdin ({@code pipe:[inode]})
 * @param stdoutPipe its stdout and stderr
 */
record SharedSnapshot(String stdinPipe, String stdoutPipe) {
    private static final String MAGIC = "HVCRIU1";

    /** Packs {@code image} (a flat directory, as criu writes it). */
    byte[] pack(Path image) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(image)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(MAGIC);
            out.writeUTF(stdinPipe);
            out.writeUTF(stdoutPipe);
            out.writeInt(files.size());
            for (Path f : files) {
                byte[] content = Files.readAllBytes(f);
                out.writeUTF(f.getFileName().toString());
                out.writeInt(content.length);
                out.write(content);
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Unpacks a blob into {@code image} (created; must not exist).
     *
     * @throws IOException naming what is wrong with a blob that is not a packed image
     */
    static SharedSnapshot unpack(byte[] blob, Path image) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob))) {
            if (!MAGIC.equals(in.readUTF())) {
                throw new IOException("not a packed CRIU image (no " + MAGIC + " header)");
            }
            SharedSnapshot s = new SharedSnapshot(in.readUTF(), in.readUTF());
            Files.createDirectories(image);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                    throw new IOException("a packed CRIU image names a file '" + name + "'");
                }
                byte[] content = new byte[in.readInt()];
                in.readFully(content);
                Files.write(image.resolve(name), content);
            }
            return s;
        }
    }
}
