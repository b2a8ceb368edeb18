package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Keys and namespaces across restarts: kept (as hashes only), a store from before namespaces moved into
 * {@code default}, and the admin key a fresh node generates shown exactly once and usable by the CLI.
 */
class KeysRestartTest {
    private static final String ECHO = "exports.handler = async (e) => ({ from: '%s' });";
    private static final Pattern GENERATED = Pattern.compile("hv_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");

    @Test
    void keeps_namespaces_and_keys_across_a_restart_and_writes_no_key_into_the_data_dir() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http admin = node.http();
            String nsKey = AuthTest.namespace(admin, "kept");
            String adminKey = admin.post("/v1/admin-keys", "").json().path("key").asText();
            Http tenant = node.http().withKey(nsKey);
            tenant.deploySource("fn", "javascript", "index.handler", ECHO.formatted("kept"), Map.of());
            admin.deploySource("fn", "javascript", "index.handler", ECHO.formatted("default"), Map.of());

            node.restart();

            tenant = node.http().withKey(nsKey); // the restarted node listens on another port
            assertThat(tenant.invoke("fn", "{}").json().path("from").asText()).isEqualTo("kept");
            assertThat(node.http().withKey(adminKey).invoke("fn", "{}").json().path("from").asText())
                    .isEqualTo("default");
            assertThat(filesContaining(node.dataDir(), List.of(nsKey, adminKey, NodeProcess.ADMIN_KEY,
                    nsKey.substring(16), adminKey.substring(16)))).isEmpty();
            Path tenants = node.dataDir().resolve("tenants.json");
            assertThat(Files.getPosixFilePermissions(tenants)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void moves_a_store_from_before_namespaces_into_namespace_default_losing_nothing() throws Exception {
        try (NodeProcess node = NodeProcess.start()) {
            Http admin = node.http();
            admin.deploySource("old-a", "javascript", "index.handler", ECHO.formatted("a"), Map.of());
            admin.deploySource("old-b", "javascript", "index.handler", ECHO.formatted("b"), Map.of("timeoutMs", 1234));
            node.stop();
            Path data = node.dataDir();
            // The layout before namespaces: <data>/functions/<name>/..., no tenants.json.
            Files.move(data.resolve("namespaces/default/functions"), data.resolve("functions"));
            deleteRecursively(data.resolve("namespaces"));
            Files.delete(data.resolve("tenants.json"));

            node.restart();

            admin = node.http(); // the restarted node listens on another port
            assertThat(admin.invoke("old-a", "{}").json().path("from").asText()).isEqualTo("a");
            assertThat(admin.get("/v1/functions/old-b").json().path("timeoutMs").asInt()).isEqualTo(1234);
            assertThat(data.resolve("functions")).doesNotExist();
            assertThat(data.resolve("namespaces/default/functions/old-a")).isDirectory();
        }
    }

    @Test
    void prints_a_generated_admin_key_once_across_a_restart_and_the_cli_uses_it_from_the_config_file()
            throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        Path data = Files.createTempDirectory(NodeProcess.IT_DIR, "fresh-");
        try (NodeProcess node = NodeProcess.start(data, Map.of())) {
            Path config = node.cliConfig();
            List<String> printed = generatedKeys(node.log());
            assertThat(printed).hasSize(1);
            String key = printed.getFirst();
            assertThat(node.http().withoutKey().get("/v1/functions").status()).isEqualTo(401);
            assertThat(node.http().withKey(key).get("/v1/functions").status()).isEqualTo(200);
            assertThat(Files.readString(config)).contains(key, "http://127.0.0.1:" + node.port());
            assertThat(Files.getPosixFilePermissions(config)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

            node.restart();

            assertThat(generatedKeys(node.log())).containsExactly(key);
            assertThat(filesContaining(data, List.of(key, key.substring(16)))).isEmpty();
            HotvisorCommand.Run list = cli(node, config, "list");
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.stderr()).contains("No functions deployed");
            HotvisorCommand.Run refused = cli(node, config, "list", "--key", "hv_wrong");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.stderr()).contains("Error 401 (Unauthorized)", "Key used: the --key option");
        }
    }

    /** Runs {@code bin/hotvisor} with no key but the config file (and the restarted node's URL). */
    private static HotvisorCommand.Run cli(NodeProcess node, Path config, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url=http://127.0.0.1:" + node.port());
        return HotvisorCommand.run(e -> {
            e.remove("HOTVISOR_KEY");
            e.put("HOTVISOR_CONFIG", config.toString());
        }, Duration.ofMinutes(3), all.toArray(String[]::new));
    }

    private static List<String> generatedKeys(Path log) throws IOException {
        List<String> keys = new ArrayList<>();
        Matcher m = GENERATED.matcher(Files.readString(log));
        while (m.find()) {
            keys.add(m.group());
        }
        return keys;
    }

    /** Files under {@code dir} that contain any of {@code secrets}. */
    private static List<Path> filesContaining(Path dir, List<String> secrets) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    return secrets.stream().anyMatch(text::contains);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
