package io.hotvisor.cli;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hotvisor deploy}: {@code PUT /v1/functions/{name}} from a file, folder, zip, jar or function folder. */
@Command(name = "deploy", sortOptions = false,
        description = {"Create or replace a function.",
                "Examples:",
                "  hotvisor deploy hello --language js --handler index.handler --file index.js",
                "  hotvisor deploy resize --language python --handler app.handler --dir ./resize",
                "  hotvisor deploy echo --language java --handler com.acme.Echo::run --jar echo.jar",
                "  hotvisor deploy --from ./hello-py"})
final class DeployCommand extends NodeCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
            description = "The function's name. With --from, defaults to the folder's name.")
    private String name;

    @Option(names = "--language", paramLabel = "LANG", converter = Language.Converter.class,
            description = "js, javascript, python or java.")
    private Language language;

    @Option(names = "--handler", paramLabel = "H",
            description = "index.handler (file.function), main (bare), or com.acme.Fn::handleRequest.")
    private String handler;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "%nCode (exactly one):%n")
    private Code code;

    static final class Code {
        @Option(names = "--file", paramLabel = "F", description = "A single source file, sent as text.")
        private Path file;

        @Option(names = "--dir", paramLabel = "D",
                description = "A folder zipped as a bundle, everything included (node_modules, Python packages).")
        private Path dir;

        @Option(names = "--zip", paramLabel = "Z", description = "A zip bundle, sent as it is.")
        private Path zip;

        @Option(names = "--jar", paramLabel = "J", description = "A Java function's jar.")
        private Path jar;

        @Option(names = "--from", paramLabel = "DIR",
                description = "A folder with a function.json; options given here override it.")
        private Path from;
    }

    @Option(names = "--timeout-ms", paramLabel = "N", description = "Time limit of an invocation, in ms.")
    private Long timeoutMs;

    @Option(names = "--memory-mb", paramLabel = "N", description = "Memory limit, in MB.")
    private Integer memoryMb;

    @Option(names = "--concurrency", paramLabel = "N", description = "Invocations run at once per function.")
    private Integer concurrency;

    @Option(names = "--env", paramLabel = "K=V", description = "An environment variable; repeatable.")
    private Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--sandbox", paramLabel = "POLICY", converter = Sandbox.Converter.class,
            description = "reuse (pooled sandboxes) or fresh (one per invocation).")
    private Sandbox sandbox;

    @Option(names = "--isolation", paramLabel = "WHERE", description = "node (the default: in the node's JVM) or"
            + " process (Java only: in worker JVMs the node can kill).")
    private String isolation;

    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Override
    public Integer call() throws InterruptedException {
        env.keySet().stream().filter(k -> !ENV_KEY.matcher(k).matches()).findFirst().ifPresent(k -> {
            throw invalid("--env", "'" + k + "' is not a variable name; use K=V with letters, digits and '_'");
        });
        ObjectNode body = Json.object();
        String functionName;
        Language lang;
        DeployCode deployCode;
        ObjectNode settings = Json.object();
        if (code.from != null) {
            FunctionFolder folder = from("--from", () -> FunctionFolder.read(code.from));
            functionName = name != null ? name : folder.name();
            lang = language != null ? language : folder.language();
            body.put("language", lang.id());
            body.put("handler", handler != null ? handler : folder.handler());
            deployCode = folder.code();
            settings = folder.settings();
        } else {
            if (name == null) {
                throw missing("parameter: 'NAME' (or use --from DIR)");
            }
            if (language == null) {
                throw missing("option: '--language=LANG'");
            }
            if (handler == null) {
                throw missing("option: '--handler=H'");
            }
            functionName = name;
            lang = language;
            body.put("language", lang.id());
            body.put("handler", handler);
            deployCode = code();
        }
        switch (deployCode) {
            case DeployCode.Source s -> body.put("code", s.text());
            case DeployCode.Archive a -> body.put("archive", Base64.getEncoder().encodeToString(a.bytes()));
        }
        body.setAll(settings);
        if (timeoutMs != null) {
            body.put("timeoutMs", timeoutMs);
        }
        if (memoryMb != null) {
            body.put("memoryMb", memoryMb);
        }
        if (concurrency != null) {
            body.put("concurrency", concurrency);
        }
        if (!env.isEmpty()) {
            ObjectNode merged = body.has("env") ? (ObjectNode) body.get("env") : Json.object();
            env.forEach(merged::put);
            body.set("env", merged);
        }
        if (sandbox != null) {
            body.put("sandbox", sandbox.id());
        }
        if (isolation != null) {
            String i = isolation.strip().toLowerCase(java.util.Locale.ROOT);
            if (!i.equals("node") && !i.equals("process")) {
                throw invalid("--isolation", "unknown isolation '" + isolation + "'; use node or process");
            }
            body.put("isolation", i);
        }
        return deploy(functionName, lang, deployCode, body);
    }

    private int deploy(String functionName, Language lang, DeployCode deployCode, ObjectNode body)
            throws InterruptedException {
        try (NodeClient client = node.client()) {
            long start = System.nanoTime();
            CompletableFuture<HttpResponse<String>> pending =
                    client.putAsync("/v1/functions/" + NodeClient.segment(functionName), Json.compact(body));
            Progress.await(pending, "Deploying " + functionName + " (" + lang.id() + ", " + deployCode.describe()
                    + ")...", err(), terminal().interactive());
            NodeClient.Response r = client.await(pending);
            long ms = (System.nanoTime() - start) / 1_000_000;
            String version = r.json().map(j -> j.path("version")).filter(v -> !v.isMissingNode())
                    .map(v -> " version " + v.asText()).orElse("");
            out().println("Deployed " + functionName + version + " (" + (r.status() == 201 ? "created" : "replaced")
                    + ") in " + ms + " ms");
            return ExitCodes.OK;
        }
    }

    private DeployCode code() {
        if (code.file != null) {
            return from("--file", () -> DeployCode.source(code.file));
        }
        if (code.dir != null) {
            return from("--dir", () -> DeployCode.zip(code.dir, p -> false));
        }
        if (code.zip != null) {
            return from("--zip", () -> DeployCode.archive(code.zip));
        }
        return from("--jar", () -> DeployCode.archive(code.jar));
    }

    /** Runs {@code read}, reporting its {@link BadInputException} as a usage error of {@code option}. */
    private <T> T from(String option, Supplier<T> read) {
        try {
            return read.get();
        } catch (BadInputException e) {
            throw invalid(option, e.getMessage());
        }
    }
}
