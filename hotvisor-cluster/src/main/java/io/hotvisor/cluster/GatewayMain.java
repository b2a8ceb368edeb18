package io.hotvisor.cluster;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts a gateway: {@code bin/hotvisor gateway --redis redis://host:port [options]}. */
@Command(name = "hotvisor gateway", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Starts a Hotvisor gateway: the v1 API of a cluster of nodes sharing one Redis.")
public final class GatewayMain implements Callable<Integer> {

    @Option(names = "--redis", required = true, description = "The cluster's Redis, redis://host:port.")
    String redis;

    @Option(names = "--cluster", description = "The cluster's name, the prefix of its Redis keys (default: ${DEFAULT-VALUE}).")
    String cluster = "hotvisor";

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = 8090;

    @Option(names = "--warmth-routing", paramLabel = "on|off", converter = OptionValues.OnOff.class,
            defaultValue = "on", description = "Prefer nodes where a function is hot and move load onto a node that is"
            + " not hot gradually; off: rendezvous hashing only (default: ${DEFAULT-VALUE}).")
    OptionValues.Switch warmthRouting;

    @Option(names = "--warmth-ramp", paramLabel = "N", description = "With warmth routing, invocations a node that is"
            + " not hot serves before it gets a full share (default: ${DEFAULT-VALUE}).")
    int warmthRamp = Placement.DEFAULT_RAMP;

    @Option(names = "--port-file", description = "Write the port to this file once ready.")
    Path portFile;

    @Override
    public Integer call() throws Exception {
        Gateway g;
        try {
            g = Gateway.start(GatewayConfig.create(host, port, URI.create(redis), cluster,
                    System.getenv().getOrDefault("HOTVISOR_ADMIN_KEY", ""))
                    .withWarmthRouting(warmthRouting.on(), warmthRamp));
        } catch (ClusterException | IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("hotvisor gateway: " + e.getMessage());
            return 2;
        }
        if (portFile != null) {
            Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(g.port()), StandardCharsets.UTF_8);
            Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("Hotvisor gateway ready on http://" + host + ":" + g.port() + " (cluster '" + cluster
                + "', Redis " + redis + ", routing: " + (warmthRouting.on() ? "warmth" : "hash") + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            g.close();
            stopped.countDown();
        }, "hv-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatewayMain()).execute(args));
    }
}
