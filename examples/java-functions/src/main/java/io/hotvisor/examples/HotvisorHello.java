package io.hotvisor.examples;

import java.util.Map;

import io.hotvisor.api.FunctionContext;
import io.hotvisor.api.Handler;

/** A Hotvisor {@link Handler}: greets, using the function's {@code GREETING} env variable when it is set. */
public final class HotvisorHello implements Handler {

    @Override
    public Object handle(Map<String, Object> event, FunctionContext context) {
        String greeting = context.env().getOrDefault("GREETING", "Hello");
        return Map.of(
                "message", greeting + ", " + event.getOrDefault("name", "world") + "!",
                "invocationId", context.invocationId(),
                "version", context.functionVersion(),
                "remainingMs", context.remainingTime().toMillis());
    }
}
