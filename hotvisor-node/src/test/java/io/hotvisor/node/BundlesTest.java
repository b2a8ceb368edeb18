package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Unpacking refuses, with a 400 naming the entry, every zip that is not a plain tree of files inside the bundle. */
class BundlesTest {
    @TempDir
    Path dir;

    private static byte[] zip(String... namesAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                zip.putNextEntry(new ZipEntry(namesAndContents[i]));
                zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private Path target() throws IOException {
        return Files.createDirectories(dir.resolve("bundle"));
    }

    @Test
    void unpacks_a_tree_of_files() throws IOException {
        Path target = target();
        Bundles.unzip(zip("index.js", "x", "lib/", "", "lib/a.js", "y"), target);
        assertThat(target.resolve("lib/a.js")).hasContent("y");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "../evil.js          | whose path leaves the bundle",
        "a/../../evil.js     | whose path leaves the bundle",
        "/etc/evil.js        | whose path leaves the bundle",
        "a\u0000b.js         | control character",
        "a\u001bb.js         | control character",
    })
    void refuses_an_entry_whose_name_cannot_be_a_file_in_the_bundle(String name, String message) {
        assertThatThrownBy(() -> Bundles.unzip(zip("index.js", "x", name, "evil"), target()))
                .isInstanceOf(ApiException.class).hasMessageContaining(message);
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("evil.js");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refuses_a_name_longer_than_a_file_system_allows() {
        assertThatThrownBy(() -> Bundles.unzip(zip("x".repeat(256), "x"), target()))
                .isInstanceOf(ApiException.class).hasMessageContaining("longer than 255 bytes");
        assertThatThrownBy(() -> Bundles.unzip(zip("a/".repeat(600) + "x", "x"), target()))
                .isInstanceOf(ApiException.class).hasMessageContaining("longer than 1024 characters");
    }

    @Test
    void refuses_a_file_and_a_directory_of_the_same_name() {
        assertThatThrownBy(() -> Bundles.unzip(zip("lib", "x", "lib/a.js", "y"), target()))
                .isInstanceOf(ApiException.class).hasMessageContaining("'lib/a.js' that conflicts");
    }

    @Test
    void refuses_a_truncated_zip_as_a_bad_request() throws IOException {
        byte[] whole = zip("index.js", "x".repeat(10_000));
        assertThatThrownBy(() -> Bundles.unzip(Arrays.copyOf(whole, 80), target()))
                .isInstanceOf(ApiException.class).hasMessageContaining("not a valid zip file");
    }
}
