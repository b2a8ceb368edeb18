package io.hotvisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The trace replay's synthetic function ({@code functions/trace-sleep/TraceSleep.java} in this module's resources),
 * compiled with the running JDK's compiler into a jar that both sides deploy unchanged.
 */
final class TraceFunction {
    static final String HANDLER = "hotvisor.trace.TraceSleep::main";
    static final String SOURCE = "functions/trace-sleep/TraceSleep.java";

    private TraceFunction() {
    }

    /** The jar, base64 for a deploy request's {@code archive} field. */
    static String jarBase64(Path work) {
        try {
            Path src = work.resolve("src/hotvisor/trace/TraceSleep.java");
            Path classes = work.resolve("classes");
            Files.createDirectories(src.getParent());
            Files.createDirectories(classes);
            try (InputStream in = TraceFunction.class.getClassLoader().getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new TraceException("Resource " + SOURCE + " missing from the bench jar");
                }
                Files.write(src, in.readAllBytes());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new TraceException("No Java compiler in " + System.getProperty("java.home")
                        + ": run the bench on a JDK, not a JRE");
            }
            StringWriter errors = new StringWriter();
            boolean ok = javac.getTask(errors, null, null, List.of("--release", "21", "-d", classes.toString()), null,
                    javac.getStandardFileManager(null, null, null).getJavaFileObjects(src.toFile())).call();
            if (!ok) {
                throw new TraceException("Could not compile " + SOURCE + ": " + errors);
            }
            ByteArrayOutputStream jar = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(jar)) {
                Path dir = classes.resolve("hotvisor/trace");
                try (var files = Files.list(dir)) {
                    for (Path f : files.sorted().toList()) {
                        out.putNextEntry(new JarEntry("hotvisor/trace/" + f.getFileName()));
                        out.write(Files.readAllBytes(f));
                        out.closeEntry();
                    }
                }
            }
            return Base64.getEncoder().encodeToString(jar.toByteArray());
        } catch (IOException e) {
            throw new TraceException("Could not build the trace function's jar in " + work + ": " + e.getMessage(), e);
        }
    }
}
