package io.hotvisor.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One hot-start mechanism of issue 6 as the hot-start benchmark switches it: the options the joining node (and the
 * gateway) get with it on and with it off, and the languages it can act on. The fleet's nodes always run with every
 * mechanism on (the fleet holds the knowledge); a configuration decides what the joining node and the gateway use.
 * Adding a mechanism is one entry in {@link #KNOWN}, e.g. warmth-aware routing as gateway options.
 *
 * @param name        the name in options and results, e.g. {@code warm-up}
 * @param nodeOn      the joining node's options with the mechanism on
 * @param nodeOff     the joining node's options with it off
 * @param gatewayOn   the gateway's options with it on
 * @param gatewayOff  the gateway's options with it off
 * @param languages   the languages ({@code js}, {@code python}, {@code java}) it acts on; the others run as without it
 */
record HotStartMechanism(String name, List<String> nodeOn, List<String> nodeOff, List<String> gatewayOn,
                         List<String> gatewayOff, Set<String> languages) {

    /** The mechanisms in main, in the order of the results. */
    static final List<HotStartMechanism> KNOWN = List.of(
            // Declared warmupInputs replayed at load (node default: 200 replays at most; 0 turns replays off).
            new HotStartMechanism("warm-up", List.of("--warm-up-replays", "200"), List.of("--warm-up-replays", "0"),
                    List.of(), List.of(), Set.of("js", "python")),
            // Java worker AOT caches fetched from the fleet; off: the node trains its own, as before sharing.
            new HotStartMechanism("aot", List.of("--aot-share", "on"), List.of("--aot-share", "off"),
                    List.of(), List.of(), Set.of("java")));

    /** The mechanism called {@code name}; the error names the known ones. */
    static HotStartMechanism named(String name) {
        return KNOWN.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("Unknown mechanism '" + name + "'; known: "
                        + KNOWN.stream().map(HotStartMechanism::name).toList()));
    }

    /**
     * What runs on the joining node and the gateway: the mechanisms switched on, every other known one off.
     *
     * @param name the configuration's name: {@code none}, a mechanism's name, or {@code all}
     * @param on   the mechanisms switched on
     */
    record Configuration(String name, List<HotStartMechanism> on) {

        /** {@code none}, {@code all}, or a mechanism alone by its name. */
        static Configuration named(String name) {
            return switch (name) {
                case "none" -> new Configuration(name, List.of());
                case "all" -> new Configuration(name, KNOWN);
                default -> new Configuration(name, List.of(HotStartMechanism.named(name)));
            };
        }

        /** none, each known mechanism alone, all: the benchmark's default. */
        static List<Configuration> standard() {
            List<Configuration> all = new ArrayList<>();
            all.add(named("none"));
            KNOWN.forEach(m -> all.add(named(m.name())));
            all.add(named("all"));
            return all;
        }

        List<String> nodeOptions() {
            List<String> options = new ArrayList<>();
            KNOWN.forEach(m -> options.addAll(on.contains(m) ? m.nodeOn() : m.nodeOff()));
            return options;
        }

        List<String> gatewayOptions() {
            List<String> options = new ArrayList<>();
            KNOWN.forEach(m -> options.addAll(on.contains(m) ? m.gatewayOn() : m.gatewayOff()));
            return options;
        }

        /** The mechanisms switched on that act on {@code language}: what the configuration changes for it. */
        List<String> actingOn(String language) {
            return on.stream().filter(m -> m.languages().contains(language)).map(HotStartMechanism::name).toList();
        }

        /** Every mechanism switched on by name, for the results. */
        Map<String, Boolean> switches() {
            Map<String, Boolean> m = new LinkedHashMap<>();
            KNOWN.forEach(k -> m.put(k.name(), on.contains(k)));
            return m;
        }
    }
}
