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

/** A CRIU image packed for the fleet: unpacked as it was, and a blob that names a path outside is refused. */
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
    void refuses_a_blob_that_names_a_file_outside_its_directory() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF("HVCRIU1");
            out.writeUTF("pipe:[1]");
            out.writeUTF("pipe:[2]");
            out.writeInt(1);
            out.writeUTF("../evil");
            out.writeInt(1);
            out.write(0);
        }
        assertThatThrownBy(() -> SharedSnapshot.unpack(bytes.toByteArray(), dir.resolve("copy")))
                .isInstanceOf(IOException.class).hasMessage("a packed CRIU image names a file '../evil'");
        assertThat(dir.resolve("evil")).doesNotExist();
        assertThatThrownBy(() -> SharedSnapshot.unpack("HVAOT1".getBytes(), dir.resolve("other")))
                .isInstanceOf(IOException.class);
    }
}
