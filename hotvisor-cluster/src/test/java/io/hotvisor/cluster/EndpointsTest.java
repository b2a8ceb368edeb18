package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;

/**
 * {@link Endpoints} on a real Helidon server, spoken to over a socket: 405 with {@code Allow} for a method a path
 * does not take, 204 for {@code OPTIONS}, 404 for a path no route has, and {@code HEAD} answered like {@code GET}
 * without a body, so that the next request on the same connection is read correctly.
 */
class EndpointsTest {
    private static final String ITEM = "{\"item\":\"abc\"}";
    private WebServer server;

    @BeforeEach
    void start() {
        HttpRouting.Builder routing = HttpRouting.builder();
        Endpoints api = new Endpoints(routing);
        api.get("/items", (req, res) -> res.send("[]"))
                .get("/items/{id}", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(ITEM.getBytes(StandardCharsets.UTF_8));
                })
                .put("/items/{id}", (req, res) -> res.status(201).send())
                .delete("/items/{id}", (req, res) -> res.status(204).send())
                .post("/items/{id}/run", (req, res) -> res.send("ran"))
                .get("/stream", (req, res) -> {
                    try (OutputStream out = res.outputStream()) {
                        out.write("streamed".getBytes(StandardCharsets.UTF_8));
                    }
                });
        routing.any((req, res) -> {
            res = Endpoints.forMethod(req, res);
            var allow = api.allow(req.prologue().method(), req.path().path());
            if (allow.isEmpty()) {
                res.status(404).send("no such path");
            } else {
                res.header(HeaderNames.ALLOW, allow.get());
                res.status(Method.OPTIONS.equals(req.prologue().method()) ? 204 : 405).send(
                        Method.OPTIONS.equals(req.prologue().method()) ? "" : "not allowed");
            }
        });
        server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).routing(routing).build().start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void answers_405_with_the_methods_a_path_takes() throws IOException {
        String r = exchange("PATCH /items/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1);
        assertThat(r).startsWith("HTTP/1.1 405").contains("Allow: DELETE, GET, HEAD, OPTIONS, PUT\r\n")
                .endsWith("not allowed");
        assertThat(exchange("GET /items/7/run HTTP/1.1\r\nHost: x\r\n\r\n", 1)).startsWith("HTTP/1.1 405")
                .contains("Allow: OPTIONS, POST\r\n");
        assertThat(exchange("DELETE /items HTTP/1.1\r\nHost: x\r\n\r\n", 1)).startsWith("HTTP/1.1 405")
                .contains("Allow: GET, HEAD, OPTIONS\r\n");
    }

    @Test
    void answers_options_with_204_and_the_methods() throws IOException {
        assertThat(exchange("OPTIONS /items/7/run HTTP/1.1\r\nHost: x\r\n\r\n", 1)).startsWith("HTTP/1.1 204")
                .contains("Allow: OPTIONS, POST\r\n");
    }

    @Test
    void answers_404_for_a_path_no_route_has() throws IOException {
        // ("/items//run" is not among them: Helidon reads it as /items/run, an item, and so does the 405.)
        for (String path : new String[] {"/nowhere", "/items/7/stop", "/items/", "/items/7/run/x"}) {
            assertThat(exchange("PATCH " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1))
                    .as(path).startsWith("HTTP/1.1 404").doesNotContain("Allow:");
        }
    }

    @Test
    void answers_head_like_get_without_a_body_and_keeps_the_connection_usable() throws IOException {
        String both = exchange("HEAD /items/7 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/7 HTTP/1.1\r\nHost: x\r\n\r\n", 2);
        int second = both.indexOf("HTTP/1.1", 1);
        assertThat(second).as(both).isPositive();
        String head = both.substring(0, second);
        String get = both.substring(second);
        assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + ITEM.length() + "\r\n")
                .contains("Content-Type: application/json").endsWith("\r\n\r\n");
        assertThat(get).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n" + ITEM);
    }

    @Test
    void answers_head_on_a_streamed_get_and_on_a_fallback_answer_without_a_body() throws IOException {
        String both = exchange("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nHEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /items HTTP/1.1\r\nHost: x\r\n\r\n", 3);
        String[] answers = both.split("(?=HTTP/1.1 )");
        assertThat(answers).as(both).hasSize(3);
        assertThat(answers[0]).startsWith("HTTP/1.1 200").contains("Content-Length: 8\r\n").endsWith("\r\n\r\n");
        assertThat(answers[1]).startsWith("HTTP/1.1 404").contains("Content-Length: 12\r\n").endsWith("\r\n\r\n");
        assertThat(answers[2]).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n[]");
    }

    /**
     * Sends {@code requests} on one connection and reads until {@code answers} answers have come, each complete by
     * its {@code Content-Length} (none after a {@code HEAD}).
     */
    private String exchange(String requests, int answers) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String[] methods = requests.lines().filter(l -> l.contains(" HTTP/1.1")).map(l -> l.split(" ")[0])
                    .toArray(String[]::new);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < answers; i++) {
                String headers = readHeaders(in);
                all.writeBytes(headers.getBytes(StandardCharsets.US_ASCII));
                int length = headers.lines().filter(l -> l.regionMatches(true, 0, "Content-Length:", 0, 15))
                        .mapToInt(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
                if (!"HEAD".equals(methods[i])) {
                    all.writeBytes(in.readNBytes(length));
                }
            }
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + b);
            }
            b.append((char) c);
        }
        return b.toString();
    }
}
