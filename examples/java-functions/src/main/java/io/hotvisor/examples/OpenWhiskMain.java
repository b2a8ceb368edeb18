package io.hotvisor.examples;

import com.google.gson.JsonObject;

/** An OpenWhisk Java action, unchanged: the classic hello action with Gson. */
public final class OpenWhiskMain {
    private OpenWhiskMain() {
    }

    public static JsonObject main(JsonObject args) {
        String name = args.has("name") ? args.getAsJsonPrimitive("name").getAsString() : "stranger";
        JsonObject response = new JsonObject();
        response.addProperty("greeting", "Hello " + name + "!");
        return response;
    }
}
