package io.hotvisor.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that are one request and a print: result, list, describe, logs, delete, health. */
final class SimpleCommands {

    private SimpleCommands() {
    }

    @Command(name = "result",
            description = "Show an async invocation: its status and, once finished, its result or error.")
    static final class ResultCommand extends NodeCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The id 'invoke --async' printed.")
        private String id;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                out().println(Json.prettyOrRaw(client.get("/v1/invocations/" + NodeClient.segment(id)).body()));
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "list", description = "List the node's functions.")
    static final class ListCommand extends NodeCommand {
        private static final String[] COLUMNS = {"NAME", "LANGUAGE", "VERSION", "HANDLER", "STATE"};

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                JsonNode json = client.get("/v1/functions").json().orElse(Json.object());
                // The list is a JSON array, or an object holding it under "functions".
                JsonNode functions = json.isArray() ? json : json.path("functions");
                if (functions.isEmpty()) {
                    err().println("No functions deployed on " + node.url());
                    return ExitCodes.OK;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(COLUMNS);
                for (JsonNode f : functions) {
                    rows.add(new String[] {text(f, "name"), text(f, "language"), text(f, "version"),
                            text(f, "handler"), text(f, "state")});
                }
                table(rows).forEach(out()::println);
                return ExitCodes.OK;
            }
        }

        private static String text(JsonNode f, String field) {
            JsonNode n = f.path(field);
            return n.isMissingNode() || n.isNull() ? "-" : n.asText();
        }

        /** Left-aligned columns two spaces apart; the last column is not padded. */
        static List<String> table(List<String[]> rows) {
            int[] width = new int[rows.getFirst().length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            List<String> lines = new ArrayList<>();
            for (String[] row : rows) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    b.append(i == row.length - 1 ? row[i] : String.format("%-" + (width[i] + 2) + "s", row[i]));
                }
                lines.add(b.toString().stripTrailing());
            }
            return lines;
        }
    }

    @Command(name = "describe",
            description = "Show a function's config, version, code and state.")
    static final class DescribeCommand extends NodeCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The function.")
        private String name;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                out().println(Json.prettyOrRaw(client.get("/v1/functions/" + NodeClient.segment(name)).body()));
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "logs", description = "Show what a function printed while serving invocations (the newest"
            + " lines the node, or every node behind a gateway, kept), oldest first.")
    static final class LogsCommand extends NodeCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The function.")
        private String name;

        @Option(names = "--invocation", paramLabel = "ID", description = "Only the lines of this invocation (the id"
                + " 'invoke' prints on stderr, or 'invoke --async' prints).")
        private String invocation;

        @Option(names = "--limit", paramLabel = "N", description = "At most N lines, the newest (1 to 500;"
                + " the node's default is 100).")
        private Integer limit;

        @Override
        public Integer call() {
            StringBuilder path = new StringBuilder("/v1/functions/" + NodeClient.segment(name) + "/logs");
            String sep = "?";
            if (limit != null) {
                path.append(sep).append("limit=").append(limit);
                sep = "&";
            }
            if (invocation != null) {
                path.append(sep).append("invocation=").append(NodeClient.segment(invocation));
            }
            try (NodeClient client = node.client()) {
                JsonNode json = client.get(path.toString()).json().orElse(Json.object());
                JsonNode lines = json.path("lines");
                if (lines.isEmpty()) {
                    err().println("No output of " + name + (invocation == null ? "" : " for invocation " + invocation)
                            + " kept on " + node.url());
                    return ExitCodes.OK;
                }
                for (JsonNode l : lines) {
                    out().println(line(l));
                }
                if (json.path("dropped").asLong() > 0) {
                    err().println("(" + json.path("dropped").asLong() + " older lines no longer kept)");
                }
                return ExitCodes.OK;
            }
        }

        /** {@code <time> <stream> [<node>] <invocation id> <text>}. */
        static String line(JsonNode l) {
            return l.path("time").asText() + " " + l.path("stream").asText()
                    + (l.has("node") ? " " + l.path("node").asText() : "")
                    + " " + l.path("invocationId").asText("-") + " " + l.path("text").asText();
        }
    }

    @Command(name = "delete", description = "Remove a function.")
    static final class DeleteCommand extends NodeCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The function.")
        private String name;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                client.delete("/v1/functions/" + NodeClient.segment(name));
                out().println("Deleted " + name);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "health", description = "Check that the node is up (GET /healthz).")
    static final class HealthCommand extends NodeCommand {
        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                String body = client.get("/healthz").body();
                out().println(body == null || body.isBlank() ? "OK " + node.url() : Json.prettyOrRaw(body.strip()));
                return ExitCodes.OK;
            }
        }
    }
}
