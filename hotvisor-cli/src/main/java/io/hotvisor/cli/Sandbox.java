package io.hotvisor.cli;

import java.util.Locale;
import java.util.Optional;

import picocli.CommandLine;

/** How the node gives invocations their sandbox: the API's {@code sandbox} field. */
enum Sandbox {
    /** Invocations reuse a pooled sandbox of the function (the node's default). */
    REUSE,
    /** Every invocation gets a fresh sandbox. */
    FRESH;

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Sandbox> parse(String s) {
        String n = s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "reuse" -> Optional.of(REUSE);
            case "fresh" -> Optional.of(FRESH);
            default -> Optional.empty();
        };
    }

    static final class Converter implements CommandLine.ITypeConverter<Sandbox> {
        @Override
        public Sandbox convert(String value) {
            return parse(value).orElseThrow(() -> new CommandLine.TypeConversionException(
                    "unknown sandbox policy '" + value + "'; use reuse or fresh"));
        }
    }

    @Override
    public String toString() {
        return id();
    }
}
