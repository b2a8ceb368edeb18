package io.hotvisor.node;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Unpacks zip bundles into the store, refusing what would escape the bundle's directory (zip-slip), and bounding
 * the number of entries and the unpacked size (zip bombs).
 */
final class Bundles {
    /** Most entries a bundle may have. */
    static final int MAX_ENTRIES = 20_000;
    /** Most bytes a bundle may unpack to. */
    static final long MAX_UNPACKED_BYTES = 512L * 1024 * 1024;

    private Bundles() {
    }

    /** True if {@code bytes} start like a zip (or jar) file. */
    static boolean looksLikeZip(byte[] bytes) {
        return bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
    }

    /**
     * Unpacks {@code zip} into {@code target} (which must exist and be empty).
     *
     * @throws ApiException 400 naming the entry at fault
     */
    static void unzip(byte[] zip, Path target) throws IOException {
        if (!looksLikeZip(zip)) {
            throw ApiException.badRequest("Field 'archive' is not a zip file (it does not start with a zip header)");
        }
        Path root = target.toAbsolutePath().normalize();
        int entries = 0;
        long total = 0;
        byte[] buf = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (++entries > MAX_ENTRIES) {
                    throw ApiException.badRequest("Field 'archive' has more than " + MAX_ENTRIES + " entries");
                }
                String name = e.getName().replace('\\', '/');
                Path dest = root.resolve(name).normalize();
                if (name.startsWith("/") || !dest.startsWith(root) || dest.equals(root) && !e.isDirectory()) {
                    throw ApiException.badRequest("Field 'archive' has entry '" + DeployRequest.printable(e.getName())
                            + "' whose path leaves the bundle");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(dest);
                    continue;
                }
                Files.createDirectories(dest.getParent());
                try (OutputStream out = Files.newOutputStream(dest)) {
                    total = copyBounded(in, out, buf, total, e.getName());
                }
            }
        } catch (ZipException ex) {
            throw ApiException.badRequest("Field 'archive' is not a valid zip file: " + ex.getMessage());
        }
        if (entries == 0) {
            throw ApiException.badRequest("Field 'archive' is an empty zip file");
        }
    }

    private static long copyBounded(InputStream in, OutputStream out, byte[] buf, long total, String entry)
            throws IOException {
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > MAX_UNPACKED_BYTES) {
                throw ApiException.badRequest("Field 'archive' unpacks to more than " + (MAX_UNPACKED_BYTES >> 20)
                        + " MB (at entry '" + DeployRequest.printable(entry) + "')");
            }
            out.write(buf, 0, n);
        }
        return total;
    }
}
