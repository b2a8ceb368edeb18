package io.hotvisor.bench;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import io.hotvisor.runtime.Language;

/**
 * The command-line options every benchmark main accepts: {@code --smoke} (a few iterations, seconds),
 * {@code --out DIR} (defaults to {@code bench/results}) and {@code --languages js,python,java} (defaults to all).
 */
record BenchArgs(boolean smoke, Path out, Set<Language> languages) {

    static BenchArgs parse(String... args) {
        boolean smoke = false;
        Path out = Path.of("bench", "results");
        Set<Language> languages = EnumSet.of(Language.JAVASCRIPT, Language.PYTHON, Language.JAVA);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--languages" -> {
                    languages = EnumSet.noneOf(Language.class);
                    for (String l : value(args, ++i, "--languages").split(",")) {
                        languages.add(language(l.trim()));
                    }
                }
                default -> throw new IllegalArgumentException("Unknown option '" + args[i]
                        + "'; known: --smoke, --out DIR, --languages js,python,java");
            }
        }
        return new BenchArgs(smoke, out, languages);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("Option " + option + " needs a value");
        }
        return args[i];
    }

    private static Language language(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "js", "javascript" -> Language.JAVASCRIPT;
            case "py", "python" -> Language.PYTHON;
            case "java" -> Language.JAVA;
            default -> throw new IllegalArgumentException("Unknown language '" + name
                    + "'; known: js, python, java");
        };
    }

    /** The short name used in result files: js, python, java. */
    static String shortName(Language language) {
        return switch (language) {
            case JAVASCRIPT -> "js";
            case PYTHON -> "python";
            case JAVA -> "java";
        };
    }
}
