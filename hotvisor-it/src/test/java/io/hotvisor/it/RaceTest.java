package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * Many clients deploy, replace, delete, describe and invoke the same function at once (a bounded number of
 * operations from a fixed seed): no answer is a 5xx, and afterwards what describe shows is what invoke runs, live
 * and after a restart, with nothing left over in the store.
 */
class RaceTest {
    private static final long SEED = Long.getLong("hotvisor.race.seed", 20261123L);
    private static final int CLIENTS = 8;
    private static final int OPERATIONS = 30;
    private static final String NAME = "racer";

    /** The deploy body of a tagged version: JavaScript mostly, Python now and then (slow to load: a wider window). */
    private static Map<String, Object> version(String tag, boolean python) {
        return python
                ? Map.of("language", "python", "handler", "app.handler",
                        "code", "def handler(event, context):\n    return {'tag': '" + tag + "'}\n")
                : Map.of("language", "javascript", "handler", "index.handler",
                        "code", "exports.handler = async () => ({ tag: '" + tag + "' });");
    }

    @Test
    void keeps_the_function_consistent_under_concurrent_deploy_replace_delete_and_invoke() throws Exception {
        Files.createDirectories(NodeProcess.IT_DIR);
        Path dataDir = Files.createTempDirectory(NodeProcess.IT_DIR, "data-race-");
        try (NodeProcess node = NodeProcess.start(dataDir)) {
            Http http = node.http();
            Probe.deploy(http);
            Map<String, String> shaByTag = new ConcurrentHashMap<>();
            List<String> serverErrors = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    Random random = new Random(SEED + client);
                    for (int i = 0; i < OPERATIONS; i++) {
                        int pick = random.nextInt(100);
                        Http.Response r;
                        String op;
                        if (pick < 40) {
                            String tag = "c" + client + "-" + i;
                            op = "deploy " + tag;
                            boolean python = random.nextInt(25) == 0;
                            r = http.put("/v1/functions/" + NAME, Http.JSON.valueToTree(version(tag, python)));
                            if (r.status() == 200 || r.status() == 201) {
                                shaByTag.put(tag, r.json().path("code").path("sha256").asText());
                            }
                            check(op, r, serverErrors, 200, 201);
                        } else if (pick < 75) {
                            op = "invoke";
                            check(op, http.invoke(NAME, "{}"), serverErrors, 200, 404);
                        } else if (pick < 85) {
                            op = "delete";
                            check(op, http.delete("/v1/functions/" + NAME), serverErrors, 200, 404);
                        } else {
                            op = "describe";
                            check(op, http.get("/v1/functions/" + NAME), serverErrors, 200, 404);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get();
            }
            pool.shutdown();
            assertThat(serverErrors).as("answers outside the expected statuses (seed %d)", SEED).isEmpty();

            String live = assertConsistent(http, shaByTag);
            Probe.assertServes(http);

            node.restart();
            assertThat(assertConsistent(node.http(), shaByTag)).isEqualTo(live);
            assertStoreHasNoLeftovers(dataDir);
            // And a later deploy works on what the race left.
            Http.Response after = node.http().put("/v1/functions/" + NAME, Http.JSON.valueToTree(version("after", false)));
            assertThat(after.status()).as(after.toString()).isIn(200, 201);
            assertThat(node.http().invoke(NAME, "{}").json().path("tag").asText()).isEqualTo("after");
        }
    }

    private static void check(String op, Http.Response r, List<String> errors, int... allowed) {
        for (int s : allowed) {
            if (r.status() == s) {
                return;
            }
        }
        errors.add(op + " -> " + r);
    }

    /** Describe and invoke agree: the version invoke ran is the described one, with the described code. */
    private static String assertConsistent(Http http, Map<String, String> shaByTag) {
        Http.Response described = http.get("/v1/functions/" + NAME);
        Http.Response invoked = http.invoke(NAME, "{}");
        if (described.status() == 404) {
            assertThat(invoked.status()).as(invoked.toString()).isEqualTo(404);
            return "deleted";
        }
        assertThat(described.status()).as(described.toString()).isEqualTo(200);
        assertThat(invoked.status()).as(invoked.toString()).isEqualTo(200);
        JsonNode d = described.json();
        assertThat(invoked.header("X-Hotvisor-Function-Version")).isEqualTo(d.path("version").asText());
        String tag = invoked.json().path("tag").asText();
        assertThat(shaByTag.get(tag)).as("sha256 of the version tagged " + tag)
                .isEqualTo(d.path("code").path("sha256").asText());
        return tag + "@" + d.path("version").asText();
    }

    /**
     * Only {@code current} and the live version's directory in each function's directory of namespace
     * {@code default}; an empty trash.
     */
    static void assertStoreHasNoLeftovers(Path dataDir) throws Exception {
        Path store = dataDir.resolve("namespaces/default");
        try (Stream<Path> functions = Files.list(store.resolve("functions"))) {
            for (Path dir : functions.toList()) {
                String current = Files.readString(dir.resolve("current")).trim();
                try (Stream<Path> entries = Files.list(dir)) {
                    assertThat(entries.map(p -> p.getFileName().toString()))
                            .as(dir.toString()).containsExactlyInAnyOrder("current", "v" + current);
                }
            }
        }
        try (Stream<Path> trash = Files.list(store.resolve("trash"))) {
            assertThat(trash).isEmpty();
        }
    }
}
