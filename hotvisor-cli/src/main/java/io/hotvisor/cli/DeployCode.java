package io.hotvisor.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** The code of a deploy: source text (the API's {@code code}) or the bytes of a zip or jar ({@code archive}). */
sealed interface DeployCode {

    /** What is being sent, for progress lines: "index.js, 1.2 KB". */
    String describe();

    /** One source file, sent as text. */
    record Source(String fileName, String text) implements DeployCode {
        @Override
        public String describe() {
            return fileName + ", " + size(text.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    /** A zip bundle or a jar, sent base64-encoded. */
    record Archive(String what, byte[] bytes) implements DeployCode {
        @Override
        public String describe() {
            return what + ", " + size(bytes.length);
        }
    }

    /** The text of {@code file}, which must be UTF-8. */
    static Source source(Path file) {
        requireFile(file);
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            return new Source(file.getFileName().toString(), text);
        } catch (CharacterCodingException e) {
            throw new BadInputException(file + " is not UTF-8 text; send a binary with --zip or --jar");
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
    }

    /** The bytes of a zip or jar file, as they are. */
    static Archive archive(Path file) {
        requireFile(file);
        try {
            return new Archive(file.getFileName().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
    }

    /**
     * {@code dir} zipped as a bundle: every regular file under it (node_modules, site-packages and dot files
     * included) except those {@code skip} matches, at its path relative to {@code dir} with '/' separators.
     * Entries are sorted and carry a fixed time, so the same folder always gives the same bytes (and the node
     * the same code hash). Symbolic links to files are stored as the file they point at; links to directories
     * are not followed, so a link cycle cannot make the zip endless.
     */
    static Archive zip(Path dir, Predicate<Path> skip) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("no such directory: " + dir);
        }
        FileTime fixed = FileTime.fromMillis(315_532_800_000L); // 1980-01-01, the earliest time a zip holds
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] count = {0};
        try (ZipOutputStream zip = new ZipOutputStream(bytes);
             Stream<Path> walk = Files.walk(dir)) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .filter(p -> !skip.test(dir.relativize(p)))
                    .sorted(Comparator.comparing(p -> entryName(dir, p)))
                    .toList();
            for (Path p : files) {
                ZipEntry e = new ZipEntry(entryName(dir, p));
                e.setLastModifiedTime(fixed);
                zip.putNextEntry(e);
                Files.copy(p, zip);
                zip.closeEntry();
                count[0]++;
            }
        } catch (IOException | UncheckedIOException e) {
            throw new BadInputException("cannot zip " + dir + ": " + e.getMessage(), e);
        }
        if (count[0] == 0) {
            throw new BadInputException("directory " + dir + " has no files to deploy");
        }
        return new Archive("bundle of " + count[0] + (count[0] == 1 ? " file" : " files"), bytes.toByteArray());
    }

    private static String entryName(Path dir, Path file) {
        return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static void requireFile(Path file) {
        if (Files.isDirectory(file)) {
            throw new BadInputException(file + " is a directory, not a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("no such file: " + file);
        }
    }

    private static BadInputException cannotRead(Path file, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file" : e.toString();
        return new BadInputException("cannot read " + file + ": " + why, e);
    }

    private static String size(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", n / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", n / (1024.0 * 1024));
    }
}
