package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

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
}
