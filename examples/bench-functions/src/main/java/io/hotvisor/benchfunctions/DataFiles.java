package io.hotvisor.benchfunctions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The hot-start benchmark's data, carried in this jar from {@code bench/functions/data} (the same bytes the JavaScript
 * and Python bundles hold): {@code words.json} (the word count's text as one JSON string) and {@code orders.json} (the
 * JSON transform's document).
 */
final class DataFiles {

    private DataFiles() {
    }

    /** The jar resource {@code name} as UTF-8 text; an error names it if the jar lacks it. */
    static String text(String name) {
        try (InputStream in = DataFiles.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("The jar holds no " + name + ": build it with Maven, which copies"
                        + " bench/functions/data into it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + name + " from the jar", e);
        }
    }
}
