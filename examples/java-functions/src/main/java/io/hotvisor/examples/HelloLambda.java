package io.hotvisor.examples;

import java.util.LinkedHashMap;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

/** An AWS Lambda {@link RequestHandler}, unchanged from Lambda: {@code {"name":"Ada"}} gives a greeting. */
public final class HelloLambda implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Object name = event == null ? null : event.get("name");
        context.getLogger().log("greeting " + name);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("greeting", "Hello, " + (name == null ? "world" : name) + "!");
        result.put("requestId", context.getAwsRequestId());
        result.put("function", context.getFunctionName());
        return result;
    }
}
