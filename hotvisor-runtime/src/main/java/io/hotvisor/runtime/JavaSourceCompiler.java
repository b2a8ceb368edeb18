package io.hotvisor.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.google.gson.JsonObject;

import io.hotvisor.api.Handler;

/**
 * Compiles a Java function given as one source file ({@link FunctionCode.SourceText}) into a jar, at deploy time,
 * against exactly what a function sees at run time: the JDK, {@code io.hotvisor.api}, AWS Lambda core and Gson.
 */
final class JavaSourceCompiler {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "public\\s+(?:(?:final|abstract|sealed|non-sealed|strictfp)\\s+)*(?:class|record|enum|interface)\\s+(\\w+)");
    private static final int LISTED_ERRORS = 5;

    private JavaSourceCompiler() {
    }

    /**
     * The handler's class for a source file: named by the handler ({@code com.acme.Fn::m}, {@code Fn}), or, for a
     * bare method name such as {@code main}, the source's public top-level type (else {@code Function}).
     */
    static String handlerWithClass(String handler, String source) {
        String h = handler.strip();
        boolean bareMethod = !h.contains("::") && !h.contains(".") && !h.isEmpty() && Character.isLowerCase(h.charAt(0));
        if (!bareMethod) {
            return h;
        }
        Matcher pkg = PACKAGE.matcher(source);
        Matcher type = PUBLIC_TYPE.matcher(source);
        String simple = type.find() ? type.group(1) : "Function";
        return (pkg.find() ? pkg.group(1) + "." : "") + simple + "::" + h;
    }

    /**
     * Compiles {@code source} (the file of {@code className}) into {@code dir/function.jar}.
     *
     * @throws DeployException (field {@code code}) with the compiler's first errors, file and line
     */
    static Path compile(String functionName, String className, String source, Path dir) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw DeployException.code("Function '" + functionName + "' is Java source, but this node's JVM has no"
                    + " Java compiler (module jdk.compiler): deploy a jar instead");
        }
        String fileName = className.substring(className.lastIndexOf('.') + 1) + ".java";
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<String, ByteArrayOutputStream> classes = new TreeMap<>();
        try (StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, null);
             var files = new ForwardingJavaFileManager<>(standard) {
                 @Override
                 public JavaFileObject getJavaFileForOutput(Location location, String name, JavaFileObject.Kind kind,
                                                            FileObject sibling) {
                     return new SimpleJavaFileObject(URI.create("mem:///" + name.replace('.', '/') + kind.extension),
                             kind) {
                         @Override
                         public OutputStream openOutputStream() {
                             return classes.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                         }
                     };
                 }
             }) {
            JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + fileName),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            List<String> options = List.of("-proc:none", "-g", "-classpath", apiClassPath());
            boolean ok = javac.getTask(null, files, diagnostics, options, null, List.of(unit)).call();
            if (!ok) {
                List<String> errors = new ArrayList<>();
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                    if (d.getKind() == Diagnostic.Kind.ERROR && errors.size() < LISTED_ERRORS) {
                        errors.add(fileName + " line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
                    }
                }
                throw DeployException.code("Compile error in function '" + functionName + "': "
                        + String.join("; ", errors));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path jar = dir.resolve("function.jar");
        try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (var e : classes.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey().replace('.', '/') + ".class"));
                e.getValue().writeTo(out);
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the compiled jar of function '" + functionName + "'", e);
        }
        return jar;
    }

    /** Where the node's copies of the function API live: what a function compiles against. */
    private static String apiClassPath() {
        return List.of(Handler.class, RequestHandler.class, JsonObject.class).stream()
                .map(JavaSourceCompiler::location)
                .distinct()
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("Cannot locate the jar of " + type.getName() + " to compile against", e);
        }
    }
}
