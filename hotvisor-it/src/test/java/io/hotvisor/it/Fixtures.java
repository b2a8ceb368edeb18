package io.hotvisor.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** The fixture functions under {@code src/test/resources/fixtures}, as source text, zip bundles and jars. */
final class Fixtures {
    /** A JavaScript handler ({@code index.handler}) that hashes 20 000 numbers: CPU work that Truffle compiles. */
    static final String JS_HASH = """
            exports.handler = async (event) => {
              let h = 0;
              for (let i = 0; i < 20000; i++) { h = (h * 31 + i) | 0; }
              return { h };
            };
            """;

    /**
     * A JavaScript handler ({@code index.handler}) answering {@code {"v": <version>}} (a format: {@code %d}) whose
     * first call in a sandbox spins {@code event.spinMs} ms: given as a warm-up input, it makes a node's load of the
     * function (its first replay) last that long.
     */
    static final String JS_SLOW_FIRST_REPLAY = """
            let calls = 0;
            exports.handler = async (event) => {
              if (event.spinMs && calls++ === 0) { // the first replay of the load's warm-up sandbox only
                const end = Date.now() + event.spinMs;
                while (Date.now() < end) { }
              }
              return { v: %d };
            };
            """;

    private Fixtures() {
    }

    static Path dir(String relative) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + relative).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("No fixture " + relative, e);
        }
    }

    static String text(String relative) {
        try {
            return Files.readString(dir(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Zips a fixture directory, paths relative to it, as a user's bundle would be. */
    static byte[] zip(String relative) {
        Path root = dir(relative);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(root.relativize(p).toString().replace(File.separatorChar, '/')));
                zip.write(Files.readAllBytes(p));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] javaFixtures;

    /** The Java fixture functions, compiled against the AWS Lambda and Gson APIs, as one jar. */
    static synchronized byte[] javaJar() {
        if (javaFixtures == null) {
            javaFixtures = compileJar(dir("java"));
        }
        return javaFixtures;
    }

    /** Compiles every {@code .java} file of {@code sources} into a jar. */
    static byte[] compileJar(Path sources) {
        try {
            Path out = Files.createTempDirectory("hv-fixture-classes");
            List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", apiClassPath(), "--release", "21",
                    "-nowarn"));
            try (Stream<Path> s = Files.list(sources)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            if (javac.run(null, null, err, args.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("Fixture compilation failed:\n" + err);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(out)) {
                zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
                zip.write("Manifest-Version: 1.0\r\n\r\n".getBytes());
                zip.closeEntry();
                for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                    zip.putNextEntry(new ZipEntry(out.relativize(p).toString().replace(File.separatorChar, '/')));
                    zip.write(Files.readAllBytes(p));
                    zip.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String apiClassPath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.contains("aws-lambda-java-core") || p.contains("gson"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** The example functions' fat jar (commons-lang3 inside), built by the examples module. */
    static Path examplesJar() {
        String buildDir = System.getProperty("hotvisor.build.dir", "target");
        return NodeProcess.ROOT.resolve("examples/java-functions/" + buildDir + "/hotvisor-example-java-functions.jar");
    }
}
