package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.hotvisor.cluster.OptionValues;
import io.hotvisor.runtime.Criu;
import io.hotvisor.runtime.JavaScanPolicy;
import picocli.CommandLine;

/** The node's word-valued options, parsed by picocli as {@code bin/hotvisor node} does (nothing is started). */
class MainTest {

    private static Main parse(String... args) {
        Main main = new Main();
        new CommandLine(main).parseArgs(args);
        return main;
    }

    /** --java-scan, --eager-compile, --warm-up-policy, --warm-up-recheck, --aot-share, --criu as parsed. */
    private static List<Object> words(Main main) {
        return List.of(main.javaScan, main.eagerCompile, main.warmUpPolicy, main.warmUpRecheck, main.aotShare,
                main.criu);
    }

    @Test
    void defaults_each_word_valued_option_as_its_help_says() {
        assertThat(words(parse())).containsExactly(JavaScanPolicy.ENFORCE, OptionValues.Switch.OFF,
                WarmUpPolicy.BEFORE, OptionValues.Switch.ON, OptionValues.Switch.ON, Criu.Mode.AUTO);
    }

    @Test
    void takes_each_accepted_word() {
        Main main = parse("--java-scan", "warn", "--eager-compile", "on", "--warm-up-policy", "alongside",
                "--warm-up-recheck", "off", "--aot-share", "off", "--criu", "on");

        assertThat(words(main)).containsExactly(JavaScanPolicy.WARN, OptionValues.Switch.ON, WarmUpPolicy.ALONGSIDE,
                OptionValues.Switch.OFF, OptionValues.Switch.OFF, Criu.Mode.ON);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            --java-scan      | strict | 'strict'; use enforce, warn or off
            --eager-compile  | true   | 'true'; use on or off
            --warm-up-policy | after  | 'after'; use before or alongside
            --warm-up-recheck | yes   | 'yes'; use on or off
            --aot-share      | ON     | 'ON'; use on or off
            --criu           | maybe  | 'maybe'; use auto, on or off
            """)
    void refuses_any_other_value_naming_the_option_and_the_accepted_words(String option, String value, String use) {
        assertThatThrownBy(() -> parse(option, value))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid value for option '" + option + "': " + use);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            --load-wait     | -1s     | Invalid --load-wait -1s: use 0s or more, e.g. 10s
            --load-wait     | soon    | Invalid duration 'soon': use e.g. 250ms, 30s, 5m, 1h or ISO-8601 (PT5M)
            --change-wait   | -5s     | Invalid --change-wait -5s: use 0s or more, e.g. 60s
            --warm-up-quiet | -1s     | Invalid --warm-up-quiet -1s: use 0s or more, e.g. 5s
            --warm-up-quiet | a while | Invalid duration 'a while': use e.g. 250ms, 30s, 5m, 1h or ISO-8601 (PT5M)
            """)
    void refuses_a_negative_or_malformed_duration_before_starting_anything(String option, String value,
                                                                           String message) {
        assertThatThrownBy(() -> parse(option, value).call())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage(message);
    }

    @Test
    void refuses_a_negative_number_of_python_engine_priming_contexts_before_starting_anything() {
        assertThat(parse().pythonEnginePrime).isZero();
        assertThat(parse("--python-engine-prime", "7").pythonEnginePrime).isEqualTo(7);
        assertThatThrownBy(() -> parse("--python-engine-prime", "-1").call())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid --python-engine-prime -1: use 0 or more (0 turns priming off)");
    }

    @Test
    void refuses_an_aot_share_budget_under_one_mb_or_not_a_number_before_starting_anything() {
        assertThatThrownBy(() -> parse("--aot-share-max-mb", "0").call())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid --aot-share-max-mb 0: use 1 or more, e.g. 1024");
        assertThatThrownBy(() -> parse("--aot-share-max-mb", "-3").call())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid --aot-share-max-mb -3: use 1 or more, e.g. 1024");
        assertThatThrownBy(() -> parse("--aot-share-max-mb", "1GB"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--aot-share-max-mb").hasMessageContaining("1GB");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            java              | java
            'python,ruby'     | ruby
            'none,python'     | none
            """)
    void refuses_engine_per_function_languages_other_than_javascript_and_python_before_starting_anything(String list,
                                                                                                       String bad) {
        assertThat(parse().enginePerFunction).isEqualTo("none");
        assertThatThrownBy(() -> parse("--engine-per-function", list).call())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid --engine-per-function '" + list + "': '" + bad + "' is not javascript or python"
                        + " (comma-separated, e.g. javascript,python; java functions have no Truffle engine)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            java              | java
            'javascript,ruby' | ruby
            ''                | ''
            'python,'         | ''
            """)
    void refuses_eager_compile_languages_other_than_javascript_and_python_before_starting_anything(String list,
                                                                                                   String bad) {
        assertThatThrownBy(() -> parse("--eager-compile-languages", list).call())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid --eager-compile-languages '" + list + "': '" + bad + "' is not javascript or python"
                        + " (comma-separated, e.g. javascript,python; java functions have no Truffle engine)");
    }

    @Test
    void shows_the_words_of_the_defaults_in_its_help() {
        String usage = new CommandLine(new Main()).getUsageMessage().replaceAll("\\s+", " ");

        assertThat(usage).contains("off (default: enforce)", "on or off (default: off)", "(default: before)",
                "on or off (default: on)", "off (default: auto)");
    }

    /**
     * picocli passes each description through String.format: a lone % (as in "25% of a core") makes it warn on
     * stderr and show the raw text, %n unreplaced.
     */
    @Test
    void formats_every_description_of_its_help() {
        PrintStream err = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        String usage;
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            usage = new CommandLine(new Main()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        } finally {
            System.setErr(err);
        }

        assertThat(warnings.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(usage.replaceAll("\\s+", " ")).contains("(under 25% of a core over 2 windows");
    }
}
