package io.hotvisor.benchfunctions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The hot-start benchmark's data, carried in this jar from {@code bench/functions/data} (the same bytes the JavaScript
 * and Python bundles hold): {@code words.js} (the word count's text as one JSON string) and {@code orders.js} (the
 * JSON transform's document), each a JSON value behind {@code module.exports = } (so GraalJS's {@code require}, which
 * loads only {@code .js} files, reads them) and a final {@code ;}.
 */
final class DataFiles {

    private DataFiles() {
    }

    /** The JSON text of the jar resource {@code name}: what follows {@code module.exports = }, without the ;. */
    static String json(String name) {
        String text = text(name);
        int start = text.indexOf('=');
        int end = text.lastIndexOf(';');
        if (!text.startsWith("module.exports") || start < 0 || end < start) {
            throw new IllegalStateException(name + " is not 'module.exports = <JSON>;'");
        }
        return text.substring(start + 1, end).strip();
    }

    private static String text(String name) {
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
