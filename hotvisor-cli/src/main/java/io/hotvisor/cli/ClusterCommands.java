package io.hotvisor.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hotvisor cluster status}: the gateway's {@code GET /v1/cluster} as a table. */
final class ClusterCommands {

    private ClusterCommands() {
    }

    @Command(name = "cluster", description = "A cluster's nodes (through its gateway). 'cluster up' and 'cluster"
            + " down' are bin/hotvisor's.", subcommands = {StatusCommand.class, CommandLine.HelpCommand.class})
    static final class ClusterCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand: status");
        }
    }

    @Command(name = "status", description = "List the cluster's nodes: state, load (invocations in flight) and the"
            + " functions each holds hot. Needs an admin key and the gateway's URL.")
    static final class StatusCommand extends NodeCommand {
        private static final String[] COLUMNS = {"NODE", "STATE", "LOAD", "URL", "FUNCTIONS"};

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                JsonNode json = client.get("/v1/cluster").json().orElse(Json.object());
                List<String[]> rows = new ArrayList<>();
                rows.add(COLUMNS);
                for (JsonNode n : json.path("nodes")) {
                    List<String> fs = new ArrayList<>();
                    n.path("functions").forEach(f -> fs.add(f.asText()));
                    rows.add(new String[] {n.path("id").asText(), n.path("state").asText(),
                            n.path("load").asText(), n.path("url").asText(), fs.isEmpty() ? "-" : String.join(",", fs)});
                }
                out().println("Cluster '" + json.path("cluster").asText() + "', async queued: "
                        + json.path("asyncQueued").asText("0"));
                SimpleCommands.ListCommand.table(rows).forEach(out()::println);
                return ExitCodes.OK;
            }
        }
    }
}
