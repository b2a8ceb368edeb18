package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.hotvisor.runtime.Language;

/** The options of {@link EagerCompileBench}: what bench/eager-compile.sh passes, and refusals that name the option. */
class EagerCompileBenchTest {

    @Test
    void reads_the_options_of_one_run() {
        EagerCompileBench.Args a = EagerCompileBench.parse("run", "--function", "orders", "--language", "python",
                "--engine", "eager", "--first-tier", "20", "--last-tier", "200", "--gap-ms", "0",
                "--warm-compiler-s", "30", "--out", "x");

        assertThat(a.mode()).isEqualTo("run");
        assertThat(a.function()).isEqualTo("orders");
        assertThat(a.language()).isEqualTo(Language.PYTHON);
        assertThat(a.eager().enabled()).isTrue();
        assertThat(a.eager().firstTierThreshold()).isEqualTo(20);
        assertThat(a.eager().lastTierThreshold()).isEqualTo(200);
        assertThat(a.gapMs()).isZero();
        assertThat(a.warmCompilerSeconds()).isEqualTo(30);
        assertThat(a.out()).isEqualTo(Path.of("x"));
    }

    @Test
    void defaults_to_a_word_count_in_javascript_on_the_default_engine() {
        EagerCompileBench.Args a = EagerCompileBench.parse();

        assertThat(a.mode()).isEqualTo("run");
        assertThat(a.function()).isEqualTo("wordcount");
        assertThat(a.language()).isEqualTo(Language.JAVASCRIPT);
        assertThat(a.eager().enabled()).isFalse();
        assertThat(a.gapMs()).isEqualTo(10);
        assertThat(a.out()).isEqualTo(Path.of("bench", "results"));
    }

    @Test
    void refuses_an_unknown_option_naming_it() {
        assertThatThrownBy(() -> EagerCompileBench.parse("run", "--engine", "eager", "--frist-tier", "20"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Unknown option '--frist-tier' for run;").hasMessageContaining("--first-tier N");
        assertThatThrownBy(() -> EagerCompileBench.parse("report", "--language", "js"))
                .hasMessageStartingWith("Unknown option '--language' for report;");
        assertThatThrownBy(() -> EagerCompileBench.parse("--function", "orders"))
                .hasMessageStartingWith("Unknown mode '--function';");
    }

    @Test
    void refuses_bad_values_naming_the_option_and_the_value() {
        assertThatThrownBy(() -> EagerCompileBench.parse("run", "--language", "ruby"))
                .hasMessage("--language must be one of js, python; got 'ruby'");
        assertThatThrownBy(() -> EagerCompileBench.parse("run", "--engine", "fast"))
                .hasMessage("--engine must be one of default, eager; got 'fast'");
        assertThatThrownBy(() -> EagerCompileBench.parse("run", "--first-tier", "0"))
                .hasMessage("--first-tier must be a positive whole number; got '0'");
        assertThatThrownBy(() -> EagerCompileBench.parse("run", "--first-tier", "100", "--last-tier", "50"))
                .hasMessage("--last-tier (50) must be at least --first-tier (100)");
        assertThatThrownBy(() -> EagerCompileBench.parse("run", "--out"))
                .hasMessageStartingWith("Option --out needs a value;");
    }
}
