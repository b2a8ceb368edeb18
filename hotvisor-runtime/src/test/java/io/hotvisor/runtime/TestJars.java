package io.hotvisor.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Builds function jars for tests at test time: compiles small Java sources (against the test class path, which
 * holds the function API, AWS Lambda core, Gson and, for negative tests, Jackson) into a jar in a temp directory.
 */
final class TestJars {
    private TestJars() {
    }

    /** A jar of {@code sources} (binary class name to source text). */
    static Path jar(Path dir, String name, Map<String, String> sources) {
        return jar(dir, name, sources, Map.of());
    }

    /** A jar of {@code sources} plus {@code extra} entries (path in the jar to bytes), as a fat jar bundles them. */
    static Path jar(Path dir, String name, Map<String, String> sources, Map<String, byte[]> extra) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        compile(sources).forEach((cls, bytes) -> entries.put(cls.replace('.', '/') + ".class", bytes));
        entries.putAll(extra);
        Path jar = dir.resolve(name + ".jar");
        try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (var e : entries.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /** The bytes of a class the test JVM has, e.g. to bundle a library class into a fat jar. */
    static byte[] classBytes(Class<?> type) {
        try (var in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, byte[]> compile(Map<String, String> sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<String, ByteArrayOutputStream> out = new TreeMap<>();
        List<JavaFileObject> units = new ArrayList<>();
        sources.forEach((cls, text) -> units.add(new SimpleJavaFileObject(
                URI.create("string:///" + cls.replace('.', '/') + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        }));
        try (StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, null);
             var files = new ForwardingJavaFileManager<>(standard) {
                 @Override
                 public JavaFileObject getJavaFileForOutput(Location location, String cls, JavaFileObject.Kind kind,
                                                            FileObject sibling) {
                     return new SimpleJavaFileObject(URI.create("mem:///" + cls.replace('.', '/') + kind.extension), kind) {
                         @Override
                         public OutputStream openOutputStream() {
                             return out.computeIfAbsent(cls, c -> new ByteArrayOutputStream());
                         }
                     };
                 }
             }) {
            List<String> options = List.of("-proc:none", "-g", "-classpath", System.getProperty("java.class.path"));
            if (!javac.getTask(null, files, diagnostics, options, null, units).call()) {
                throw new IllegalArgumentException("Test sources do not compile: " + diagnostics.getDiagnostics());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, byte[]> classes = new TreeMap<>();
        out.forEach((cls, bytes) -> classes.put(cls, bytes.toByteArray()));
        return classes;
    }
}
