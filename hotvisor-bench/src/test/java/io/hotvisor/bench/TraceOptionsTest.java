package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class TraceOptionsTest {

    @Test
    void an_unknown_option_is_called_unknown_even_as_the_last_argument() {
        assertThatThrownBy(() -> TraceOptions.parse("--trace", "t", "--bogus"))
                .isInstanceOf(TraceException.class)
                .hasMessageStartingWith("Unknown option '--bogus'; options: ");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", "t", "--bogus", "1"))
                .hasMessageStartingWith("Unknown option '--bogus'; options: ");
    }

    @Test
    void a_known_option_without_its_value_needs_a_value() {
        assertThatThrownBy(() -> TraceOptions.parse("--trace", "t", "--seed"))
                .hasMessageStartingWith("Option --seed needs a value; options: ");
        assertThatThrownBy(() -> TraceOptions.parse("--trace", "t", "--mode"))
                .hasMessageStartingWith("Option --mode needs a value; options: ");
        assertThatThrownBy(() -> TraceOptions.parse("--trace"))
                .hasMessageStartingWith("Option --trace needs a value; options: ");
    }

    @Test
    void options_after_the_mode_override_its_values() {
        TraceOptions o = TraceOptions.parse("--mode", "smoke", "--trace", "t", "--seed", "7", "--dry-run");
        assertThat(o.mode()).isEqualTo("smoke");
        assertThat(o.trace()).isEqualTo(Path.of("t"));
        assertThat(o.seed()).isEqualTo(7);
        assertThat(o.dryRun()).isTrue();
        assertThat(o.functions()).isEqualTo(TraceOptions.preset("smoke", Path.of("t")).functions());
    }
}
