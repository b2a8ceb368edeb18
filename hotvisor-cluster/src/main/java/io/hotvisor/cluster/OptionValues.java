package io.hotvisor.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine;

/**
 * Picocli converters for the node's and the gateway's options whose value is one of a few fixed lower-case words
 * ({@code on|off}, {@code auto|on|off}, {@code before|alongside}, ...). A value that is none of them, or not in
 * lower case, is refused and picocli reports it with exit code 2, e.g. "Invalid value for option '--criu':
 * 'maybe'; use auto, on or off". It sits here because the gateway ({@link GatewayMain}) and the node, whose module
 * depends on this one, share it.
 */
public final class OptionValues {

    private OptionValues() {
    }

    /** The value of an {@code on|off} option. */
    public enum Switch {
        ON, OFF;

        /** Whether it is {@code on}. */
        public boolean on() {
            return this == ON;
        }
    }

    /** {@code on} or {@code off}. */
    public static final class OnOff extends LowerCaseEnum<Switch> {
        public OnOff() {
            super(Switch.class);
        }
    }

    /**
     * An enum constant named by its lower-case name. Picocli creates converters from their class, so each enum gets a
     * subclass with a no-argument constructor: {@code CriuMode() { super(Criu.Mode.class); }}.
     */
    public abstract static class LowerCaseEnum<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
        private final Class<E> type;

        protected LowerCaseEnum(Class<E> type) {
            this.type = type;
        }

        @Override
        public E convert(String value) {
            List<String> accepted = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                String id = constant.name().toLowerCase(Locale.ROOT);
                if (id.equals(value)) {
                    return constant;
                }
                accepted.add(id);
            }
            throw refused(value, accepted);
        }
    }

    /** "'maybe'; use auto, on or off", which picocli prefixes with "Invalid value for option '--criu': ". */
    private static CommandLine.TypeConversionException refused(String value, List<String> accepted) {
        String last = accepted.getLast();
        String use = accepted.size() == 1 ? last
                : String.join(", ", accepted.subList(0, accepted.size() - 1)) + " or " + last;
        return new CommandLine.TypeConversionException("'" + value + "'; use " + use);
    }
}
