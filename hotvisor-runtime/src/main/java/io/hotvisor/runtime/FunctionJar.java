package io.hotvisor.runtime;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A function's jar, checked at deploy time: it is a readable zip, no class in it uses an API forbidden to in-node
 * functions ({@link JarScanner}), and these are its top-level classes (for error messages that say what exists).
 *
 * @param path       the jar
 * @param classNames its top-level classes, binary names, sorted
 * @param scan       the node's policy for forbidden APIs it was opened under: under {@link JavaScanPolicy#ENFORCE}
 *                   its classes are also refused them at run time, reached by name ({@link GuestReflection})
 */
record FunctionJar(Path path, List<String> classNames, JavaScanPolicy scan) {
    /** How many class names an error message lists at most. */
    static final int LISTED_CLASSES = 20;

    FunctionJar {
        classNames = List.copyOf(classNames);
    }

    /** A jar opened under {@link JavaScanPolicy#ENFORCE}. */
    FunctionJar(Path path, List<String> classNames) {
        this(path, classNames, JavaScanPolicy.ENFORCE);
    }

    /**
     * Opens and lists the jar.
     *
     * @throws DeployException (field {@code code}) if the jar is missing, unreadable or not a zip, or if a class in
     *                         it uses a forbidden API ({@link JarScanner})
     */
    static FunctionJar open(Path path, String functionName, JavaScanPolicy scan) {
        List<String> names = new ArrayList<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                String entry = entries.nextElement().getName();
                if (entry.endsWith(".class") && !entry.startsWith("META-INF/") && !entry.contains("$")
                        && !entry.endsWith("module-info.class") && !entry.endsWith("package-info.class")) {
                    names.add(entry.substring(0, entry.length() - ".class".length()).replace('/', '.'));
                }
            }
            scan(zip, functionName, scan);
        } catch (NoSuchFileException e) {
            throw DeployException.code("The jar of function '" + functionName + "' does not exist: " + path, e);
        } catch (ZipException e) {
            throw DeployException.code("The code of function '" + functionName + "' is not a jar (zip) file: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw DeployException.code("The jar of function '" + functionName + "' cannot be read: " + e, e);
        }
        names.sort(null);
        return new FunctionJar(path, names, scan);
    }

    /**
     * Up to {@link #LISTED_CLASSES} class names for a "not found" message, those in the package of
     * {@code wanted} first (in a fat jar, the function's own classes are what the author looks for).
     */
    String listClassesNear(String wanted) {
        int dot = wanted.lastIndexOf('.');
        String pkg = dot < 0 ? "" : wanted.substring(0, dot + 1);
        List<String> sorted = classNames.stream()
                .sorted(Comparator.comparing((String n) -> !(n.startsWith(pkg) && n.indexOf('.', pkg.length()) < 0))
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
        if (sorted.size() <= LISTED_CLASSES) {
            return sorted.toString();
        }
        return sorted.subList(0, LISTED_CLASSES).toString().replaceAll("]$", "")
                + ", ... and " + (sorted.size() - LISTED_CLASSES) + " more]";
    }

    private static void scan(ZipFile zip, String functionName, JavaScanPolicy policy) throws IOException {
        if (policy == JavaScanPolicy.OFF) {
            return;
        }
        try {
            JarScanner.scan(zip, functionName);
        } catch (DeployException e) {
            if (policy == JavaScanPolicy.ENFORCE) {
                throw e;
            }
            System.getLogger(FunctionJar.class.getName()).log(System.Logger.Level.WARNING, e.getMessage()
                    + " (deployed anyway: the node runs with java-scan " + policy.id() + ")");
        }
    }
}
