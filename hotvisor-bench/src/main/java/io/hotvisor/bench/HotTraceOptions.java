package io.hotvisor.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@link HotTraceBench} replays. A mode ({@code --quick} or {@code --full}, the default) sets every value;
 * options after it override single values.
 *
 * @param mode        quick or full
 * @param trace       the Azure 2019 trace directory ({@code --trace}; bench/hot-trace.sh passes
 *                    ../shared/traces/azure2019)
 * @param startMinute first minute of the window, 1-based ({@code --start})
 * @param minutes     the window's length in trace minutes ({@code --minutes})
 * @param functions   the busiest functions of the window replayed, each played by one bench function in turn
 *                    (word count and JSON transform in JavaScript, Python, Java), at most 6 ({@code --functions})
 * @param calls       the calls of the whole window after scaling each minute's counts ({@code --calls})
 * @param compression the window is replayed this many times faster ({@code --time-compression})
 * @param warmMax     before the replay each function takes at most this many invocations on each starting node,
 *                    fewer once the node answered {@link HotTraceBench#HOT_RUN} of them in a row hot
 *                    ({@code --warm-max})
 * @param mechanisms  the mechanisms of the "on" side ({@code --mechanisms}, as for bench/hot-start.sh); the "off"
 *                    side switches them all off
 * @param out         results directory ({@code --out})
 */
record HotTraceOptions(String mode, Path trace, int startMinute, int minutes, int functions, int calls,
                       double compression, int warmMax, List<HotStartMechanism> mechanisms, Path out) {

    static final String USAGE = "options: --quick | --full, --trace DIR, --start MINUTE, --minutes N, --functions N"
            + " (1-6), --calls N, --time-compression F, --warm-max N, --mechanisms warm-up,aot,routing, --out DIR";

    static HotTraceOptions preset(String mode) {
        Path trace = Path.of("..", "shared", "traces", "azure2019");
        Path out = Path.of("bench", "results");
        return switch (mode) {
            // 3 trace minutes in 90 s per side, 300 calls (about 15 minutes on 2 loaded cores, most of it starting
            // nodes and warming them).
            case "quick" -> new HotTraceOptions(mode, trace, 781, 3, 6, 300, 2, 30, HotStartMechanism.main(), out);
            // The paper's window start, 6 trace minutes in 4 minutes per side, 1200 calls (about 20 minutes). Warming
            // the starting nodes up to 300 calls a function: the JavaScript JSON transform takes about 60 to compile
            // there, so a warm-max of 60 (the default until 2026-11-25) left it 3-4x slow on node 2 for the replay.
            case "full" -> new HotTraceOptions(mode, trace, 781, 6, 6, 1200, 1.5, 300, HotStartMechanism.main(), out);
            default -> throw PresetArgs.unknownMode(mode);
        };
    }

    static HotTraceOptions parse(String... args) {
        HotTraceOptions o = preset("full");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick", "--full" -> o = preset(PresetArgs.mode(a, i));
                case "--trace" -> o = new HotTraceOptions(o.mode, Path.of(value(args, ++i, a)), o.startMinute,
                        o.minutes, o.functions, o.calls, o.compression, o.warmMax, o.mechanisms, o.out);
                case "--start" -> o = new HotTraceOptions(o.mode, o.trace, PresetArgs.whole(a, value(args, ++i, a), 1, 1440),
                        o.minutes, o.functions, o.calls, o.compression, o.warmMax, o.mechanisms, o.out);
                case "--minutes" -> o = new HotTraceOptions(o.mode, o.trace, o.startMinute,
                        PresetArgs.whole(a, value(args, ++i, a), 1, 1440), o.functions, o.calls, o.compression, o.warmMax,
                        o.mechanisms, o.out);
                case "--functions" -> o = new HotTraceOptions(o.mode, o.trace, o.startMinute, o.minutes,
                        PresetArgs.whole(a, value(args, ++i, a), 1, 6), o.calls, o.compression, o.warmMax, o.mechanisms, o.out);
                case "--calls" -> o = new HotTraceOptions(o.mode, o.trace, o.startMinute, o.minutes, o.functions,
                        PresetArgs.whole(a, value(args, ++i, a), 1, 1_000_000), o.compression, o.warmMax, o.mechanisms, o.out);
                case "--time-compression" -> {
                    String v = value(args, ++i, a);
                    double f;
                    try {
                        f = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        f = 0;
                    }
                    if (!(f >= 1)) {
                        throw new IllegalArgumentException(a + " must be a number of at least 1; got '" + v + "'");
                    }
                    o = new HotTraceOptions(o.mode, o.trace, o.startMinute, o.minutes, o.functions, o.calls, f,
                            o.warmMax, o.mechanisms, o.out);
                }
                case "--warm-max" -> o = new HotTraceOptions(o.mode, o.trace, o.startMinute, o.minutes, o.functions,
                        o.calls, o.compression, PresetArgs.whole(a, value(args, ++i, a), 1, 100_000), o.mechanisms, o.out);
                case "--mechanisms" -> o = new HotTraceOptions(o.mode, o.trace, o.startMinute, o.minutes, o.functions,
                        o.calls, o.compression, o.warmMax, PresetArgs.mechanisms(value(args, ++i, a)), o.out);
                case "--out" -> o = new HotTraceOptions(o.mode, o.trace, o.startMinute, o.minutes, o.functions,
                        o.calls, o.compression, o.warmMax, o.mechanisms, Path.of(value(args, ++i, a)));
                default -> throw new IllegalArgumentException("Unknown option '" + a + "'; " + USAGE);
            }
        }
        return o;
    }

    /** The replayed window's length after compression. */
    Duration window() {
        return Duration.ofMillis(Math.round(minutes * 60_000 / compression));
    }

    /** The existing trace replay's options for {@link TraceSchedule}: this window, busiest functions, a call scale. */
    TraceOptions schedule(double invocationScale) {
        return new TraceOptions("hot-trace", trace, 100, startMinute, minutes, functions, "busiest", 42,
                invocationScale, 1.0, 0, compression, "hotvisor", Duration.ofMinutes(10), 0, 0, out, false);
    }

    @Override
    public String toString() {
        return "--" + mode + " --trace " + trace + " --start " + startMinute + " --minutes " + minutes
                + " --functions " + functions + " --calls " + calls + " --time-compression " + compression
                + " --warm-max " + warmMax + " --mechanisms " + String.join(",", mechanisms.stream()
                .map(HotStartMechanism::name).toList()) + " --out " + out;
    }

    private static String value(String[] args, int i, String option) {
        return PresetArgs.value(args, i, option, USAGE);
    }
}
