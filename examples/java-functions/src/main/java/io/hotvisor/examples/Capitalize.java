package io.hotvisor.examples;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.commons.lang3.StringUtils;

import io.hotvisor.api.FunctionContext;
import io.hotvisor.api.Handler;

/**
 * Capitalizes every word of {@code text} with Apache Commons Lang, a library the node does not provide: it comes from
 * the fat jar, so this function shows that a function's own dependencies load from its jar.
 */
public final class Capitalize implements Handler {

    @Override
    public Object handle(Map<String, Object> event, FunctionContext context) {
        String text = String.valueOf(event.getOrDefault("text", ""));
        String capitalized = Arrays.stream(StringUtils.split(text, ' '))
                .map(StringUtils::capitalize)
                .collect(Collectors.joining(" "));
        return Map.of("text", capitalized, "abbreviated", StringUtils.abbreviate(capitalized, 12));
    }
}
