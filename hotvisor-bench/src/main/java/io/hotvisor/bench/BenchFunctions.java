package io.hotvisor.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.Language;

/**
 * The functions the benchmarks load, the same work in every language: {@code hello} (returns a greeting) and
 * {@code wordcount} (counts the words of a fixed 50 KB text held by the function, a CPU-bound call). Java functions
 * are compiled here with {@code javax.tools} into a jar, in the Graalvisor shape
 * {@code public static Map<String,Object> main(Map<String,Object>)}, so the benchmarks need no other module.
 */
final class BenchFunctions {

    /** The event every invocation gets. */
    static final String EVENT = "{\"name\":\"bench\"}";

    /** About 50 KB of lowercase words from a 500-word vocabulary, the same on every run. */
    static final String TEXT = text(50 * 1024);

    private final Path workDir;

    /** @param workDir where Java function jars are compiled; the caller deletes it */
    BenchFunctions(Path workDir) {
        this.workDir = workDir;
    }

    FunctionDefinition hello(Language language) {
        return switch (language) {
            case JAVASCRIPT -> source("hello-js", language, "index.handler",
                    "exports.handler = (event, context) => ({hello: (event && event.name) || 'world'});\n");
            case PYTHON -> source("hello-python", language, "main.handler", """
                    def handler(event, context):
                        name = event.get("name", "world") if isinstance(event, dict) else "world"
                        return {"hello": name}
                    """);
            case JAVA -> jar("hello-java", "Hello", """
                    package bench;
                    import java.util.Map;
                    public class Hello {
                        public static Map<String, Object> main(Map<String, Object> event) {
                            return Map.of("hello", String.valueOf(event.getOrDefault("name", "world")));
                        }
                    }
                    """);
        };
    }

    /**
     * The word count's JavaScript ({@code index.handler}) or Python ({@code main.handler}) source. In both its handler
     * is a function named {@code handler}, the root name EagerCompileBench finds in the compilation trace.
     */
    static String wordCountSource(Language language) {
        String text = "\"" + TEXT + "\"";
        return switch (language) {
            case JAVASCRIPT -> "const TEXT = " + text + ";\n" + """
                    exports.handler = function handler(event, context) {
                      const counts = new Map();
                      let total = 0;
                      for (const w of TEXT.split(' ')) {
                        if (w.length > 0) {
                          total++;
                          counts.set(w, (counts.get(w) || 0) + 1);
                        }
                      }
                      return {words: total, distinct: counts.size};
                    };
                    """;
            case PYTHON -> "TEXT = " + text + "\n" + """
                    def handler(event, context):
                        counts = {}
                        total = 0
                        for w in TEXT.split(' '):
                            if w:
                                total += 1
                                counts[w] = counts.get(w, 0) + 1
                        return {"words": total, "distinct": len(counts)}
                    """;
            case JAVA -> throw new IllegalArgumentException("The Java word count is a jar: use wordCount(JAVA)");
        };
    }

    FunctionDefinition wordCount(Language language) {
        String text = "\"" + TEXT + "\"";
        return switch (language) {
            case JAVASCRIPT -> source("wordcount-js", language, "index.handler", wordCountSource(language));
            case PYTHON -> source("wordcount-python", language, "main.handler", wordCountSource(language));
            case JAVA -> jar("wordcount-java", "WordCount", """
                    package bench;
                    import java.util.HashMap;
                    import java.util.Map;
                    public class WordCount {
                        static final String TEXT = %s;
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
                    """.formatted(text));
        };
    }

    /**
     * The hot-start benchmark's JSON transform (bench/functions: {@code json_transform.main}, which parses the
     * bundle's 190 KB {@code orders.js} and reshapes it) as a bundle of its files copied under the work directory, in
     * JavaScript or Python. Its result holds {@code "regions"}.
     */
    FunctionDefinition jsonTransform(Language language, Path root) {
        String ext = switch (language) {
            case JAVASCRIPT -> "js";
            case PYTHON -> "py";
            case JAVA -> throw new IllegalArgumentException("The Java JSON transform is a jar built by"
                    + " examples/bench-functions; this benchmark loads the JavaScript and Python ones only");
        };
        Path functions = root.resolve("bench/functions");
        Path bundle = workDir.resolve("json-transform-" + ext);
        try {
            Files.createDirectories(bundle);
            Files.copy(functions.resolve(ext.equals("js") ? "js" : "python").resolve("json_transform." + ext),
                    bundle.resolve("json_transform." + ext));
            Files.copy(functions.resolve("data/orders.js"), bundle.resolve("orders.js"));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not copy the JSON transform from " + functions
                    + " (is hotvisor.root the repository?)", e);
        }
        return new FunctionDefinition(FunctionConfig.builder("json-transform-" + ext, language,
                "json_transform.main").build(), new FunctionCode.BundleDirectory(bundle), 1);
    }

    private static FunctionDefinition source(String name, Language language, String handler, String code) {
        return new FunctionDefinition(FunctionConfig.builder(name, language, handler).build(),
                new FunctionCode.SourceText(code), 1);
    }

    private FunctionDefinition jar(String name, String className, String source) {
        Path jar = compileJar(workDir.resolve(name), "bench." + className, source);
        return new FunctionDefinition(FunctionConfig.builder(name, Language.JAVA, "bench." + className + "::main").build(),
                new FunctionCode.JarFile(jar), 1);
    }

    /** Compiles one source file into {@code dir/function.jar}. */
    static Path compileJar(Path dir, String className, String source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("No Java compiler in " + System.getProperty("java.home")
                    + ": run the benchmarks on a JDK, not a JRE");
        }
        try {
            Path src = dir.resolve("src").resolve(className.replace('.', '/') + ".java");
            Path classes = dir.resolve("classes");
            Files.createDirectories(src.getParent());
            Files.createDirectories(classes);
            Files.writeString(src, source);
            StringWriter errors = new StringWriter();
            boolean ok = javac.getTask(errors, null, null, List.of("--release", "21", "-d", classes.toString()), null,
                    javac.getStandardFileManager(null, null, null).getJavaFileObjects(src)).call();
            if (!ok) {
                throw new IllegalStateException("Could not compile benchmark function " + className + ": " + errors);
            }
            Path jar = dir.resolve("function.jar");
            try (OutputStream out = Files.newOutputStream(jar);
                 JarOutputStream jos = new JarOutputStream(out);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    jos.write(Files.readAllBytes(f));
                    jos.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not build the jar of " + className + " in " + dir, e);
        }
    }

    private static String text(int length) {
        SplittableRandom random = new SplittableRandom(42);
        String[] vocabulary = new String[500];
        for (int i = 0; i < vocabulary.length; i++) {
            StringBuilder w = new StringBuilder();
            int letters = 3 + random.nextInt(6);
            for (int j = 0; j < letters; j++) {
                w.append((char) ('a' + random.nextInt(26)));
            }
            vocabulary[i] = w.toString();
        }
        StringBuilder sb = new StringBuilder(length + 16);
        while (sb.length() < length) {
            sb.append(vocabulary[random.nextInt(vocabulary.length)]).append(' ');
        }
        return sb.substring(0, length).trim();
    }
}
