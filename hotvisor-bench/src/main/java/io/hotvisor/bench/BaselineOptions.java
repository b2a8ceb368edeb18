package io.hotvisor.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Options of {@link BaselineServer}, as given on its command line ({@code bench/baseline.sh --help}).
 *
 * @param port           TCP port on 127.0.0.1; 0 (the default) picks a free one
 * @param portFile       written with the port once the server listens; none by default
 * @param keepAlive      how long an idle instance is kept before it is killed; defaults to 10 minutes (OpenWhisk's)
 * @param memoryCapMb    memory cap of an instance whose function does not set {@code memoryMb}; defaults to 256
 * @param maxInstances   instances alive at once over all functions; unlimited by default
 * @param workDir        where function code, runner scripts and instance logs go; a temporary directory by default
 * @param aot            Java instances start from a JDK 25 AOT cache made once per jar; off by default
 */
record BaselineOptions(int port, Optional<Path> portFile, Duration keepAlive, int memoryCapMb,
                       OptionalInt maxInstances, Optional<Path> workDir, boolean aot) {

    static final String USAGE = """
            Usage: bench/baseline.sh [--port P] [--port-file F] [--keep-alive 10m] [--memory-cap-mb 256]
                                     [--max-instances N] [--work-dir D] [--aot]
            One process per function instance (Node.js, CPython, HotSpot), OpenWhisk style; same HTTP API as a node.""";

    static BaselineOptions parse(String... args) {
        int port = 0;
        Path portFile = null;
        Duration keepAlive = Duration.ofMinutes(10);
        int memoryCapMb = 256;
        Integer maxInstances = null;
        Path workDir = null;
        boolean aot = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> port = integer(a, value(args, ++i, a), 0, 65535);
                case "--port-file" -> portFile = Path.of(value(args, ++i, a));
                case "--keep-alive" -> keepAlive = duration(value(args, ++i, a));
                case "--memory-cap-mb" -> memoryCapMb = integer(a, value(args, ++i, a), 16, 1 << 20);
                case "--max-instances" -> maxInstances = integer(a, value(args, ++i, a), 1, Integer.MAX_VALUE);
                case "--work-dir" -> workDir = Path.of(value(args, ++i, a));
                case "--aot" -> aot = true;
                default -> throw new IllegalArgumentException("Unknown option '" + a + "'\n" + USAGE);
            }
        }
        return new BaselineOptions(port, Optional.ofNullable(portFile), keepAlive, memoryCapMb,
                maxInstances == null ? OptionalInt.empty() : OptionalInt.of(maxInstances), Optional.ofNullable(workDir),
                aot);
    }

    /** ISO-8601 ({@code PT10M}) or a number with a unit: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}. */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt") || t.startsWith("p")) {
                return nonNegative(text, Duration.parse(t.toUpperCase(Locale.ROOT)));
            }
            if (t.endsWith("ms")) {
                return nonNegative(text, Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return nonNegative(text, switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException("Bad duration '" + text + "'");
            });
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("Bad duration '" + text + "': use ISO-8601 (PT10M) or 500ms, 30s, 10m, 1h");
        }
    }

    private static Duration nonNegative(String text, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("Bad duration '" + text + "': negative");
        }
        return d;
    }

    private static int integer(String option, String text, int min, int max) {
        try {
            int v = Integer.parseInt(text.trim());
            if (v < min || v > max) {
                throw new IllegalArgumentException("Option " + option + " is " + v + "; allowed: " + min + ".." + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Option " + option + " needs a whole number, got '" + text + "'");
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("Option " + option + " needs a value\n" + USAGE);
        }
        return args[i];
    }
}
