package io.hotvisor.bench;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every process that this JVM's descendants counted while it watched (polled every 20 ms, so anything that lives
 * longer is seen): a process whose parent died is reparented to init and is no longer anyone's descendant, so the
 * processes a benchmark left behind can only be found by having seen them earlier.
 */
final class ProcessWatch implements AutoCloseable {
    private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread poller;

    private ProcessWatch() {
        poller = Thread.ofVirtual().name("process-watch").start(() -> {
            while (!stop.get()) {
                ProcessHandle.current().descendants().forEach(seen::add);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static ProcessWatch start() {
        return new ProcessWatch();
    }

    /** The processes seen so far. */
    Set<ProcessHandle> seen() {
        ProcessHandle.current().descendants().forEach(seen::add);
        return Set.copyOf(seen);
    }

    /** Stops watching; the processes seen that are still alive after {@code grace}, described by pid and command. */
    List<String> alive(Duration grace) throws InterruptedException {
        close();
        return ChildProcesses.await(List.copyOf(seen), grace).stream()
                .map(h -> h.pid() + " " + h.info().commandLine().orElse(h.info().command().orElse("?"))).toList();
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        poller.join();
        ProcessHandle.current().descendants().forEach(seen::add);
    }
}
