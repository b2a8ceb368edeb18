package io.hotvisor.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes one owner (a baseline server's instance pool, a benchmark's servers) has started, so that all of them
 * end with it, and whatever they started in turn: a JDK 25 JVM run with {@code -XX:AOTCacheOutput} starts a second
 * JVM at its exit to write the cache, and a killed parent leaves such a child behind, reparented to init and no longer
 * a descendant of anyone here.
 *
 * <p>{@link #start} and {@link #close} exclude each other: once closed, nothing more is started (a request that was
 * starting an instance while the server stopped used to leave it running). Whatever is still open when the JVM exits
 * is closed by one shutdown hook.
 */
final class ChildProcesses implements AutoCloseable {
    private static final Set<ChildProcesses> OPEN = ConcurrentHashMap.newKeySet();
    /** The processes a benchmark JVM starts itself (servers, redis-server, wrk): ended at the latest when it exits. */
    static final ChildProcesses BENCH = open("The benchmark");

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("child-processes").unstarted(
                () -> List.copyOf(OPEN).forEach(ChildProcesses::close)));
    }

    private final String owner;
    private final Set<Process> started = new LinkedHashSet<>();
    private boolean closed;

    private ChildProcesses(String owner) {
        this.owner = owner;
    }

    /** An open set; {@code owner} names it in the error of a start after {@link #close}. */
    static ChildProcesses open(String owner) {
        ChildProcesses c = new ChildProcesses(owner);
        OPEN.add(c);
        return c;
    }

    /** Starts {@code pb}'s process, kept here until it exits; refused once closed. */
    synchronized Process start(ProcessBuilder pb) throws IOException {
        if (closed) {
            throw new IOException(owner + " is stopping: not starting " + String.join(" ", pb.command()));
        }
        Process p = pb.start();
        started.add(p);
        p.onExit().thenRun(() -> forget(p));
        return p;
    }

    private synchronized void forget(Process p) {
        started.remove(p);
    }

    /** The processes started here that are still running. */
    synchronized List<Process> alive() {
        return started.stream().filter(Process::isAlive).toList();
    }

    /** Kills every process started here and its descendants, and waits (10 s at most) until they have ended. */
    @Override
    public void close() {
        List<Process> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(started);
        }
        OPEN.remove(this);
        List<ProcessHandle> tree = new ArrayList<>();
        all.forEach(p -> tree.addAll(kill(p.toHandle())));
        await(tree, Duration.ofSeconds(10));
    }

    /**
     * Kills {@code root} and its descendants now (SIGKILL): the descendants are listed before the root dies, since
     * a dead process's children are no longer its descendants. Returns them all, root last.
     */
    static List<ProcessHandle> kill(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly();
        tree.add(root);
        return tree;
    }

    /**
     * Stops {@code root} and its descendants: SIGTERM to all (so that a server can run its shutdown hook and stop
     * what it started), then SIGKILL to whatever is left after {@code grace}. Children are listed before and again
     * after the root is asked to stop: a server that starts a process while it is being stopped would otherwise leave
     * it behind.
     */
    static void stop(ProcessHandle root, Duration grace) {
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.forEach(ProcessHandle::destroy);
        tree.addAll(root.descendants().toList());
        tree.add(root);
        tree.forEach(ProcessHandle::destroy);
        List<ProcessHandle> left = await(tree, grace);
        left.forEach(ProcessHandle::destroyForcibly);
        await(left, Duration.ofSeconds(10));
    }

    /** Waits until every process in {@code handles} has ended, {@code timeout} at most; returns those still alive. */
    static List<ProcessHandle> await(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return handles.stream().filter(ProcessHandle::isAlive).toList();
    }
}
