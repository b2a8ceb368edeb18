package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * SIGKILL in the middle of deploys: a client deploys numbered versions in a loop (single files, bundles, and now and
 * then a Python function, whose load takes long), the node is killed with {@code kill -9} after a random (seeded)
 * delay, and restarted on the same data directory. Each time, the function is the last version the client was
 * told was stored or the one in flight, and works; a bystander function is intact; the store holds nothing left
 * over; and the next deploy works.
 */
class CrashDeployTest {
    private static final long SEED = Long.getLong("hotvisor.crash.seed", 20261123L);
    private static final int KILLS = 4;
    private static final String NAME = "crashy";

    /** The code of version n; archives are zip bundles with some bulk, so that writing them takes a while. */
    private static Map<String, Object> version(int n) {
        String js = "exports.handler = async () => ({ n: " + n + " });";
        return switch (n % 4) {
            case 1 -> Map.of("language", "javascript", "handler", "index.handler", "archive",
                    java.util.Base64.getEncoder().encodeToString(bundle(js)));
            case 3 -> Map.of("language", "python", "handler", "app.handler",
                    "code", "def handler(event, context):\n    return {'n': " + n + "}\n");
            default -> Map.of("language", "javascript", "handler", "index.handler", "code", js);
        };
    }

    private static byte[] bundle(String index) {
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; bulk.length() < 2_000_000; i++) {
            bulk.append("exports.f").append(i).append(" = () => ").append(i * 7919 % 104729).append(";\n");
        }
        return FunctionIsolationTest.zip(Map.of("index.js", index, "node_modules/bulk/index.js", bulk.toString()));
    }

    /** What the store records as the code's sha256: of the source text, or of the archive's bytes. */
    private static String sha256(Map<String, Object> version) throws Exception {
        byte[] bytes = version.containsKey("code")
                ? ((String) version.get("code")).getBytes(StandardCharsets.UTF_8)
                : java.util.Base64.getDecoder().decode((String) version.get("archive"));
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void leaves_every_function_at_the_old_or_the_new_version_after_a_kill_during_deploys() throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        Path dataDir = Files.createTempDirectory(NodeProcess.IT_DIR, "data-crash-");
        Random random = new Random(SEED);
        Map<Integer, String> shas = new ConcurrentHashMap<>();
        try (NodeProcess node = NodeProcess.start(dataDir)) {
            node.http().deploySource("bystander", "javascript", "index.handler",
                    "exports.handler = async () => 'still here';", Map.of());
            node.http().put("/v1/functions/" + NAME, Http.JSON.valueToTree(version(0)));
            shas.put(0, sha256(version(0)));
            AtomicInteger acked = new AtomicInteger(0);
            AtomicInteger next = new AtomicInteger(1);
            AtomicReference<String> failed = new AtomicReference<>();
            for (int kill = 0; kill < KILLS; kill++) {
                Http http = node.http();
                int ackedBefore = acked.get();
                Thread deployer = Thread.ofPlatform().name("deployer").start(() -> {
                    while (true) {
                        int n = next.get();
                        try {
                            shas.put(n, sha256(version(n)));
                            Http.Response r = http.put("/v1/functions/" + NAME, Http.JSON.valueToTree(version(n)));
                            if (r.status() != 200) {
                                failed.set("deploy " + n + " -> " + r);
                                return;
                            }
                            acked.set(n);
                            next.incrementAndGet();
                        } catch (UncheckedIOException killed) {
                            return; // the node is gone: version n was in flight
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
                // Let at least one deploy of this round be stored, then kill at a random point.
                while (acked.get() == ackedBefore && deployer.isAlive()) {
                    Thread.sleep(20);
                }
                Thread.sleep(50 + random.nextInt(1500));
                node.kill();
                deployer.join();
                assertThat(failed.get()).as("a deploy refused while the node was up").isNull();
                int inFlight = next.get();

                node.restart();
                Http after = node.http();
                JsonNode d = after.get("/v1/functions/" + NAME).json();
                Http.Response invoked = after.invoke(NAME, "{}");
                assertThat(invoked.status()).as(invoked.toString()).isEqualTo(200);
                int n = invoked.json().path("n").asInt();
                assertThat(n).as("after kill %d: acked %d, in flight %d", kill, acked.get(), inFlight)
                        .isBetween(acked.get(), inFlight);
                assertThat(d.path("code").path("sha256").asText()).isEqualTo(shas.get(n));
                assertThat(invoked.header("X-Hotvisor-Function-Version")).isEqualTo(d.path("version").asText());
                assertThat(after.invoke("bystander", "{}").body()).isEqualTo("\"still here\"");
                RaceTest.assertStoreHasNoLeftovers(dataDir);
                // The next deploy continues from whichever version survived.
                acked.set(n);
                next.set(n + 1);
            }
            Http.Response last = node.http().put("/v1/functions/" + NAME, Http.JSON.valueToTree(version(next.get())));
            assertThat(last.status()).as(last.toString()).isEqualTo(200);
            assertThat(node.http().invoke(NAME, "{}").json().path("n").asInt()).isEqualTo(next.get());
        }
    }
}
