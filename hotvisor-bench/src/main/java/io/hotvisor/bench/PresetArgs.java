package io.hotvisor.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The option parsing {@link HotStartOptions}, {@link HotTraceOptions} and {@link EagerCompileBench} share: a mode
 * ({@code --quick} or {@code --full}) that must come first because it sets every value, option values, whole numbers
 * in a range and the {@code --mechanisms} list. Each message names the option and the value it refused; the bench
 * mains turn it into exit code 2 with {@link #orExit}.
 */
final class PresetArgs {

    private PresetArgs() {
    }

    /** {@code quick} or {@code full} for the mode option {@code option} found at {@code args[i]}. */
    static String mode(String option, int i) {
        if (i != 0) {
            throw new IllegalArgumentException(option + " must come first: it sets every other value");
        }
        return option.substring(2);
    }

    /**
     * What {@code parse} returns, or, when it refuses the command line, the end of the JVM with exit code 2 and the
     * refusal (which names the option) on stderr after {@code program}: a bench main's options, with no stack trace.
     */
    static <T> T orExit(String program, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            System.err.println(program + ": " + e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    static IllegalArgumentException unknownMode(String mode) {
        return new IllegalArgumentException("Unknown mode '" + mode + "'; known: quick, full");
    }

    /** {@code args[i]}, the value of {@code option}; {@code usage} lists the options when it is missing. */
    static String value(String[] args, int i, String option, String usage) {
        if (i >= args.length) {
            throw new IllegalArgumentException("Option " + option + " needs a value; " + usage);
        }
        return args[i];
    }

    static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below names the value
        }
        throw new IllegalArgumentException(option + " must be a positive whole number; got '" + value + "'");
    }

    static int whole(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below names the value
        }
        throw new IllegalArgumentException(option + " must be a whole number from " + min + " to " + max + "; got '"
                + value + "'");
    }

    /** {@code warm-up,aot,routing}: the mechanisms named, in order, each once. */
    static List<HotStartMechanism> mechanisms(String value) {
        List<HotStartMechanism> mechanisms = new ArrayList<>();
        for (String m : value.split(",")) {
            HotStartMechanism known = HotStartMechanism.named(m.trim());
            if (!mechanisms.contains(known)) {
                mechanisms.add(known);
            }
        }
        return List.copyOf(mechanisms);
    }
}
