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
}
