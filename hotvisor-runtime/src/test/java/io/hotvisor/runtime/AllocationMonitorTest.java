package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AllocationMonitorTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong allocated = new AtomicLong(1_000);
    // An hour between checks: the test runs each check itself.
    private final AllocationMonitor monitor = new AllocationMonitor(scheduler, Duration.ofHours(1),
            threadId -> allocated.get());

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void stops_an_invocation_once_it_allocated_more_than_its_limit_since_it_began() {
        AtomicInteger stops = new AtomicInteger();
        AllocationMonitor.Watch watch = monitor.watch(100, stops::incrementAndGet);

        allocated.set(1_100);
        monitor.check();
        assertThat(stops).hasValue(0);

        allocated.set(1_101);
        monitor.check();
        monitor.check();
        assertThat(stops).hasValue(1);
        assertThat(watch.exceeded()).isTrue();
    }

    @Test
    void forgets_an_invocation_that_ended() {
        AtomicInteger stops = new AtomicInteger();
        AllocationMonitor.Watch watch = monitor.watch(100, stops::incrementAndGet);
        watch.close();

        allocated.set(1_000_000);
        monitor.check();

        assertThat(stops).hasValue(0);
        assertThat(monitor.watched()).isZero();
    }

    @Test
    void keeps_checking_when_stopping_one_invocation_throws() {
        AtomicInteger stops = new AtomicInteger();
        monitor.watch(10, () -> {
            throw new IllegalStateException("boom");
        });
        monitor.watch(10, stops::incrementAndGet);

        allocated.set(2_000);
        monitor.check();

        assertThat(stops).hasValue(1);
    }

    @Test
    void is_shared_by_the_dispatchers_of_one_watchdog() {
        assertThat(AllocationMonitor.shared(scheduler, Duration.ofMillis(10)))
                .containsSame(AllocationMonitor.shared(scheduler, Duration.ofMillis(10)).orElseThrow());
        assertThat(AllocationMonitor.shared(scheduler, Duration.ZERO)).isEmpty();
    }
}
