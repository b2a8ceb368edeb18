package io.hotvisor.benchfunctions;

import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Ignite paper's word count: the words of a 256 KB text, counted into a map on every call. The text is this jar's
 * {@code words.js} ({@link DataFiles}: the same bytes as the JavaScript and Python bundles; made from seed 42 by
 * {@link Inputs#words}), read once per class loader. The hot-start benchmark's CPU-bound function
 * (bench/hot-start.sh).
 */
public final class WordCount {
    private static final String TEXT = text();

    private WordCount() {
    }

    public static Map<String, Object> main(Map<String, Object> event) {
        Map<String, Integer> counts = new HashMap<>();
        int total = 0;
        for (String w : TEXT.split(" ")) {
            if (!w.isEmpty()) {
                total++;
                counts.merge(w, 1, Integer::sum);
            }
        }
        return Map.of("words", total, "distinct", counts.size());
    }

    private static String text() {
        try {
            return new ObjectMapper().readValue(DataFiles.json("words.js"), String.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("words.js does not hold one JSON string", e);
        }
    }
}
