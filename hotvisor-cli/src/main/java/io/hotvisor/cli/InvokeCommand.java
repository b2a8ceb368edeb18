package io.hotvisor.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hotvisor invoke}: {@code POST /v1/functions/{name}/invoke}, synchronous or {@code ?mode=async}.
 * The result goes to stdout, the invocation id and duration to stderr, so {@code hotvisor invoke f | jq} works.
 */
@Command(name = "invoke", sortOptions = false,
        description = {"Invoke a function and print its JSON result.",
                "Examples:",
                "  hotvisor invoke hello --data '{\"name\": \"Ada\"}'",
                "  echo '{\"n\": 3}' | hotvisor invoke hello --data -",
                "  hotvisor invoke resize --data-file event.json --async --wait"})
final class InvokeCommand extends NodeCommand {

    /** Statuses of an async invocation that is not finished yet. */
    private static final Set<String> UNFINISHED = Set.of("accepted", "queued", "pending", "running");
    private static final Duration FIRST_POLL = Duration.ofMillis(50);
    private static final Duration MAX_POLL = Duration.ofSeconds(1);

    @Parameters(index = "0", paramLabel = "NAME", description = "The function to invoke.")
    private String name;

    @ArgGroup(exclusive = true)
    private Event event;

    static final class Event {
        @Option(names = "--data", paramLabel = "JSON", description = "The event, as JSON; '-' reads stdin."
                + " Defaults to {}.")
        private String data;

        @Option(names = "--data-file", paramLabel = "F", description = "A file holding the event; '-' is stdin.")
        private String dataFile;
    }

    @Option(names = "--async", description = "Queue the invocation (?mode=async) and print its id.")
    private boolean async;

    @Option(names = "--wait", description = "With --async (implied), poll until the invocation finishes and"
            + " print its result.")
    private boolean await;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "3", description = "Send the invocation again when"
            + " the node answers 503 with Retry-After (e.g. FunctionLoading: its copy is still loading, nothing ran),"
            + " up to N times, each after the wait it asks (at most 10 s); 0 turns this off. Defaults to 3.")
    private int retries;

    @Override
    public Integer call() throws InterruptedException {
        if (retries < 0) {
            throw invalid("--retries", "must be 0 or more (0: no retries); got " + retries);
        }
        String body = event();
        try (NodeClient client = node.client()) {
            String path = "/v1/functions/" + NodeClient.segment(name) + "/invoke";
            if (!async && !await) {
                NodeClient.Response r = client.postRetrying(path, body, retries, this::notice);
                out().println(Json.prettyOrRaw(r.body()));
                err().println(summary(r));
                err().flush();
                return ExitCodes.OK;
            }
            NodeClient.Response accepted = client.postRetrying(path + "?mode=async", body, retries, this::notice);
            String id = accepted.json().map(j -> j.path("id").asText(null))
                    .or(() -> accepted.header(NodeClient.INVOCATION_ID))
                    .orElseThrow(() -> NodeException.response(accepted.status(), null,
                            "the node accepted the invocation but gave no id: " + accepted.body()));
            if (!await) {
                out().println(id);
                return ExitCodes.OK;
            }
            err().println("Invocation " + id + " accepted; waiting for it to finish...");
            return printOutcome(poll(client, id));
        }
    }

    private void notice(String line) {
        err().println(line);
        err().flush();
    }

    /** GETs the invocation until its status is no longer accepted/queued/pending/running. */
    private JsonNode poll(NodeClient client, String id) throws InterruptedException {
        Duration delay = FIRST_POLL;
        while (true) {
            NodeClient.Response r = client.get("/v1/invocations/" + NodeClient.segment(id));
            JsonNode j = r.json().orElseThrow(() -> NodeException.response(r.status(), null,
                    "the node's answer for invocation " + id + " is not JSON: " + r.body()));
            String status = j.path("status").asText("").toLowerCase(Locale.ROOT);
            if (r.status() != 202 && !UNFINISHED.contains(status)) {
                return j;
            }
            Thread.sleep(delay);
            delay = delay.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : delay.multipliedBy(2);
        }
    }

    /**
     * Prints a finished async invocation: its {@code result} to stdout; or its {@code error} as the node would
     * have answered a synchronous call (exit code 2); or, in an unknown shape, the whole record.
     */
    private int printOutcome(JsonNode inv) {
        JsonNode error = inv.path("error");
        if (error.isObject()) {
            int status = inv.path("httpStatus").asInt(502);
            NodeException e = NodeException.response(status, error.path("type").asText(null),
                    error.path("message").asText(null));
            err().println(e.getMessage());
            return e.exitCode();
        }
        out().println(Json.pretty(inv.has("result") ? inv.get("result") : inv));
        return ExitCodes.OK;
    }

    private String event() {
        String text;
        String option;
        if (event == null || event.data == null && event.dataFile == null) {
            return "{}";
        } else if (event.data != null) {
            option = "--data";
            text = "-".equals(event.data) ? stdin() : event.data;
        } else {
            option = "--data-file";
            text = "-".equals(event.dataFile) ? stdin() : file(event.dataFile);
        }
        JsonNode json = Json.parse(text).orElseThrow(() -> invalid(option, "the event is not JSON: "
                + abbreviate(text.strip())));
        return Json.compact(json);
    }

    private String stdin() {
        try {
            InputStream in = terminal().stdin();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException("cannot read the event from stdin: " + e, e);
        }
    }

    private String file(String name) {
        Path p = Path.of(name);
        if (!Files.isRegularFile(p)) {
            throw invalid("--data-file", "no such file: " + name);
        }
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw invalid("--data-file", "cannot read " + name + ": " + e);
        }
    }

    /** "Invocation 4f2c took 1.234 ms", from the response headers; parts the node left out are left out. */
    private static String summary(NodeClient.Response r) {
        String id = r.header(NodeClient.INVOCATION_ID).map(i -> "Invocation " + i).orElse("Invocation");
        return id + r.header(NodeClient.DURATION_US).map(d -> " took " + millis(d)).orElse(" done");
    }

    private static String millis(String micros) {
        try {
            return String.format(Locale.ROOT, "%.3f ms", Long.parseLong(micros.strip()) / 1000.0);
        } catch (NumberFormatException e) {
            return micros + " us";
        }
    }

    private static String abbreviate(String s) {
        return s.isEmpty() ? "(empty)" : s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
