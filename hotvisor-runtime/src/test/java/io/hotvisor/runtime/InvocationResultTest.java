package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InvocationResultTest {
    @Test
    void its_text_form_leaves_the_result_out_and_says_how_long_it_is() {
        InvocationResult r = new InvocationResult("{\"ssn\":\"078-05-1120\"}", 3, 1_500, 20).ranIn(Warmth.State.HOT);

        assertThat(r.toString()).doesNotContain("078-05-1120").contains("version=3", "warmth=HOT", "jsonChars=21");
        assertThat(r.json()).contains("078-05-1120");
    }

    @Test
    void the_cpu_time_is_absent_until_measured_and_kept_when_warmth_judges_it() {
        InvocationResult r = new InvocationResult("1", 3, 1_500, 20);

        assertThat(r.cpuNanos()).isEmpty();
        assertThat(r.measured(900).ranIn(Warmth.State.WARMING).cpuNanos()).hasValue(900);
        assertThat(r.measured(900).ranIn(Warmth.State.WARMING).warmth()).hasValue(Warmth.State.WARMING);
        assertThat(r.measured(0).cpuNanos()).as("a call too short for the clock").hasValue(0);
    }
}
