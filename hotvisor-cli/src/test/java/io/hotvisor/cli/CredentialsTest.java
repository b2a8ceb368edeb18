package io.hotvisor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which key and URL the CLI uses (--key, else HOTVISOR_KEY, else the config file), the headers it sends, how it
 * reports 401/403, and the namespace and key commands.
 */
class CredentialsTest {
    private static final String UNAUTHORIZED = "{\"error\":{\"type\":\"Unauthorized\",\"message\":\"The API key is not"
            + " valid (unknown or revoked)\"}}";

    @TempDir
    Path dir;

    @RegisterExtension
    final FakeNode node = FakeNode.start();

    private Path config(String json) throws IOException {
        return Files.writeString(dir.resolve("config.json"), json);
    }

    private static String header(FakeNode.Request r, String name) {
        return r.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
    }

    @Test
    void sends_the_key_and_url_of_the_config_file_when_no_option_gives_them() throws IOException {
        node.on("GET", "/v1/functions", 200, "{\"functions\":[]}");
        Path config = config("{\"url\": \"" + node.url() + "\", \"key\": \"hv_from_the_file\"}");

        Cli.Run run = Cli.run("list", "--config", config.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(header(node.onlyRequest(), "Authorization")).isEqualTo("Bearer hv_from_the_file");
        assertThat(header(node.onlyRequest(), "X-Hotvisor-Namespace")).isNull();
    }

    @Test
    void prefers_the_key_option_to_the_config_file_and_sends_the_namespace_option() throws IOException {
        node.on("GET", "/v1/functions", 200, "{\"functions\":[]}");
        Path config = config("{\"url\": \"http://127.0.0.1:1\", \"key\": \"hv_from_the_file\"}");

        Cli.Run run = Cli.run("list", "--config", config.toString(), "--url", node.url(), "--key", "hv_option",
                "--namespace", "team-a");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(header(node.onlyRequest(), "Authorization")).isEqualTo("Bearer hv_option");
        assertThat(header(node.onlyRequest(), "X-Hotvisor-Namespace")).isEqualTo("team-a");
    }

    @Test
    void says_which_key_source_a_401_came_from() throws IOException {
        node.on("GET", "/v1/functions", 401, UNAUTHORIZED);
        Path config = config("{\"key\": \"hv_stale\"}");

        Cli.Run fromFile = Cli.run("list", "--config", config.toString(), "--url", node.url());
        Cli.Run none = Cli.run("list", "--config", dir.resolve("missing.json").toString(), "--url", node.url());

        assertThat(fromFile.exitCode()).isEqualTo(ExitCodes.CLIENT_ERROR);
        assertThat(fromFile.err()).contains("Error 401 (Unauthorized): The API key is not valid (unknown or revoked)",
                "Key used: the config file " + config);
        assertThat(none.err()).contains("Key used: no key (none given with --key, HOTVISOR_KEY or in "
                + dir.resolve("missing.json") + ")");
        assertThat(header(node.requests().get(1), "Authorization")).isNull();
    }

    @Test
    void says_a_403_needs_a_key_of_that_namespace_or_an_admin_key() {
        node.on("GET", "/v1/namespaces", 403, "{\"error\":{\"type\":\"Forbidden\",\"message\":\"This call needs an"
                + " admin key; key 'abc' belongs to namespace 'team-a'\"}}");

        Cli.Run run = Cli.run("namespace", "list", "--url", node.url(), "--key", "hv_team");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.CLIENT_ERROR);
        assertThat(run.err()).contains("Error 403 (Forbidden): This call needs an admin key",
                "Key used: the --key option", "needs a key of the namespace it acts on, or an admin key");
    }

    @Test
    void refuses_a_config_file_that_is_not_json_naming_it() throws IOException {
        Path config = config("url = nope");

        Cli.Run run = Cli.run("list", "--config", config.toString(), "--url", node.url());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("The config file " + config + " is not JSON");
    }

    @Test
    void creates_a_namespace_and_prints_its_first_key() {
        node.on("POST", "/v1/namespaces", 201, "{\"name\":\"team-a\",\"key\":{\"id\":\"0123456789ab\","
                + "\"key\":\"hv_0123456789ab_secret\",\"namespace\":\"team-a\"}}");

        Cli.Run run = Cli.run("namespace", "create", "team-a", "--url", node.url(), "--key", "hv_admin");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Created namespace team-a", "hv_0123456789ab_secret");
        assertThat(node.onlyRequest().json().path("name").asText()).isEqualTo("team-a");
    }

    @Test
    void lists_and_revokes_keys_of_a_namespace_or_the_admin_keys() {
        node.on("GET", "/v1/namespaces/team-a/keys", 200, "{\"keys\":[{\"id\":\"0123456789ab\","
                + "\"createdAt\":\"2026-11-23T21:00:00Z\"}]}");
        node.on("DELETE", "/v1/admin-keys/0123456789ab", 200, "{\"revoked\":\"0123456789ab\"}");

        Cli.Run list = Cli.run("key", "list", "--for", "team-a", "--url", node.url(), "--key", "k");
        Cli.Run revoke = Cli.run("key", "revoke", "--admin", "0123456789ab", "--url", node.url(), "--key", "k");
        Cli.Run both = Cli.run("key", "list", "--admin", "--for", "x", "--url", node.url(), "--key", "k");

        assertThat(list.out()).contains("ID", "0123456789ab  2026-11-23T21:00:00Z  -");
        assertThat(revoke.out()).contains("Revoked admin key 0123456789ab");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(node.requests()).extracting(FakeNode.Request::target)
                .isEqualTo(List.of("/v1/namespaces/team-a/keys", "/v1/admin-keys/0123456789ab"));
    }
}
