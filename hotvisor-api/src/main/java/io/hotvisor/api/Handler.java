package io.hotvisor.api;

import java.util.Map;

/**
 * A Java function written for Hotvisor. The event is the invocation's JSON body as plain Java values
 * ({@code Map}, {@code List}, {@code String}, {@code Number}, {@code Boolean}, {@code null}); the result is
 * turned back into JSON the same way.
 *
 * <p>Existing functions need not implement this: the node also accepts AWS Lambda's {@code RequestHandler}
 * and {@code RequestStreamHandler}, a static {@code Map<String, Object> main(Map<String, Object>)} (the
 * Graalvisor shape) and OpenWhisk's static {@code JsonObject main(JsonObject)}.
 */
@FunctionalInterface
public interface Handler {

    /**
     * Handles one invocation.
     *
     * @param event   the request body, decoded from JSON
     * @param context what the platform knows about this invocation
     * @return the result, encoded to JSON for the caller
     * @throws Exception any failure: the caller gets a 502 with the exception's class and message
     */
    Object handle(Map<String, Object> event, FunctionContext context) throws Exception;
}
