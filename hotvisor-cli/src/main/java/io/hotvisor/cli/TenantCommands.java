package io.hotvisor.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Namespaces and API keys (admin key needed): {@code hotvisor namespace create|list|delete},
 * {@code hotvisor key create|list|revoke}.
 */
final class TenantCommands {

    private TenantCommands() {
    }

    @Command(name = "namespace", description = "Manage namespaces (needs an admin key).",
            subcommands = {NamespaceCreate.class, NamespaceList.class, NamespaceDelete.class,
                    CommandLine.HelpCommand.class})
    static final class NamespaceCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand: create, list"
                    + " or delete");
        }
    }

    @Command(name = "create", description = "Create a namespace; prints its first key (shown only this once).")
    static final class NamespaceCreate extends NodeCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The namespace.")
        private String name;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                JsonNode n = client.post("/v1/namespaces", Json.object().put("name", name).toString()).json()
                        .orElse(Json.object());
                out().println("Created namespace " + name);
                out().println("Key " + n.path("key").path("id").asText() + " (shown only now; store it safely):");
                out().println(n.path("key").path("key").asText());
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "list", description = "List namespaces with their function and key counts.")
    static final class NamespaceList extends NodeCommand {
        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                JsonNode json = client.get("/v1/namespaces").json().orElse(Json.object());
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"NAME", "FUNCTIONS", "KEYS", "CREATED"});
                for (JsonNode n : json.path("namespaces")) {
                    rows.add(new String[] {n.path("name").asText(), n.path("functions").asText(),
                            n.path("keys").asText(), n.path("createdAt").asText()});
                }
                SimpleCommands.ListCommand.table(rows).forEach(out()::println);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "delete", description = "Delete an empty namespace and revoke its keys (refused while it has"
            + " functions).")
    static final class NamespaceDelete extends NodeCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The namespace.")
        private String name;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                client.delete("/v1/namespaces/" + NodeClient.segment(name));
                out().println("Deleted namespace " + name);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "key", description = "Manage API keys (needs an admin key).",
            subcommands = {KeyCreate.class, KeyList.class, KeyRevoke.class, CommandLine.HelpCommand.class})
    static final class KeyCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand: create, list"
                    + " or revoke");
        }
    }

    /** Whose keys: a namespace's ({@code --for NS}) or the admin keys ({@code --admin}). */
    static final class Owner {
        @Option(names = "--for", paramLabel = "NS", required = true, description = "The namespace whose keys.")
        String namespace;

        @Option(names = "--admin", required = true, description = "Admin keys instead of a namespace's.")
        boolean admin;

        String path() {
            return admin ? "/v1/admin-keys" : "/v1/namespaces/" + NodeClient.segment(namespace) + "/keys";
        }

        String describe() {
            return admin ? "admin key" : "key of namespace " + namespace;
        }
    }

    @Command(name = "create", description = "Make a key; prints it (shown only this once).")
    static final class KeyCreate extends NodeCommand {
        @CommandLine.ArgGroup(multiplicity = "1")
        Owner owner;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                JsonNode k = client.post(owner.path(), "{}").json().orElse(Json.object());
                out().println("Created " + owner.describe() + " " + k.path("id").asText()
                        + " (shown only now; store it safely):");
                out().println(k.path("key").asText());
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "list", description = "List key ids (never the keys).")
    static final class KeyList extends NodeCommand {
        @CommandLine.ArgGroup(multiplicity = "1")
        Owner owner;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                JsonNode json = client.get(owner.path()).json().orElse(Json.object());
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "CREATED", "REVOKED"});
                for (JsonNode k : json.path("keys")) {
                    rows.add(new String[] {k.path("id").asText(), k.path("createdAt").asText(),
                            k.path("revokedAt").asText("-")});
                }
                SimpleCommands.ListCommand.table(rows).forEach(out()::println);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a key by its id.")
    static final class KeyRevoke extends NodeCommand {
        @CommandLine.ArgGroup(multiplicity = "1")
        Owner owner;

        @Parameters(index = "0", paramLabel = "ID", description = "The key's id (from 'key list').")
        private String id;

        @Override
        public Integer call() {
            try (NodeClient client = node.client()) {
                client.delete(owner.path() + "/" + NodeClient.segment(id));
                out().println("Revoked " + owner.describe() + " " + id);
                return ExitCodes.OK;
            }
        }
    }
}
