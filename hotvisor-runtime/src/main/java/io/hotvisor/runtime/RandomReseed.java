package io.hotvisor.runtime;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reseeds the JDK's shared random generators in a worker JVM that has just been restored from a CRIU checkpoint (or
 * has just been checkpointed): without it every copy of one checkpoint would draw the same "random" numbers. The one
 * place of this JDK workaround; it reaches JDK internals (JDK 25) by reflection, which the worker's command line opens
 * for it ({@link #JVM_OPENS}). A class not yet initialized is left alone: it seeds itself when first used. What it
 * reseeds, with fresh bytes from {@code /dev/urandom}:
 * <ul>
 * <li>{@code Math.random()} and {@code StrictMath.random()}: the {@code Random} each holds in its
 *     {@code RandomNumberGeneratorHolder};</li>
 * <li>{@code ThreadLocalRandom}: its {@code seeder} (the seed of threads that have not used it yet) and the seed of
 *     every live platform thread that has ({@code Thread.threadLocalRandomSeed});</li>
 * <li>the seeds of generators made later: {@code new Random()} ({@code Random.seedUniquifier}) and
 *     {@code new SplittableRandom()} ({@code SplittableRandom.defaultGen});</li>
 * <li>{@code SecureRandom}: the seeders of new {@code SHA1PRNG} and {@code DRBG} instances (fresh entropy is mixed in)
 *     and the buffered {@code /dev/urandom} bytes of {@code NativePRNG}, the default on Linux (dropped, so they are
 *     read anew).</li>
 * </ul>
 * What it cannot reseed: generators a function made before the checkpoint and holds ({@code new Random()},
 * {@code new SplittableRandom()}, a seeded or {@code SHA1PRNG}/{@code DRBG} {@code SecureRandom}, a
 * {@code RandomGenerator} from {@code jdk.random}), the {@code ThreadLocalRandom} seeds of virtual threads, and
 * anything a library keeps of its own: those give every copy the same sequence. A {@code NativePRNG} (plain
 * {@code new SecureRandom()} on Linux) mixes in {@code /dev/urandom} on every call and so differs per copy.
 */
final class RandomReseed {
    /** The worker JVM's options that let this class reach the generators (the same in every worker: AOT caches). */
    static final List<String> JVM_OPENS = List.of(
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens", "java.base/sun.security.provider=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");

    private RandomReseed() {
    }

    /**
     * Reseeds what it can (see the class comment).
     *
     * @return what could not be reseeded, each with why (empty when all was)
     */
    static List<String> reseed() {
        ByteBuffer entropy = entropy(256);
        List<String> failed = new ArrayList<>();
        attempt(failed, "Math.random", () -> random("java.lang.Math$RandomNumberGeneratorHolder", entropy));
        attempt(failed, "StrictMath.random", () -> random("java.lang.StrictMath$RandomNumberGeneratorHolder", entropy));
        attempt(failed, "ThreadLocalRandom", () -> {
            if (!initialized("java.util.concurrent.ThreadLocalRandom")) {
                return;
            }
            ((AtomicLong) staticField("java.util.concurrent.ThreadLocalRandom", "seeder")).set(entropy.getLong());
            Field seed = field(Thread.class, "threadLocalRandomSeed");
            Field probe = field(Thread.class, "threadLocalRandomProbe");
            for (Thread t : platformThreads()) {
                if (probe.getInt(t) != 0) { // 0: not used yet, seeded from the seeder when it is
                    seed.setLong(t, entropy.remaining() >= Long.BYTES ? entropy.getLong() : System.nanoTime() ^ t.threadId());
                }
            }
        });
        attempt(failed, "new Random()", () -> seed("java.util.Random", "seedUniquifier", entropy));
        attempt(failed, "new SplittableRandom()", () -> seed("java.util.SplittableRandom", "defaultGen", entropy));
        attempt(failed, "SecureRandom SHA1PRNG", () -> {
            if (!initialized("sun.security.provider.SecureRandom$SeederHolder")) {
                return;
            }
            Object seeder = staticField("sun.security.provider.SecureRandom$SeederHolder", "seeder");
            Method setSeed = seeder.getClass().getDeclaredMethod("engineSetSeed", byte[].class);
            setSeed.setAccessible(true);
            setSeed.invoke(seeder, (Object) bytes(entropy, 32));
        });
        attempt(failed, "SecureRandom DRBG", () -> {
            // The seeder is a lambda over a HashDrbg: reseeding that draws fresh entropy from the system's source.
            if (!initialized("sun.security.provider.AbstractDrbg$SeederHolder")) {
                return;
            }
            Object seeder = staticField("sun.security.provider.AbstractDrbg$SeederHolder", "seeder");
            Class<?> abstractDrbg = Class.forName("sun.security.provider.AbstractDrbg");
            Object drbg = null;
            for (Field f : seeder.getClass().getDeclaredFields()) {
                f.setAccessible(true);
                if (abstractDrbg.isInstance(f.get(seeder))) {
                    drbg = f.get(seeder);
                }
            }
            if (drbg == null) {
                throw new IllegalStateException("no DRBG in " + seeder.getClass().getName());
            }
            Method reseed = abstractDrbg.getDeclaredMethod("engineReseed", java.security.SecureRandomParameters.class);
            reseed.setAccessible(true);
            reseed.invoke(drbg, (Object) null);
        });
        attempt(failed, "SecureRandom NativePRNG", () -> {
            for (String holder : List.of("sun.security.provider.NativePRNG", "sun.security.provider.NativePRNG$Blocking",
                    "sun.security.provider.NativePRNG$NonBlocking")) {
                Object io = initialized(holder) ? staticField(holder, "INSTANCE") : null;
                if (io != null) {
                    Field buffered = field(io.getClass(), "buffered");
                    synchronized (lockOf(io)) {
                        buffered.setInt(io, 0);
                    }
                }
            }
        });
        return failed;
    }

    /** The live platform threads (not {@code Thread.getAllStackTraces()}: it takes every stack, slowly). */
    private static List<Thread> platformThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n;
        while ((n = root.enumerate(threads, true)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        return java.util.Arrays.asList(threads).subList(0, n);
    }

    private interface Step {
        void run() throws ReflectiveOperationException;
    }

    private static void attempt(List<String> failed, String what, Step step) {
        try {
            step.run();
        } catch (ReflectiveOperationException | RuntimeException e) {
            failed.add(what + ": " + e);
        }
    }

    private static void random(String holder, ByteBuffer entropy) throws ReflectiveOperationException {
        if (initialized(holder)) {
            ((Random) staticField(holder, "randomNumberGenerator")).setSeed(entropy.getLong());
        }
    }

    private static void seed(String className, String name, ByteBuffer entropy) throws ReflectiveOperationException {
        if (initialized(className)) {
            ((AtomicLong) staticField(className, name)).set(entropy.getLong());
        }
    }

    /** A static field of an initialized class. */
    private static Object staticField(String className, String name) throws ReflectiveOperationException {
        return field(Class.forName(className, false, null), name).get(null);
    }

    /**
     * Whether a JDK class is initialized. One that is not holds no state yet, and is seeded afresh when first used
     * after the restore; initializing it here could cost much (the {@code SecureRandom} seeders gather system
     * entropy: about half a second), so it is left alone. Asks {@code jdk.internal.misc.Unsafe}
     * ({@code --add-exports}): no public API tells without initializing the class.
     */
    private static boolean initialized(String className) throws ReflectiveOperationException {
        Class<?> c = Class.forName(className, false, null);
        if (unsafe == null) {
            Class<?> u = Class.forName("jdk.internal.misc.Unsafe");
            unsafe = u.getMethod("getUnsafe").invoke(null);
            shouldBeInitialized = u.getMethod("shouldBeInitialized", Class.class);
        }
        return !(boolean) shouldBeInitialized.invoke(unsafe, c);
    }

    private static Object unsafe;
    private static Method shouldBeInitialized;

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    /** NativePRNG.RandomIO's lock for reading its buffer (LOCK_GET_BYTES), else the object itself. */
    private static Object lockOf(Object io) {
        try {
            return field(io.getClass(), "LOCK_GET_BYTES").get(io);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return io;
        }
    }

    private static byte[] bytes(ByteBuffer from, int n) {
        byte[] b = new byte[n];
        from.get(b);
        return b;
    }

    /** Fresh bytes from the kernel; should {@code /dev/urandom} be unreadable, the clock's and the pid's. */
    private static ByteBuffer entropy(int n) {
        byte[] b = new byte[n];
        try (FileInputStream in = new FileInputStream("/dev/urandom")) {
            int read = 0;
            while (read < n) {
                int r = in.read(b, read, n - read);
                if (r < 0) {
                    throw new IOException("end of /dev/urandom");
                }
                read += r;
            }
        } catch (IOException e) {
            ByteBuffer fallback = ByteBuffer.wrap(b);
            Random r = new Random(System.nanoTime() ^ System.currentTimeMillis() ^ JavaWorkerMain.hostPid());
            r.nextBytes(b);
            return fallback;
        }
        return ByteBuffer.wrap(b);
    }
}
