package io.hotvisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The zip bundles (base64) of the JavaScript and Python benchmark functions, deployed unchanged to a node and to the
 * baseline. JavaScript: {@code bench/functions/js/*.js} plus {@code node_modules} from the npm cache that
 * {@code bench/density.sh} fills ({@code -Dhotvisor.bench.node-modules}). Python: {@code bench/functions/python/*.py}
 * plus the pure-Python libraries from Debian's dist-packages ({@code python3-jinja2}, {@code python3-markupsafe},
 * {@code python3-png}) without their C accelerators, so GraalPy loads markupsafe's pure fallback.
 */
final class FunctionBundles {
    static final Path DIST_PACKAGES = Path.of("/usr/lib/python3/dist-packages");

    private FunctionBundles() {
    }

    static String javascript(Path root) {
        String modules = System.getProperty("hotvisor.bench.node-modules", "");
        if (modules.isEmpty() || !Files.isDirectory(Path.of(modules))) {
            throw new IllegalStateException("No node_modules for the JavaScript functions ('" + modules
                    + "'): run bench/density.sh, which fetches them with npm ci into its cache");
        }
        return zip(List.of(new Source(root.resolve("bench/functions/js"), ""), new Source(Path.of(modules),
                "node_modules/")));
    }

    static String python(Path root) {
        for (String lib : List.of("jinja2", "markupsafe", "png.py")) {
            if (!Files.exists(DIST_PACKAGES.resolve(lib))) {
                throw new IllegalStateException("Missing " + DIST_PACKAGES.resolve(lib)
                        + ": apt-get install -y python3-jinja2 python3-png");
            }
        }
        return zip(List.of(new Source(root.resolve("bench/functions/python"), ""),
                new Source(DIST_PACKAGES.resolve("jinja2"), "jinja2/"),
                new Source(DIST_PACKAGES.resolve("markupsafe"), "markupsafe/"),
                new Source(DIST_PACKAGES.resolve("png.py"), "png.py")));
    }

    /** Only these files, each at the zip's root under its file name (functions that need no libraries). */
    static String files(List<Path> files) {
        return zip(files.stream().map(f -> new Source(f, f.getFileName().toString())).toList());
    }

    private record Source(Path path, String prefix) {
    }

    private static String zip(List<Source> sources) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Source s : sources) {
                if (Files.isRegularFile(s.path())) {
                    add(zip, s.prefix(), s.path());
                    continue;
                }
                try (Stream<Path> files = Files.walk(s.path())) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        String rel = s.path().relativize(f).toString().replace('\\', '/');
                        boolean skip = rel.contains("__pycache__") || rel.endsWith(".so") || rel.endsWith(".json")
                                && s.prefix().isEmpty() || rel.startsWith("node_modules/") && s.prefix().isEmpty()
                                || rel.startsWith(".");
                        if (!skip) {
                            add(zip, s.prefix() + rel, f);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not bundle " + sources, e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private static void add(ZipOutputStream zip, String name, Path file) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(Files.readAllBytes(file));
        zip.closeEntry();
    }
}
