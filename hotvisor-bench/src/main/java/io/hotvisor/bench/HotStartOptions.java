package io.hotvisor.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link HotStartBench} measures. A mode ({@code --quick} or {@code --full}, the default) sets every value;
 * options after it override single values.
 *
 * @param mode           quick or full
 * @param invocations    the joining node's first invocations measured per function ({@code --invocations})
 * @param steady         invocations on node 1 whose median is the steady state, before each configuration
 *                       ({@code --steady})
 * @param warmMin        node 1 takes at least this many invocations of each function before anything is measured
 *                       ({@code --warm-min}) ...
 * @param warmMax        ... and at most this many while its own warmth says warming or cold ({@code --warm-max})
 * @param languages      js, python, java ({@code --languages})
 * @param functions      word-count, json-transform ({@code --functions})
 * @param mechanisms     the mechanisms of the run ({@code --mechanisms}; defaults to those whose flags exist in this
 *                       build, {@link HotStartMechanism#main()}): the fleet runs with all of them on, and each
 *                       configuration switches the others off
 * @param configurations none, none-gateway, a mechanism's name, all ({@code --configs}; defaults to
 *                       {@link HotStartMechanism.Configuration#standard})
 * @param out            results directory ({@code --out}, defaults to bench/results)
 */
record HotStartOptions(String mode, int invocations, int steady, int warmMin, int warmMax, List<String> languages,
                       List<String> functions, List<HotStartMechanism> mechanisms,
                       List<HotStartMechanism.Configuration> configurations, Path out) {

    static final List<String> LANGUAGES = List.of("js", "python", "java");
    static final List<String> FUNCTIONS = List.of("word-count", "json-transform");
    static final String USAGE = "options: --quick | --full, --invocations N, --steady N, --warm-min N, --warm-max N,"
            + " --languages js,python,java, --functions word-count,json-transform, --mechanisms warm-up,aot,routing"
            + " (known: " + String.join(",", HotStartMechanism.KNOWN.stream().map(HotStartMechanism::name).toList())
            + "), --configs none,none-gateway,<mechanism>,...,all, --out DIR";

    static HotStartOptions preset(String mode) {
        List<HotStartMechanism> mechanisms = HotStartMechanism.main();
        List<HotStartMechanism.Configuration> configs = HotStartMechanism.Configuration.standard(mechanisms);
        Path out = Path.of("bench", "results");
        return switch (mode) {
            // A few minutes on 2 cores: the first 30 invocations, every language, both functions.
            case "quick" -> new HotStartOptions(mode, 30, 20, 60, 400, LANGUAGES, FUNCTIONS, mechanisms, configs,
                    out);
            // Issue 6's figure: the first 200 invocations. Node 1 takes at least 400 calls of each function: after
            // 100 its own warmth said hot (alone, its reference is its own settled curve), yet its steady state was
            // 1.4-5.5x (wall) what it was after 400 (notes-warm-up-compile-drain.md), and that inflated best became the
            // target of node 4's replays. At most 600: GraalPy's JSON transform costs 30-70 ms per call.
            case "full" -> new HotStartOptions(mode, 200, 30, 400, 600, LANGUAGES, FUNCTIONS, mechanisms, configs,
                    out);
            default -> throw PresetArgs.unknownMode(mode);
        };
    }

    static HotStartOptions parse(String... args) {
        HotStartOptions o = preset("full");
        String configs = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick", "--full" -> o = preset(PresetArgs.mode(a, i));
                case "--invocations" -> o = o.with(PresetArgs.positive(a, value(args, ++i, a)), o.steady, o.warmMin, o.warmMax);
                case "--steady" -> o = o.with(o.invocations, PresetArgs.positive(a, value(args, ++i, a)), o.warmMin, o.warmMax);
                case "--warm-min" -> o = o.with(o.invocations, o.steady, PresetArgs.positive(a, value(args, ++i, a)), o.warmMax);
                case "--warm-max" -> o = o.with(o.invocations, o.steady, o.warmMin, PresetArgs.positive(a, value(args, ++i, a)));
                case "--languages" -> o = new HotStartOptions(o.mode, o.invocations, o.steady, o.warmMin, o.warmMax,
                        list(a, value(args, ++i, a), LANGUAGES), o.functions, o.mechanisms, o.configurations, o.out);
                case "--functions" -> o = new HotStartOptions(o.mode, o.invocations, o.steady, o.warmMin, o.warmMax,
                        o.languages, list(a, value(args, ++i, a), FUNCTIONS), o.mechanisms, o.configurations, o.out);
                case "--mechanisms" -> {
                    List<HotStartMechanism> mechanisms = PresetArgs.mechanisms(value(args, ++i, a));
                    // The configurations follow the mechanisms unless --configs names them (after this option).
                    o = new HotStartOptions(o.mode, o.invocations, o.steady, o.warmMin, o.warmMax, o.languages,
                            o.functions, mechanisms, HotStartMechanism.Configuration.standard(mechanisms), o.out);
                }
                case "--configs" -> configs = value(args, ++i, a);
                case "--out" -> o = new HotStartOptions(o.mode, o.invocations, o.steady, o.warmMin, o.warmMax,
                        o.languages, o.functions, o.mechanisms, o.configurations, Path.of(value(args, ++i, a)));
                default -> throw new IllegalArgumentException("Unknown option '" + a + "'; " + USAGE);
            }
        }
        if (configs != null) {
            // Named against the run's mechanisms, whichever of --mechanisms and --configs came first.
            List<HotStartMechanism.Configuration> named = new ArrayList<>();
            for (String c : configs.split(",")) {
                HotStartMechanism.Configuration each = HotStartMechanism.Configuration.named(c.trim(), o.mechanisms);
                if (named.stream().anyMatch(n -> n.name().equals(each.name()))) {
                    // Each configuration is a row per function, a line in the chart and a node 4 of its own name.
                    throw new IllegalArgumentException("--configs names '" + each.name() + "' twice: " + configs);
                }
                named.add(each);
            }
            o = new HotStartOptions(o.mode, o.invocations, o.steady, o.warmMin, o.warmMax, o.languages, o.functions,
                    o.mechanisms, List.copyOf(named), o.out);
        }
        if (o.warmMin > o.warmMax) {
            throw new IllegalArgumentException("--warm-min (" + o.warmMin + ") is above --warm-max (" + o.warmMax
                    + ")");
        }
        return o;
    }

    /** The values as options, for the console and the results. */
    @Override
    public String toString() {
        return "--" + mode + " --invocations " + invocations + " --steady " + steady + " --warm-min " + warmMin
                + " --warm-max " + warmMax + " --languages " + String.join(",", languages) + " --functions "
                + String.join(",", functions) + " --mechanisms " + String.join(",", mechanisms.stream()
                .map(HotStartMechanism::name).toList()) + " --configs " + String.join(",", configurations.stream()
                .map(HotStartMechanism.Configuration::name).toList()) + " --out " + out;
    }

    private HotStartOptions with(int invocations, int steady, int warmMin, int warmMax) {
        return new HotStartOptions(mode, invocations, steady, warmMin, warmMax, languages, functions, mechanisms,
                configurations, out);
    }

    private static String value(String[] args, int i, String option) {
        return PresetArgs.value(args, i, option, USAGE);
    }

    private static List<String> list(String option, String value, List<String> known) {
        List<String> out = new ArrayList<>();
        for (String v : value.toLowerCase(Locale.ROOT).split(",")) {
            String t = v.trim();
            if (!known.contains(t)) {
                throw new IllegalArgumentException("Unknown value '" + t + "' for " + option + "; known: " + known);
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }
}
