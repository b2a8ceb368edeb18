package io.hotvisor.benchfunctions;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON transform: parses a document of 2000 order records (about 190 KB; this jar's {@code orders.js},
 * {@link DataFiles}, the same bytes as the JavaScript and Python bundles, read once per class loader), keeps the
 * active ones, reshapes each, totals them per region and serializes the result, with Jackson (shaded into this jar
 * under {@code io.hotvisor.benchfunctions.shaded}). The same document, steps and output bytes as
 * {@code bench/functions/js/json_transform.js} and {@code bench/functions/python/json_transform.py}.
 */
public final class JsonTransform {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String DOCUMENT = DataFiles.json("orders.js");

    private JsonTransform() {
    }

    public static Map<String, Object> main(Map<String, Object> event) {
        try {
            JsonNode orders = MAPPER.readTree(DOCUMENT).get("orders");
            ArrayNode items = MAPPER.createArrayNode();
            ObjectNode regions = MAPPER.createObjectNode();
            long total = 0;
            for (JsonNode o : orders) {
                if (!o.get("active").asBoolean()) {
                    continue;
                }
                long amount = o.get("amount").asLong();
                String region = o.get("region").asText();
                items.addObject().put("id", o.get("id").asInt()).put("user", o.get("user").asText())
                        .put("region", region).put("amountCents", amount).put("tagCount", o.get("tags").size())
                        .put("big", amount > 50000);
                ObjectNode g = (ObjectNode) regions.get(region);
                if (g == null) {
                    g = regions.putObject(region).put("count", 0).put("sum", 0L).put("max", 0L);
                }
                g.put("count", g.get("count").asInt() + 1).put("sum", g.get("sum").asLong() + amount)
                        .put("max", Math.max(g.get("max").asLong(), amount));
                total += amount;
            }
            ObjectNode result = MAPPER.createObjectNode();
            result.set("items", items);
            result.set("regions", regions);
            String out = MAPPER.writeValueAsString(result);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("items", items.size());
            answer.put("regions", regions.size());
            answer.put("total", total);
            answer.put("bytes", out.length());
            return answer;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
