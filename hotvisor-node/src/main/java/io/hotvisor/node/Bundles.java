package io.hotvisor.node;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Unpacks zip bundles into the store, refusing what would escape the bundle's directory (zip-slip), names that
 * cannot be files (control characters, over-long names), entries that conflict, and bounding the number of entries
 * and the unpacked size (zip bombs).
 */
final class Bundles {
    /** Most entries a bundle may have. */
    static final int MAX_ENTRIES = 20_000;
    /** Most bytes a bundle may unpack to. */
    static final long MAX_UNPACKED_BYTES = 512L * 1024 * 1024;
    /** Longest file or directory name in a bundle, in UTF-8 bytes (Linux's NAME_MAX). */
    static final int MAX_NAME_BYTES = 255;
    /** Longest entry path in a bundle. */
    static final int MAX_PATH_CHARS = 1024;

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
                checkEntryName(e.getName(), name);
                Path dest = root.resolve(name).normalize();
                if (name.startsWith("/") || !dest.startsWith(root) || dest.equals(root) && !e.isDirectory()) {
                    throw ApiException.badRequest("Field 'archive' has entry '" + DeployRequest.printable(e.getName())
                            + "' whose path leaves the bundle");
                }
                try {
                    if (e.isDirectory()) {
                        Files.createDirectories(dest);
                        continue;
                    }
                    Files.createDirectories(dest.getParent());
                    try (OutputStream out = Files.newOutputStream(dest)) {
                        total = copyBounded(in, out, buf, total, e.getName());
                    }
                } catch (FileAlreadyExistsException | NotDirectoryException | DirectoryNotEmptyException conflict) {
                    // "a" as a file and "a/b" (or "a/") as well, or the other way round.
                    throw ApiException.badRequest("Field 'archive' has entry '" + DeployRequest.printable(e.getName())
                            + "' that conflicts with an earlier entry (a file and a directory of the same name)");
                }
            }
        } catch (ZipException ex) {
            throw ApiException.badRequest("Field 'archive' is not a valid zip file: " + ex.getMessage());
        } catch (EOFException ex) {
            // Only the zip reader can hit the end of input: the zip is in memory, the files written are not read.
            throw ApiException.badRequest("Field 'archive' is not a valid zip file: it ends in the middle of an entry");
        }
        if (entries == 0) {
            throw ApiException.badRequest("Field 'archive' is an empty zip file");
        }
    }

    /**
     * Refuses entry names that cannot be a portable file path: control characters (NUL included),
     * a component longer than {@value #MAX_NAME_BYTES} bytes, or a path longer
     * than {@value #MAX_PATH_CHARS} characters.
     */
    private static void checkEntryName(String raw, String name) {
        String why = null;
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            why = "contains a control character";
        } else if (name.length() > MAX_PATH_CHARS) {
            why = "is longer than " + MAX_PATH_CHARS + " characters";
        } else {
            for (String part : name.split("/")) {
                if (part.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                    why = "has a path component longer than " + MAX_NAME_BYTES + " bytes";
                    break;
                }
            }
        }
        if (why != null) {
            throw ApiException.badRequest("Field 'archive' has entry '" + DeployRequest.printable(raw) + "' whose name "
                    + why);
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
