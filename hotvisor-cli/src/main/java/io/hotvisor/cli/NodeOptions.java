package io.hotvisor.cli;

import java.net.URI;
import java.net.URISyntaxException;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --url} option every command has. */
final class NodeOptions {

    static final String DEFAULT_URL = "http://localhost:8080";

    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    private URI url = URI.create(DEFAULT_URL);

    @Option(names = "--url", paramLabel = "URL", order = 100,
            defaultValue = "${env:HOTVISOR_URL:-" + DEFAULT_URL + "}",
            description = {"The node's base URL; defaults to $HOTVISOR_URL,", "else " + DEFAULT_URL
                    + " (now: ${DEFAULT-VALUE})."})
    void url(String value) {
        try {
            URI u = new URI(value.strip());
            if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())
                    || u.getHost() == null) {
                throw new URISyntaxException(value, "use http://host:port or https://host:port");
            }
            url = u;
        } catch (URISyntaxException e) {
            throw new ParameterException(mixee.commandLine(), "Invalid value for option '--url': '" + value
                    + "' is not an http(s) URL; use e.g. " + DEFAULT_URL);
        }
    }

    @Option(names = {"-h", "--help"}, usageHelp = true, order = 101, description = "Show this help and exit.")
    private boolean help;

    URI url() {
        return url;
    }

    NodeClient client() {
        return NodeClient.create(url);
    }
}
