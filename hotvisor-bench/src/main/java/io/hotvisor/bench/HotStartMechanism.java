package io.hotvisor.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One hot-start mechanism of issue 6 as the hot-start benchmark switches it: the options the joining node and the
 * gateway get with it on and with it off, the fields the functions are deployed with when it is on, whether it needs
 * the traffic to go through a gateway, and the languages it can act on. The fleet's nodes always run with every
 * mechanism of the run on (the fleet holds the knowledge); a configuration decides what the joining node, the gateway
 * and the functions use.
 *
 * <p><b>Adding a mechanism is one entry in {@link #KNOWN}.</b> Its off options are passed only to runs that name it
 * ({@code --mechanisms}), so an entry may name flags a node of this build does not know yet ({@code inMain} false):
 * such a run fails on that configuration and says so in the results.
 *
 * @param name       the name in options and results, e.g. {@code warm-up}
 * @param nodeOn     the joining node's options with the mechanism on (the fleet's nodes get them too)
 * @param nodeOff    the joining node's options with it off
 * @param gatewayOn  the gateway's options with it on
 * @param gatewayOff the gateway's options with it off
 * @param deployOn   fields merged into every function's {@code PUT} body with it on; a JSON {@code null} removes a
 *                   field (e.g. the declared {@code warmupInputs}, to measure sampled inputs alone)
 * @param gateway    the traffic goes through a gateway when it is on (all invocations are measured as clients see
 *                   them, with node 4's share)
 * @param languages  the languages ({@code js}, {@code python}, {@code java}) it acts on; the others run as without it
 * @param inAll      part of the {@code all} configuration (false for a variant of another mechanism)
 * @param inMain     its flags exist in this build: part of the default {@code --mechanisms}
 */
record HotStartMechanism(String name, List<String> nodeOn, List<String> nodeOff, List<String> gatewayOn,
                         List<String> gatewayOff, Map<String, Object> deployOn, boolean gateway, Set<String> languages,
                         boolean inAll, boolean inMain) {

    private static final Set<String> TRUFFLE = Set.of("js", "python");
    private static final Set<String> EVERY = Set.of("js", "python", "java");
    /** Variants of another mechanism: not part of {@code all}. */
    private static final Set<String> VARIANTS = Set.of("warm-up-alongside", "warm-up-no-recheck",
            "warm-up-no-quiet");

    /** Every mechanism the benchmark knows, in the order of the results. */
    static final List<HotStartMechanism> KNOWN = List.of(
            // Declared warmupInputs replayed at load, before traffic (node default: 200 replays at most; 0: off).
            // Java in process isolation replays inside the worker JVM that serves.
            node("warm-up", List.of("--warm-up-replays", "200"), List.of("--warm-up-replays", "0"), EVERY, true),
            // Java worker AOT caches fetched from the fleet; off: the node trains its own, as before sharing.
            node("aot", List.of("--aot-share", "on"), List.of("--aot-share", "off"), Set.of("java"), true),
            // Warmth-aware routing in the gateway: the joining node gets load gradually while the others are hot.
            new HotStartMechanism("routing", List.of(), List.of(), List.of("--warmth-routing", "on"),
                    List.of("--warmth-routing", "off"), Map.of(), true, EVERY, true, true),
            // the replays alongside the first traffic instead of before it (a variant of warm-up, so not in all)
            node("warm-up-alongside", List.of("--warm-up-replays", "200", "--warm-up-policy", "alongside"),
                    List.of("--warm-up-replays", "0"), EVERY, true),
            // the replays without the re-check a starting node runs once all its functions are warm, before it is
            // ready (a variant of warm-up, so not in all)
            node("warm-up-no-recheck", List.of("--warm-up-replays", "200", "--warm-up-recheck", "off"),
                    List.of("--warm-up-replays", "0"), EVERY, true),
            // the replays without the wait for quiet compilers before ready (a variant of warm-up, so not in all)
            node("warm-up-no-quiet", List.of("--warm-up-replays", "200", "--warm-up-quiet", "0s"),
                    List.of("--warm-up-replays", "0"), EVERY, true),
            // a bounded sample of real inputs instead of the declared ones (the function opts in)
            new HotStartMechanism("sampled", List.of("--warm-up-replays", "200"), List.of("--warm-up-replays", "0"),
                    List.of(), List.of(), sampled(), false, EVERY, true, true),
            // lower Truffle compilation thresholds for functions hot in the fleet
            node("eager-compile", List.of("--eager-compile", "on"), List.of("--eager-compile", "off"), TRUFFLE,
                    true),
            // CRIU snapshots of hot Java workers, the fleet's restored on the joining node (shared apart from AOT
            // caches: until 2026-11-24 --aot-share carried both, and "criu" alone never restored the fleet's)
            node("criu", List.of("--criu", "on", "--snapshot-share", "on"),
                    List.of("--criu", "off", "--snapshot-share", "off"), Set.of("java"), true));

    private static HotStartMechanism node(String name, List<String> on, List<String> off, Set<String> languages,
                                          boolean inMain) {
        return new HotStartMechanism(name, on, off, List.of(), List.of(), Map.of(), false, languages,
                !VARIANTS.contains(name), inMain);
    }

    private static Map<String, Object> sampled() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("warmupSampling", true);
        fields.put("warmupInputs", null); // sampled inputs alone
        return fields;
    }

    /** The mechanisms whose flags exist in this build: the default of {@code --mechanisms}. */
    static List<HotStartMechanism> main() {
        return KNOWN.stream().filter(HotStartMechanism::inMain).toList();
    }

    /** The mechanism called {@code name}; the error names the known ones. */
    static HotStartMechanism named(String name) {
        return KNOWN.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("Unknown mechanism '" + name + "'; known: "
                        + KNOWN.stream().map(HotStartMechanism::name).toList()));
    }

    /**
     * What runs on the joining node, the gateway and the functions: the mechanisms switched on, every other
     * mechanism of the run off.
     *
     * @param name       {@code none}, {@code none-gateway}, a mechanism's name, or {@code all}
     * @param mechanisms the run's mechanisms ({@code --mechanisms})
     * @param on         the mechanisms switched on
     * @param gateway    the traffic goes through a gateway
     */
    record Configuration(String name, List<HotStartMechanism> mechanisms, List<HotStartMechanism> on,
                         boolean gateway) {

        /**
         * {@code none} (straight to node 4), {@code none-gateway} (through a gateway, every mechanism off), a mechanism
         * alone by its name, or {@code all} (every mechanism of the run that is part of all).
         */
        static Configuration named(String name, List<HotStartMechanism> mechanisms) {
            return switch (name) {
                case "none" -> new Configuration(name, mechanisms, List.of(), false);
                case "none-gateway" -> new Configuration(name, mechanisms, List.of(), true);
                case "all" -> {
                    List<HotStartMechanism> all = mechanisms.stream().filter(HotStartMechanism::inAll).toList();
                    yield new Configuration(name, mechanisms, all, all.stream().anyMatch(HotStartMechanism::gateway));
                }
                default -> {
                    HotStartMechanism m = HotStartMechanism.named(name);
                    if (!mechanisms.contains(m)) {
                        throw new IllegalArgumentException("Configuration '" + name + "' is not a mechanism of this"
                                + " run; the run's mechanisms: " + mechanisms.stream().map(HotStartMechanism::name)
                                .toList() + " (--mechanisms)");
                    }
                    yield new Configuration(name, mechanisms, List.of(m), m.gateway());
                }
            };
        }

        /** none, each mechanism alone, all, and none-gateway when a mechanism needs a gateway: the default. */
        static List<Configuration> standard(List<HotStartMechanism> mechanisms) {
            List<Configuration> all = new ArrayList<>();
            all.add(named("none", mechanisms));
            if (mechanisms.stream().anyMatch(HotStartMechanism::gateway)) {
                all.add(named("none-gateway", mechanisms));
            }
            mechanisms.forEach(m -> all.add(named(m.name(), mechanisms)));
            all.add(named("all", mechanisms));
            return all;
        }

        List<String> nodeOptions() {
            List<String> options = new ArrayList<>();
            mechanisms.forEach(m -> options.addAll(on.contains(m) ? m.nodeOn() : m.nodeOff()));
            return dropRepeated(options);
        }

        List<String> gatewayOptions() {
            List<String> options = new ArrayList<>();
            mechanisms.forEach(m -> options.addAll(on.contains(m) ? m.gatewayOn() : m.gatewayOff()));
            return dropRepeated(options);
        }

        /** The fields merged into each function's PUT body; empty: the functions as the fleet has them. */
        Map<String, Object> deployFields() {
            Map<String, Object> fields = new LinkedHashMap<>();
            on.forEach(m -> fields.putAll(m.deployOn()));
            return fields;
        }

        /** The mechanisms switched on that act on {@code language}: what the configuration changes for it. */
        List<String> actingOn(String language) {
            return on.stream().filter(m -> m.languages().contains(language)).map(HotStartMechanism::name).toList();
        }

        /** Every mechanism of the run by name, switched on or not, for the results. */
        Map<String, Boolean> switches() {
            Map<String, Boolean> m = new LinkedHashMap<>();
            mechanisms.forEach(k -> m.put(k.name(), on.contains(k)));
            return m;
        }

        /**
         * Options as pairs {@code --flag value}: when two mechanisms set the same flag (warm-up and sampled both set
         * {@code --warm-up-replays}), an "on" value wins over "0"/"off", else the first stays.
         */
        private static List<String> dropRepeated(List<String> options) {
            Map<String, String> byFlag = new LinkedHashMap<>();
            for (int i = 0; i + 1 < options.size(); i += 2) {
                String flag = options.get(i);
                String value = options.get(i + 1);
                String seen = byFlag.get(flag);
                if (seen == null || (seen.equals("0") || seen.equals("off")) && !value.equals("0")
                        && !value.equals("off")) {
                    byFlag.put(flag, value);
                }
            }
            List<String> out = new ArrayList<>();
            byFlag.forEach((f, v) -> {
                out.add(f);
                out.add(v);
            });
            return out;
        }
    }
}
