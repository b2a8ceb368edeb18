package io.hotvisor.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The guest languages a node runs. */
public enum Language {
    JAVASCRIPT("javascript", "js"),
    PYTHON("python", "python"),
    JAVA("java", null);

    private final String id;
    private final String graalId;

    Language(String id, String graalId) {
        this.id = id;
        this.graalId = graalId;
    }

    /** The name used in the API and the store: {@code javascript}, {@code python}, {@code java}. */
    public String id() {
        return id;
    }

    /** The GraalVM polyglot language id, or empty for Java (which runs on the host JVM). */
    public Optional<String> graalId() {
        return Optional.ofNullable(graalId);
    }

    /** Parses an API name; accepts {@code js} and {@code nodejs} as aliases of {@code javascript}. */
    public static Optional<Language> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("js") || n.equals("nodejs") || n.equals("node")) {
            return Optional.of(JAVASCRIPT);
        }
        return Arrays.stream(values()).filter(l -> l.id.equals(n)).findFirst();
    }

    @Override
    public String toString() {
        return id;
    }
}
