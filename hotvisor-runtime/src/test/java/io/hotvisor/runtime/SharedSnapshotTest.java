package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CRIU image packed for the fleet: deflated, unpacked as it was; a blob that names a path outside, or claims more
 * than the bound, is refused.
 */
class SharedSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void unpacks_the_files_and_pipes_it_packed() throws Exception {
        Path image = Files.createDirectories(dir.resolve("image"));
        Files.write(image.resolve("pages-1.img"), new byte[] {1, 2, 3});
        Files.writeString(image.resolve("core-1.img"), "core");
        byte[] blob = new SharedSnapshot("pipe:[11]", "pipe:[12]").pack(image);

        SharedSnapshot back = SharedSnapshot.unpack(blob, dir.resolve("copy"));

        assertThat(back).isEqualTo(new SharedSnapshot("pipe:[11]", "pipe:[12]"));
        assertThat(dir.resolve("copy/pages-1.img")).hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(dir.resolve("copy/core-1.img")).hasContent("core");
    }

    @Test
    void deflates_an_image_whose_pages_are_mostly_zeroes_and_reads_the_older_plain_blobs() throws Exception {
        Path image = Files.createDirectories(dir.resolve("image"));
        byte[] pages = new byte[8 * 1024 * 1024];
        for (int i = 0; i < pages.length; i += 4096) {
            pages[i] = (byte) i;
        }
        Files.write(image.resolve("pages-1.img"), pages);

        byte[] blob = new SharedSnapshot("pipe:[11]", "pipe:[12]").pack(image);

        assertThat(blob.length).as("packed bytes").isLessThan(pages.length / 20);
        SharedSnapshot.unpack(blob, dir.resolve("copy"));
        assertThat(dir.resolve("copy/pages-1.img")).hasBinaryContent(pages);

        byte[] plain = plainBlob("core-1.img", 4, "core".getBytes());
        assertThat(SharedSnapshot.unpack(plain, dir.resolve("old")))
                .isEqualTo(new SharedSnapshot("pipe:[1]", "pipe:[2]"));
        assertThat(dir.resolve("old/core-1.img")).hasContent("core");
    }

    @Test
    void refuses_a_blob_that_claims_more_than_the_bound_without_allocating_it() throws IOException {
        byte[] huge = plainBlob("pages-1.img", Integer.MAX_VALUE, new byte[0]);
        assertThatThrownBy(() -> SharedSnapshot.unpack(huge, dir.resolve("copy")))
                .isInstanceOf(IOException.class)
                .hasMessage("a packed CRIU image holds more than 1024 MB (file 'pages-1.img' of 2147483647 bytes)");

        byte[] negative = plainBlob("core-1.img", -1, new byte[0]);
        assertThatThrownBy(() -> SharedSnapshot.unpack(negative, dir.resolve("other")))
                .isInstanceOf(IOException.class).hasMessage("a packed CRIU image gives file 'core-1.img' a negative length");
    }

    @Test
    void refuses_a_blob_that_names_a_file_outside_its_directory() throws IOException {
        byte[] outside = plainBlob("../evil", 1, new byte[] {0});
        assertThatThrownBy(() -> SharedSnapshot.unpack(outside, dir.resolve("copy")))
                .isInstanceOf(IOException.class).hasMessage("a packed CRIU image names a file '../evil'");
        assertThat(dir.resolve("evil")).doesNotExist();
        assertThatThrownBy(() -> SharedSnapshot.unpack("HVAOT1".getBytes(), dir.resolve("other")))
                .isInstanceOf(IOException.class);
    }

    /**
     * A blob in the older, undeflated format (HVCRIU1) holding one file: its name, the length the blob claims for it
     * (which may lie) and the bytes that follow.
     */
    private static byte[] plainBlob(String name, int claimedLength, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF("HVCRIU1");
            out.writeUTF("pipe:[1]");
            out.writeUTF("pipe:[2]");
            out.writeInt(1);
            out.writeUTF(name);
            out.writeInt(claimedLength);
            out.write(content);
        }
        return bytes.toByteArray();
    }
}
