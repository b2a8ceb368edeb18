package io.hotvisor.runtime;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarFile;

/**
 * Not a test: the cost of routing a function's reflection through {@link GuestReflection} on its common path (a
 * target that is not routed: {@code Method.invoke} of the function's own getter, {@code Field.get} of its own
 * field), JIT-compiled, as loaded and as {@link SystemRedirects} rewrites it. Run by hand:
 * {@code java -cp <test and main classes, asm> io.hotvisor.runtime.ReflectionCostBenchmark}; results go to
 * bench/results/notes-reflect.md.
 */
final class ReflectionCostBenchmark {
    private static final int CALLS = 1_000_000;

    private ReflectionCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("reflect-bench");
        Path jar = TestJars.jar(dir, "bench", Map.of("com.acme.Refl", """
                package com.acme;
                import java.lang.reflect.*;
                public class Refl {
                    public int value = 3;
                    public int value() { return value; }
                    public static long invoke(Method m, Object target, int n) throws Exception {
                        long sum = 0;
                        for (int i = 0; i < n; i++) {
                            sum += (Integer) m.invoke(target);
                        }
                        return sum;
                    }
                    public static long get(Field f, Object target, int n) throws Exception {
                        long sum = 0;
                        for (int i = 0; i < n; i++) {
                            sum += (Integer) f.get(target);
                        }
                        return sum;
                    }
                }
                """));
        byte[] plain;
        try (JarFile j = new JarFile(jar.toFile())) {
            plain = j.getInputStream(j.getEntry("com/acme/Refl.class")).readAllBytes();
        }
        Class<?> asLoaded = load(plain);
        Class<?> rewritten = load(SystemRedirects.weave("com.acme.Refl", plain));
        for (int warm = 0; warm < 3; warm++) {
            time(asLoaded, "invoke");
            time(rewritten, "invoke");
            time(asLoaded, "get");
            time(rewritten, "get");
        }
        System.out.printf("Method.invoke  as loaded  best %.2f ns/call%n", time(asLoaded, "invoke"));
        System.out.printf("Method.invoke  rewritten  best %.2f ns/call%n", time(rewritten, "invoke"));
        System.out.printf("Field.get      as loaded  best %.2f ns/call%n", time(asLoaded, "get"));
        System.out.printf("Field.get      rewritten  best %.2f ns/call%n", time(rewritten, "get"));
    }

    private static Class<?> load(byte[] bytes) throws Exception {
        ClassLoader loader = new ClassLoader(ReflectionCostBenchmark.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals("com.acme.Refl")) {
                    return defineClass(name, bytes, 0, bytes.length);
                }
                throw new ClassNotFoundException(name);
            }
        };
        return loader.loadClass("com.acme.Refl");
    }

    /** The best of 15 runs of {@link #CALLS} calls, in nanoseconds per call. */
    private static double time(Class<?> c, String which) throws Exception {
        Object target = c.getConstructor().newInstance();
        Method loop;
        Object member;
        if (which.equals("invoke")) {
            loop = c.getMethod("invoke", Method.class, Object.class, int.class);
            member = c.getMethod("value");
        } else {
            loop = c.getMethod("get", Field.class, Object.class, int.class);
            member = c.getField("value");
        }
        double best = Double.MAX_VALUE;
        long sink = 0;
        for (int i = 0; i < 15; i++) {
            long t0 = System.nanoTime();
            sink += (long) loop.invoke(null, member, target, CALLS);
            best = Math.min(best, (System.nanoTime() - t0) / (double) CALLS);
        }
        if (sink == 42) {
            System.out.println();
        }
        return best;
    }
}
