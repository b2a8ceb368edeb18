package io.hotvisor.examples;

import java.util.Map;

/** The Graalvisor shape, a static {@code main(Map)}: counts the words of {@code text}. */
public final class GraalvisorMain {
    private GraalvisorMain() {
    }

    public static Map<String, Object> main(Map<String, Object> args) {
        String text = String.valueOf(args.getOrDefault("text", ""));
        long words = text.isBlank() ? 0 : text.strip().split("\\s+").length;
        return Map.of("words", words, "characters", text.length());
    }
}
