package io.hotvisor.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.Gson;

import io.hotvisor.api.Handler;

/**
 * How a Java worker JVM is launched: which {@code java}, which class path, which flags, and the name of a
 * function's AOT cache.
 *
 * <p>Class path: the jars (or class directories) that hold the worker's classes, found from the classes themselves:
 * this runtime's own jar (whose GraalVM-dependent classes are never loaded in a worker), the function API,
 * aws-lambda-java-core, Gson and Jackson. Never the GraalVM jars, and no JVMCI or {@code --upgrade-module-path}:
 * JDK 25 refuses an AOT cache together with those (DESIGN.md).
 *
 * <p>Memory: the heap is {@code memoryMb} plus {@value #HEAP_HEADROOM_MB} MB of headroom for the worker's own
 * objects (the loaded function, Jackson's caches, the event and result), so a function may hold about its
 * {@code memoryMb} live. The resident set is watched against the heap plus {@value #NON_HEAP_ALLOWANCE_MB} MB for
 * what is not heap (metaspace, code cache, thread stacks, GC structures, direct buffers are capped at
 * {@code memoryMb} separately); only anonymous memory counts ({@code RssAnon}), so the mapped AOT cache and jars,
 * shared with other processes, do not.
 *
 * <p>AOT cache key: the SHA-256 of the function's jar (JDK-8377932: a cache made for another jar would load its stale
 * classes), the JDK's {@code java.runtime.version} and a hash of the worker class path and module options
 * ({@link RandomReseed#JVM_OPENS}): a cache whose class path or {@code --add-opens} differ is rejected by the JVM
 * anyway, and would never be replaced.
 */
final class WorkerJvm {
    static final int HEAP_HEADROOM_MB = 32;
    static final int NON_HEAP_ALLOWANCE_MB = 192;

    private static final List<Class<?>> CLASS_PATH_ANCHORS = List.of(JavaWorkerMain.class, Handler.class,
            RequestHandler.class, Gson.class, ObjectMapper.class, JsonFactory.class, JsonProperty.class);

    private final Path java;
    private final String classPath;
    private final String runtimeVersion;

    private WorkerJvm(Path java, String classPath, String runtimeVersion) {
        this.java = java;
        this.classPath = classPath;
        this.runtimeVersion = runtimeVersion;
    }

    /**
     * The worker JVM of this node: the node's own {@code java}, the class path of the worker's classes.
     *
     * @param jarDir where a class directory on the class path (a build's {@code target/classes}, as in tests) is
     *               packed into a jar: the JDK's AOT cache accepts only jars and empty directories on the class path
     */
    static WorkerJvm current(Path jarDir) {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : CLASS_PATH_ANCHORS) {
            Path where;
            try {
                where = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("Cannot find where class " + c.getName() + " was loaded from", e);
            }
            entries.add((Files.isDirectory(where) ? ClassDirectoryJar.pack(where, jarDir) : where).toString());
        }
        return new WorkerJvm(Path.of(System.getProperty("java.home"), "bin", "java"),
                String.join(File.pathSeparator, entries), System.getProperty("java.runtime.version"));
    }

    String classPath() {
        return classPath;
    }

    int heapMb(int memoryMb) {
        return memoryMb + HEAP_HEADROOM_MB;
    }

    /** The resident set (anonymous memory) a worker of a function may reach before it is killed. */
    long rssLimitBytes(int memoryMb) {
        return (heapMb(memoryMb) + (long) NON_HEAP_ALLOWANCE_MB) * 1024 * 1024;
    }

    /**
     * The key of a function jar's AOT cache (see the class comment): {@code <jar SHA-256>-jdk<java.runtime.version>
     * -cp<class path hash>}, the same on every node with the same JDK build and installation path.
     */
    String aotCacheKey(Path jar) {
        // The module options too: the JVM refuses a cache made with other --add-opens (and it would never be replaced).
        String cpHash = HexFormat.of().formatHex(digest().digest((classPath + String.join(" ", RandomReseed.JVM_OPENS))
                .getBytes(StandardCharsets.UTF_8)));
        return sha256(jar) + "-jdk" + runtimeVersion.replaceAll("[^A-Za-z0-9.+_-]", "_") + "-cp" + cpHash.substring(0, 16);
    }

    /**
     * The key of a CRIU snapshot shared with the fleet: what a restored worker's memory depends on, hashed. The AOT
     * cache's key (jar, JDK build, class path), where the JDK is installed, the worker protocol's version, and
     * everything of the function's config that is in the worker's command line or environment.
     */
    String snapshotKey(FunctionConfig config, long version, Path jar) {
        String what = String.join("\n", aotCacheKey(jar), java.toString(), "protocol " + WorkerProtocol.VERSION,
                config.name(), config.handler(),
                Long.toString(version), Integer.toString(config.memoryMb()), config.sandbox().id(),
                new java.util.TreeMap<>(config.env()).toString());
        return HexFormat.of().formatHex(digest().digest(what.getBytes(StandardCharsets.UTF_8)));
    }

    /** The SHA-256 of a jar, hex. */
    static String jarSha256(Path jar) {
        return sha256(jar);
    }

    /** The name of a function jar's AOT cache file: its {@link #aotCacheKey key}. */
    String aotCacheName(Path jar) {
        return aotCacheKey(jar) + ".aot";
    }

    /**
     * The command line of a worker.
     *
     * @param aotFlag {@code -XX:AOTCache=...}, {@code -XX:AOTCacheOutput=...}, or null for none
     */
    List<String> command(FunctionConfig config, long version, Path socket, Path jar, Path dir, String aotFlag) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx" + heapMb(config.memoryMb()) + "m");
        cmd.add("-XX:MaxDirectMemorySize=" + config.memoryMb() + "m");
        cmd.add("-XX:MaxMetaspaceSize=128m");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-Djava.io.tmpdir=" + dir);
        cmd.addAll(RandomReseed.JVM_OPENS);
        cmd.add("-Xlog:aot=info,aot+codecache=warning:file=" + dir.resolve("aot.log") + ":uptime");
        if (aotFlag != null) {
            cmd.add(aotFlag);
        }
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(JavaWorkerMain.class.getName());
        cmd.add(socket.toString());
        cmd.add(jar.toAbsolutePath().toString());
        cmd.add(config.handler());
        cmd.add(config.name());
        cmd.add(Long.toString(version));
        cmd.add(Integer.toString(config.memoryMb()));
        cmd.add(config.sandbox().id());
        return cmd;
    }

    private static String sha256(Path file) {
        MessageDigest d = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
