package io.hotvisor.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@link TraceBench} replays and against which side. A mode ({@code --mode smoke|quick|full}) sets every option;
 * options after it override single values. Every value is printed at the start and written into the results.
 *
 * @param mode             smoke, quick or full (the preset the other values came from)
 * @param trace            the trace directory ({@code --trace}, required)
 * @param sampleSize       which sample: {@code N_inv.csv} etc. ({@code --sample}, 100 or 1000)
 * @param startMinute      first minute of the window, 1-based as the files' minute_N columns ({@code --start})
 * @param minutes          length of the window in minutes ({@code --minutes})
 * @param functions        how many of the functions invoked in the window to replay, 0 = all ({@code --functions})
 * @param pick             which ones when fewer than all: {@code busiest} or {@code random} ({@code --pick})
 * @param seed             seed of the function sample and of the send times ({@code --seed})
 * @param invocationScale  factor on each minute's invocation count ({@code --invocation-scale})
 * @param memoryScale      factor on each function's memory share ({@code --memory-scale})
 * @param maxDurationMs    cap on a function's run time, ms, 0 = none ({@code --max-duration-ms})
 * @param timeCompression  the window is replayed this many times faster, durations too ({@code --time-compression})
 * @param side             hotvisor, baseline or both ({@code --side})
 * @param keepAlive        idle keep-alive of both sides ({@code --keep-alive}, OpenWhisk's 10 min)
 * @param nodeHeapMb       the Hotvisor node's -Xmx, 0 = sized from the projected live memory ({@code --node-heap-mb})
 * @param out              results directory ({@code --out}, defaults to bench/results)
 * @param baselineMaxInstances the baseline's instance limit, 0 = twice the projected minimum, at least 8
 *                         ({@code --baseline-max-instances}; unlimited melts a 2-core machine down: slow JVM starts
 *                         make calls wait, waiting calls start more JVMs)
 * @param dryRun           print the window, scale and projection, then stop ({@code --dry-run}, no value)
 */
record TraceOptions(String mode, Path trace, int sampleSize, int startMinute, int minutes, int functions, String pick,
                    long seed, double invocationScale, double memoryScale, long maxDurationMs, double timeCompression,
                    String side, Duration keepAlive, int nodeHeapMb, int baselineMaxInstances, Path out,
                    boolean dryRun) {

    static final String USAGE = "options: --mode smoke|quick|full, --trace DIR, --sample 100|1000, --start MINUTE,"
            + " --minutes N, --functions N (0 = all), --pick busiest|random, --seed N, --invocation-scale F,"
            + " --memory-scale F, --max-duration-ms MS (0 = none), --time-compression F,"
            + " --side hotvisor|baseline|both, --keep-alive 10m, --node-heap-mb MB (0 = sized),"
            + " --baseline-max-instances N (0 = sized), --out DIR, --dry-run";

    /** The paper's window: day 4 of the trace is not in these one-day samples, so its minutes 781-785 of the day. */
    static TraceOptions preset(String mode, Path trace) {
        Path out = Path.of("bench", "results");
        Duration tenMinutes = Duration.ofMinutes(10);
        return switch (mode) {
            // Seconds: the 2 busiest functions of one minute, 1 call in 20 (13 calls), replayed 6x faster (10 s).
            case "smoke" -> new TraceOptions(mode, trace, 100, 781, 1, 2, "busiest", 42, 0.05, 1.0 / 64, 2_000, 6,
                    "both", tenMinutes, 0, 0, out, false);
            // A few minutes: the 6 busiest functions of minute 781, a quarter of their calls (96), in real time; at
            // most 28 baseline JVMs (all 25 functions need 58, which on 2 shared cores answered nothing in time).
            case "quick" -> new TraceOptions(mode, trace, 100, 781, 1, 6, "busiest", 42, 0.25, 1.0 / 32, 30_000, 1,
                    "both", tenMinutes, 0, 0, out, false);
            // The paper's 5-minute window of the 100-function sample, every function, half the calls, memory at 1/64:
            // at full scale and 1/32 the baseline would need about 19 GB (177 JVMs) on this 24 GB shared machine.
            case "full" -> new TraceOptions(mode, trace, 100, 781, 5, 0, "busiest", 42, 0.5, 1.0 / 64, 120_000, 1,
                    "both", tenMinutes, 0, 0, out, false);
            default -> throw new TraceException("Unknown mode '" + mode + "'; known: smoke, quick, full");
        };
    }

    static TraceOptions parse(String... args) {
        String mode = "quick";
        Path trace = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--mode")) {
                mode = value(args, i + 1, args[i]);
            } else if (args[i].equals("--trace")) {
                trace = Path.of(value(args, i + 1, args[i]));
            }
        }
        if (trace == null) {
            throw new TraceException("Missing --trace DIR (the Azure 2019 samples, e.g. ../shared/traces/azure2019); "
                    + USAGE);
        }
        TraceOptions o = preset(mode, trace);
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--dry-run")) {
                o = o.with(m -> m.put("dryRun", true));
                continue;
            }
            if (!option.startsWith("--")) {
                throw new TraceException("Unexpected argument '" + option + "'; " + USAGE);
            }
            TraceOptions current = o;
            // What the option sets, given its value: an unknown option is refused before its value is looked for.
            Function<String, TraceOptions> set = switch (option) {
                case "--mode", "--trace" -> v -> current;
                case "--sample" -> v -> current.with(m -> m.put("sampleSize", integer(option, v, 1)));
                case "--start" -> v -> current.with(m -> m.put("startMinute", integer(option, v, 1)));
                case "--minutes" -> v -> current.with(m -> m.put("minutes", integer(option, v, 1)));
                case "--functions" -> v -> current.with(m -> m.put("functions", integer(option, v, 0)));
                case "--pick" -> v -> current.with(m -> m.put("pick", oneOf(option, v, "busiest", "random")));
                case "--seed" -> v -> current.with(m -> m.put("seed", (long) integer(option, v, 0)));
                case "--invocation-scale" -> v -> current.with(m -> m.put("invocationScale", positive(option, v)));
                case "--memory-scale" -> v -> current.with(m -> m.put("memoryScale", positive(option, v)));
                case "--max-duration-ms" -> v -> current.with(m -> m.put("maxDurationMs",
                        (long) integer(option, v, 0)));
                case "--time-compression" -> v -> current.with(m -> m.put("timeCompression", positive(option, v)));
                case "--side" -> v -> current.with(m -> m.put("side", oneOf(option, v, "hotvisor", "baseline",
                        "both")));
                case "--keep-alive" -> v -> current.with(m -> m.put("keepAlive", duration(option, v)));
                case "--node-heap-mb" -> v -> current.with(m -> m.put("nodeHeapMb", integer(option, v, 0)));
                case "--baseline-max-instances" -> v -> current.with(m -> m.put("baselineMaxInstances",
                        integer(option, v, 0)));
                case "--out" -> v -> current.with(m -> m.put("out", Path.of(v)));
                default -> throw new TraceException("Unknown option '" + option + "'; " + USAGE);
            };
            o = set.apply(value(args, ++i, option));
        }
        return o;
    }

    boolean runs(String aSide) {
        return side.equals("both") || side.equals(aSide);
    }

    /** The options as a map, for printing and for the results' header. */
    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode);
        m.put("trace", trace.toString());
        m.put("sampleSize", sampleSize);
        m.put("startMinute", startMinute);
        m.put("minutes", minutes);
        m.put("functions", functions);
        m.put("pick", pick);
        m.put("seed", seed);
        m.put("invocationScale", invocationScale);
        m.put("memoryScale", memoryScale);
        m.put("maxDurationMs", maxDurationMs);
        m.put("timeCompression", timeCompression);
        m.put("side", side);
        m.put("keepAlive", keepAlive.toString());
        m.put("nodeHeapMb", nodeHeapMb);
        m.put("baselineMaxInstances", baselineMaxInstances);
        m.put("out", out.toString());
        m.put("dryRun", dryRun);
        return m;
    }

    private TraceOptions with(java.util.function.Consumer<Map<String, Object>> change) {
        Map<String, Object> m = asMap();
        m.put("trace", trace);
        m.put("keepAlive", keepAlive);
        m.put("out", out);
        change.accept(m);
        return new TraceOptions((String) m.get("mode"), (Path) m.get("trace"), (int) m.get("sampleSize"),
                (int) m.get("startMinute"), (int) m.get("minutes"), (int) m.get("functions"), (String) m.get("pick"),
                (long) m.get("seed"), (double) m.get("invocationScale"), (double) m.get("memoryScale"),
                (long) m.get("maxDurationMs"), (double) m.get("timeCompression"), (String) m.get("side"),
                (Duration) m.get("keepAlive"), (int) m.get("nodeHeapMb"), (int) m.get("baselineMaxInstances"), (Path) m.get("out"),
                (boolean) m.get("dryRun"));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new TraceException("Option " + option + " needs a value; " + USAGE);
        }
        return args[i];
    }

    private static int integer(String option, String v, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TraceException("Option " + option + " must be an integer >= " + min + "; got '" + v + "'");
    }

    private static double positive(String option, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TraceException("Option " + option + " must be a number > 0; got '" + v + "'");
    }

    private static String oneOf(String option, String v, String... allowed) {
        for (String a : allowed) {
            if (a.equals(v.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new TraceException("Option " + option + " must be one of " + String.join(", ", allowed) + "; got '"
                + v + "'");
    }

    /** ISO-8601 ({@code PT10M}) or a number with s, m or h ({@code 10m}). */
    static Duration duration(String option, String v) {
        try {
            String s = v.trim().toLowerCase(Locale.ROOT);
            if (s.startsWith("pt")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new TraceException("Option " + option + " must be a duration like 10m, 30s or PT10M; got '" + v + "'");
        }
    }
}
