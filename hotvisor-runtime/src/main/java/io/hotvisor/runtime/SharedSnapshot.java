package io.hotvisor.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * A CRIU image as it travels through an {@link AotCacheShare} (the fleet's Redis): the image directory's files and
 * the two pipes a restore replaces ({@code --inherit-fd}), packed into one blob that {@link SharedAotCache} frames
 * with its SHA-256 and origin.
 *
 * <p>Blob: the magic {@code HVCRIU2}, then, deflated (fastest level), the stdin and stdout pipe names, the number of
 * files, and per file its name and its bytes (as {@link DataOutputStream} writes them). A hot worker JVM's image is
 * 100-110 MB (the bench's word count and JSON transform, 2026-11-24), over the 64 MB a cluster shares, and its pages
 * (zeroes, dead objects) compress well. {@code HVCRIU1} blobs (the same, not deflated) are still read. Names are
 * plain file names: a blob cannot write outside the directory it is unpacked into, nor more than
 * {@link #MAX_UNPACKED_BYTES} into it.
 *
 * @param stdinPipe  the checkpointed worker's stdin ({@code pipe:[inode]})
 * @param stdoutPipe its stdout and stderr
 */
record SharedSnapshot(String stdinPipe, String stdoutPipe) {
    private static final String MAGIC = "HVCRIU2";
    private static final String MAGIC_PLAIN = "HVCRIU1";
    /** The most a blob may unpack to: far above a worker JVM's image, far below what would fill a disk. */
    static final long MAX_UNPACKED_BYTES = 1L << 30;

    /** Packs {@code image} (a flat directory, as criu writes it). */
    byte[] pack(Path image) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(image)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new DataOutputStream(bytes).writeUTF(MAGIC);
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes, deflater, 64 * 1024))) {
            out.writeUTF(stdinPipe);
            out.writeUTF(stdoutPipe);
            out.writeInt(files.size());
            for (Path f : files) {
                byte[] content = Files.readAllBytes(f);
                out.writeUTF(f.getFileName().toString());
                out.writeInt(content.length);
                out.write(content);
            }
        } finally {
            deflater.end();
        }
        return bytes.toByteArray();
    }

    /**
     * Unpacks a blob into {@code image} (created; must not exist).
     *
     * @throws IOException naming what is wrong with a blob that is not a packed image
     */
    static SharedSnapshot unpack(byte[] blob, Path image) throws IOException {
        ByteArrayInputStream raw = new ByteArrayInputStream(blob);
        String magic = new DataInputStream(raw).readUTF();
        if (!MAGIC.equals(magic) && !MAGIC_PLAIN.equals(magic)) {
            throw new IOException("not a packed CRIU image (no " + MAGIC + " header)");
        }
        InputStream body = MAGIC.equals(magic) ? new InflaterInputStream(raw) : raw;
        try (DataInputStream in = new DataInputStream(body)) {
            SharedSnapshot s = new SharedSnapshot(in.readUTF(), in.readUTF());
            long unpacked = 0;
            Files.createDirectories(image);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                    throw new IOException("a packed CRIU image names a file '" + name + "'");
                }
                int length = in.readInt();
                if (length < 0) {
                    throw new IOException("a packed CRIU image gives file '" + name + "' a negative length");
                }
                unpacked += length;
                if (unpacked > MAX_UNPACKED_BYTES) {
                    throw new IOException("a packed CRIU image holds more than " + (MAX_UNPACKED_BYTES >> 20)
                            + " MB (file '" + name + "' of " + length + " bytes)");
                }
                byte[] content = new byte[length];
                in.readFully(content);
                Files.write(image.resolve(name), content);
            }
            return s;
        }
    }
}
