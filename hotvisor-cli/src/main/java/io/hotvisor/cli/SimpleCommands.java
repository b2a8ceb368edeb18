package io.hotvisor.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The commands that are one request and a print: result, list, describe, delete, health. */
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
