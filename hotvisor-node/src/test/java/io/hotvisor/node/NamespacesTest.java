package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory from before namespaces moves into namespace {@code default}, losing nothing. */
class NamespacesTest {
    @TempDir
    Path data;

    @Test
    void moves_a_store_from_before_namespaces_into_namespace_default() throws IOException {
        Files.createDirectories(data.resolve("functions/hello/v3/code"));
        Files.writeString(data.resolve("functions/hello/current"), "3");
        Files.writeString(data.resolve("functions/hello/v3/code/source"), "exports.handler = () => 1;");

        Namespaces.migrate(data, data.resolve("namespaces"));

        assertThat(data.resolve("functions")).doesNotExist();
        assertThat(data.resolve("namespaces/default/functions/hello/current")).hasContent("3");
        assertThat(data.resolve("namespaces/default/functions/hello/v3/code/source"))
                .hasContent("exports.handler = () => 1;");
    }

    @Test
    void refuses_to_merge_an_old_store_into_a_non_empty_default_naming_both_directories() throws IOException {
        Files.createDirectories(data.resolve("functions/hello"));
        Files.createDirectories(data.resolve("namespaces/default/functions/other"));

        assertThatThrownBy(() -> Namespaces.migrate(data, data.resolve("namespaces")))
                .hasMessageContaining(data.resolve("functions").toString())
                .hasMessageContaining(data.resolve("namespaces/default/functions").toString());
        assertThat(data.resolve("functions/hello")).isDirectory();
    }

    @Test
    void leaves_a_new_layout_alone() throws IOException {
        Files.createDirectories(data.resolve("namespaces/default/functions/hello"));
        Namespaces.migrate(data, data.resolve("namespaces"));
        assertThat(data.resolve("namespaces/default/functions/hello")).isDirectory();
    }
}
