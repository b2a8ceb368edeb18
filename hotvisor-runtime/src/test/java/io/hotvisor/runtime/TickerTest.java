package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ThreadMXBean;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class TickerTest {

    @Test
    void the_system_tickers_thread_cpu_time_does_not_count_a_sleep() throws Exception {
        Ticker ticker = Ticker.system();
        long wall = ticker.read();
        long cpu = ticker.threadCpu();

        Thread.sleep(300);

        assertThat(cpu).as("this JVM measures thread CPU time").isPositive();
        assertThat(ticker.read() - wall).isGreaterThanOrEqualTo(300_000_000L);
        assertThat(ticker.threadCpu() - cpu).as("a sleep costs (next to) no CPU").isLessThan(150_000_000L);
    }

    @Test
    void the_system_ticker_switches_thread_cpu_time_on_and_falls_back_to_wall_time_where_the_jvm_cannot_measure_it() {
        AtomicBoolean enabled = new AtomicBoolean(false);
        Ticker switchedOn = Ticker.system(threads(true, enabled, true));
        assertThat(enabled).as("switched on").isTrue();
        assertThat(switchedOn.threadCpu()).as("the bean's CPU time").isEqualTo(42L);

        Ticker refused = Ticker.system(threads(true, new AtomicBoolean(false), false));
        long before = refused.read();
        assertThat(refused.threadCpu()).as("wall time, not the bean's (switched off) 42").isNotEqualTo(42L)
                .isGreaterThanOrEqualTo(before);

        Ticker unsupported = Ticker.system(threads(false, new AtomicBoolean(false), true));
        assertThat(unsupported.threadCpu()).isNotEqualTo(42L).isGreaterThanOrEqualTo(before);
    }

    /** A ThreadMXBean that reports 42 ns of CPU; {@code settable}: whether switching CPU time on succeeds. */
    private static ThreadMXBean threads(boolean supported, AtomicBoolean enabled, boolean settable) {
        return (ThreadMXBean) Proxy.newProxyInstance(ThreadMXBean.class.getClassLoader(),
                new Class<?>[] {ThreadMXBean.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "isCurrentThreadCpuTimeSupported" -> supported;
                    case "isThreadCpuTimeEnabled" -> enabled.get();
                    case "setThreadCpuTimeEnabled" -> {
                        if (!settable) {
                            throw new UnsupportedOperationException("not here");
                        }
                        enabled.set((Boolean) args[0]);
                        yield null;
                    }
                    case "getCurrentThreadCpuTime" -> 42L;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
