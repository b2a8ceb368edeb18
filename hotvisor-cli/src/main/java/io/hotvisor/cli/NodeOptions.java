package io.hotvisor.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command has: {@code --url}, {@code --key}, {@code --namespace}, {@code --config}.
 *
 * <p>The key is the first of: {@code --key}, env {@code HOTVISOR_KEY}, the config file's {@code "key"}. The URL is
 * the first of {@code --url}, env {@code HOTVISOR_URL}, the config file's {@code "url"}, {@value #DEFAULT_URL}. The
 * config file is {@code --config}, else env {@code HOTVISOR_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/hotvisor/config.json},
 * else {@code ~/.config/hotvisor/config.json}: a node that generates an admin key writes it there.
 */
final class NodeOptions {

    static final String DEFAULT_URL = "http://localhost:8080";

    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    private final Map<String, String> env = System.getenv();
    private URI url;

    @Option(names = "--url", paramLabel = "URL", order = 100,
            description = {"The node's base URL; defaults to $HOTVISOR_URL, else the config file's \"url\",",
                "else " + DEFAULT_URL + "."})
    void url(String value) {
        url = parseUrl(value, "option '--url'");
    }

    @Option(names = "--key", paramLabel = "KEY", order = 101,
            description = {"The API key (sent as 'Authorization: Bearer KEY'); defaults to $HOTVISOR_KEY,",
                "else the config file's \"key\"."})
    private String key;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", order = 102,
            description = {"With an admin key: the namespace to act on (default: 'default'); defaults to",
                "$HOTVISOR_NAMESPACE. A namespace key acts on its own namespace."})
    private String namespace;

    @Option(names = "--config", paramLabel = "FILE", order = 103,
            description = {"The config file holding \"url\" and \"key\"; defaults to $HOTVISOR_CONFIG, else",
                "~/.config/hotvisor/config.json (or under $XDG_CONFIG_HOME)."})
    private Path config;

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 110, description = "Show this help and exit.")
    private boolean help;

    private URI parseUrl(String value, String where) {
        try {
            URI u = new URI(value.strip());
            if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())
                    || u.getHost() == null) {
                throw new URISyntaxException(value, "use http://host:port or https://host:port");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ParameterException(mixee.commandLine(), "Invalid value for " + where + ": '" + value
                    + "' is not an http(s) URL; use e.g. " + DEFAULT_URL);
        }
    }

    URI url() {
        if (url != null) {
            return url;
        }
        String fromEnv = env.get("HOTVISOR_URL");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return parseUrl(fromEnv, "env HOTVISOR_URL");
        }
        return configValue("url").map(u -> parseUrl(u, "\"url\" in " + configPath()))
                .orElse(URI.create(DEFAULT_URL));
    }

    /** The config file in use (it need not exist). */
    Path configPath() {
        if (config != null) {
            return config;
        }
        String explicit = env.get("HOTVISOR_CONFIG");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("hotvisor").resolve("config.json");
    }

    private Optional<String> configValue(String field) {
        Path file = configPath();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.parse(Files.readString(file)).orElseThrow(() -> new BadInputException(
                    "The config file " + file + " is not JSON; expected {\"url\": ..., \"key\": ...}"));
            return Optional.ofNullable(n.get(field)).filter(JsonNode::isTextual).map(JsonNode::textValue)
                    .filter(s -> !s.isBlank());
        } catch (IOException e) {
            throw new BadInputException("Cannot read the config file " + file + ": " + e.getMessage());
        }
    }

    /** The key to send and where it came from. */
    record Credentials(Optional<String> key, String source) {
    }

    Credentials credentials() {
        if (key != null && !key.isBlank()) {
            return new Credentials(Optional.of(key.strip()), "the --key option");
        }
        String fromEnv = env.get("HOTVISOR_KEY");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Credentials(Optional.of(fromEnv.strip()), "env HOTVISOR_KEY");
        }
        Path file = configPath();
        return configValue("key").map(k -> new Credentials(Optional.of(k), "the config file " + file))
                .orElse(new Credentials(Optional.empty(), "no key (none given with --key, HOTVISOR_KEY or in "
                        + file + ")"));
    }

    Optional<String> namespace() {
        String ns = namespace != null ? namespace : env.get("HOTVISOR_NAMESPACE");
        return Optional.ofNullable(ns).map(String::strip).filter(s -> !s.isEmpty());
    }

    NodeClient client() {
        return NodeClient.create(url(), credentials(), namespace());
    }
}
