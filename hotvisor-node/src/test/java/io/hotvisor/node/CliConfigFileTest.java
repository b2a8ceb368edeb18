package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generated admin key goes to the CLI config readable by its owner only, never over a different key. */
class CliConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void writes_url_and_key_readable_by_the_owner_only_creating_its_directory() throws IOException {
        Path file = dir.resolve("hotvisor/config.json");

        assertThat(CliConfigFile.save(file, "http://127.0.0.1:8080", "hv_new"))
                .isEqualTo(CliConfigFile.Outcome.WRITTEN);

        assertThat(Json.MAPPER.readTree(file.toFile()).path("key").asText()).isEqualTo("hv_new");
        assertThat(Json.MAPPER.readTree(file.toFile()).path("url").asText()).isEqualTo("http://127.0.0.1:8080");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(file.getParent()))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void leaves_a_file_holding_another_key_as_it_was() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\"url\":\"http://other:1\",\"key\":\"hv_old\"}");

        assertThat(CliConfigFile.save(file, "http://127.0.0.1:8080", "hv_new"))
                .isEqualTo(CliConfigFile.Outcome.KEPT_OTHER_KEY);

        assertThat(file).hasContent("{\"url\":\"http://other:1\",\"key\":\"hv_old\"}");
    }

    @Test
    void adds_the_key_to_a_file_without_one_keeping_its_other_fields() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\"namespace\":\"team-a\"}");

        CliConfigFile.save(file, "http://127.0.0.1:9000", "hv_new");

        assertThat(Json.MAPPER.readTree(file.toFile()).path("namespace").asText()).isEqualTo("team-a");
        assertThat(Json.MAPPER.readTree(file.toFile()).path("key").asText()).isEqualTo("hv_new");
    }

    @Test
    void finds_the_file_from_hotvisor_config_then_xdg_config_home() {
        assertThat(CliConfigFile.defaultPath(Map.of("HOTVISOR_CONFIG", "/a/b.json", "XDG_CONFIG_HOME", "/x")))
                .isEqualTo(Path.of("/a/b.json"));
        assertThat(CliConfigFile.defaultPath(Map.of("XDG_CONFIG_HOME", "/x")))
                .isEqualTo(Path.of("/x/hotvisor/config.json"));
        assertThat(CliConfigFile.defaultPath(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".config", "hotvisor", "config.json"));
    }
}
