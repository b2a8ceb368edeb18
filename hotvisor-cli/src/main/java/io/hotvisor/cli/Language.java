package io.hotvisor.cli;

import java.util.Locale;
import java.util.Optional;

import picocli.CommandLine;

/** The languages a node runs, by the id the HTTP API uses, with the file extension of their single-file source. */
enum Language {
    JAVASCRIPT("javascript", ".js"),
    PYTHON("python", ".py"),
    JAVA("java", ".java");

    private final String id;
    private final String extension;

    Language(String id, String extension) {
        this.id = id;
        this.extension = extension;
    }

    /** The id in the HTTP API: {@code javascript}, {@code python} or {@code java}. */
    String id() {
        return id;
    }

    /** The extension of a single source file, with its dot. */
    String extension() {
        return extension;
    }

    /** Parses {@code js}, {@code javascript}, {@code python} or {@code java}, ignoring case. */
    static Optional<Language> parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "js", "javascript" -> Optional.of(JAVASCRIPT);
            case "python" -> Optional.of(PYTHON);
            case "java" -> Optional.of(JAVA);
            default -> Optional.empty();
        };
    }

    static String unknown(String name) {
        return "unknown language '" + name + "'; use js, javascript, python or java";
    }

    /** Lets picocli report "Invalid value for option '--language': unknown language 'ruby'; use ...". */
    static final class Converter implements CommandLine.ITypeConverter<Language> {
        @Override
        public Language convert(String value) {
            return parse(value).orElseThrow(() -> new CommandLine.TypeConversionException(unknown(value)));
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
