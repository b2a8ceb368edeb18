package io.hotvisor.runtime;

import java.nio.file.Path;
import java.util.Objects;

/** A function's code as the runtime receives it from the store: already unpacked, already on disk. */
public sealed interface FunctionCode {

    /**
     * One source file, given as text. Its file name comes from the handler ({@code index.handler} is
     * {@code index.js} or {@code index.py}); with a bare handler ({@code main}) the file is named after the
     * function's language ({@code function.js}, {@code function.py}, {@code Function.java}).
     */
    record SourceText(String text) implements FunctionCode {
        public SourceText {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A JavaScript or Python bundle unpacked into a directory: the handler's file at its root,
     * {@code node_modules/} or Python packages beside it. The directory is read-only for the runtime.
     */
    record BundleDirectory(Path root) implements FunctionCode {
        public BundleDirectory {
            Objects.requireNonNull(root, "root");
        }
    }

    /** A Java function: a (fat) jar on disk. */
    record JarFile(Path jar) implements FunctionCode {
        public JarFile {
            Objects.requireNonNull(jar, "jar");
        }
    }
}
