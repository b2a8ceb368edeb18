package io.hotvisor.runtime;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarFile;

/**
 * Not a test: the cost of the woven cancellation polls on a hot loop, JIT-compiled, without and with polls (and
 * with one other invocation cancelled, so that polls take their slow path). Run by hand:
 * {@code java -cp <test and main classes, asm> io.hotvisor.runtime.PollCostBenchmark}; results go to
 * bench/results/notes-poll.md.
 */
final class PollCostBenchmark {
    private PollCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("poll-bench");
        Path jar = TestJars.jar(dir, "bench", Map.of("com.acme.Hot", """
                package com.acme;
                public class Hot {
                    public static long run(int[] a, int rounds) {
                        long sum = 0;
                        for (int r = 0; r < rounds; r++) {
                            for (int i = 0; i < a.length; i++) {
                                sum += a[i] * 31 + (sum >>> 7);
                            }
                        }
                        return sum;
                    }
                }
                """));
        byte[] plain;
        try (JarFile j = new JarFile(jar.toFile())) {
            plain = j.getInputStream(j.getEntry("com/acme/Hot.class")).readAllBytes();
        }
        byte[] woven = PollWeaver.weave("com.acme.Hot", plain);
        Method unpolled = load(plain);
        Method polled = load(woven);
        int[] data = new int[4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 7;
        }
        for (int warm = 0; warm < 3; warm++) {
            time(unpolled, data);
            time(polled, data);
        }
        System.out.printf("unpolled  best %.2f ns/iteration%n", time(unpolled, data));
        System.out.printf("polled    best %.2f ns/iteration%n", time(polled, data));
        // Another invocation is cancelled and still unwinding: every poll here reads its own thread's flag.
        CancellationPoll.Flag other = onOtherThread();
        System.out.printf("polled, another invocation cancelled: best %.2f ns/iteration%n", time(polled, data));
        other.close();
    }

    private static CancellationPoll.Flag onOtherThread() throws InterruptedException {
        CancellationPoll.Flag[] f = new CancellationPoll.Flag[1];
        Thread t = new Thread(() -> f[0] = CancellationPoll.enter("other"));
        t.start();
        t.join();
        f[0].cancel();
        return f[0];
    }

    private static Method load(byte[] bytes) throws Exception {
        ClassLoader loader = new ClassLoader(PollCostBenchmark.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals("com.acme.Hot")) {
                    return defineClass(name, bytes, 0, bytes.length);
                }
                throw new ClassNotFoundException(name);
            }
        };
        return loader.loadClass("com.acme.Hot").getMethod("run", int[].class, int.class);
    }

    /** The best of 15 runs of 2000 rounds, in nanoseconds per inner iteration. */
    private static double time(Method m, int[] data) throws Exception {
        double best = Double.MAX_VALUE;
        long sink = 0;
        for (int i = 0; i < 15; i++) {
            long t0 = System.nanoTime();
            sink += (long) m.invoke(null, data, 2000);
            best = Math.min(best, (System.nanoTime() - t0) / (2000.0 * data.length));
        }
        if (sink == 42) {
            System.out.println();
        }
        return best;
    }
}
