package io.hotvisor.benchfunctions;

import java.util.HashMap;
import java.util.Map;

/**
 * The Ignite paper's word count: the words of a 256 KB text (generated once per class loader from the fixed seed 42
 * and a 1000-word vocabulary, {@link Inputs#words}), counted into a map on every call. The hot-start benchmark's
 * CPU-bound function (bench/hot-start.sh).
 */
public final class WordCount {
    private static final String TEXT = Inputs.words(42, 256 * 1024);

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
}
