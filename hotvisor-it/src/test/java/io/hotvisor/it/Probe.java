package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The probe function attack tests deploy beside the attacker: a JavaScript echo whose correct answer shows the node
 * still serves other functions. {@link Serving} calls it over and over while an attack runs.
 */
final class Probe {
    static final String NAME = "probe";

    private Probe() {
    }

    static void deploy(Http http) {
        http.deploySource(NAME, "javascript", "index.handler",
                "exports.handler = async (e) => ({ ok: true, echo: e.x });", Map.of());
    }

    /** The probe answers 200 with its echo. */
    static void assertServes(Http http) {
        int x = (int) (System.nanoTime() & 0xffff);
        Http.Response r = http.invoke(NAME, "{\"x\":" + x + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("echo").asInt()).as(r.toString()).isEqualTo(x);
    }

    /** Invokes the probe in a loop on its own thread until closed; {@link #close()} returns what went wrong. */
    static final class Serving implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<String> failures = new ArrayList<>();
        private final Thread thread;
        private int answered;

        Serving(Http http) {
            thread = Thread.ofPlatform().name("probe-serving").start(() -> {
                int i = 0;
                while (running.get()) {
                    i++;
                    Http.Response r = http.invoke(NAME, "{\"x\":" + i + "}");
                    synchronized (this) {
                        if (r.status() != 200 || r.json().path("echo").asInt() != i) {
                            failures.add(r.toString());
                        } else {
                            answered++;
                        }
                    }
                }
            });
        }

        /** Stops and asserts every probe call during the attack was answered correctly, and at least one was made. */
        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
            synchronized (this) {
                assertThat(failures).as("probe calls that failed during the attack").isEmpty();
                assertThat(answered).as("probe calls answered during the attack").isPositive();
            }
        }
    }
}
