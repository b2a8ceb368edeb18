package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class HotStartOptionsTest {

    @Test
    void the_full_mode_measures_200_invocations_of_every_function_with_none_each_mechanism_and_all() {
        HotStartOptions o = HotStartOptions.parse();

        assertThat(o.invocations()).isEqualTo(200);
        assertThat(o.languages()).containsExactly("js", "python", "java");
        assertThat(o.functions()).containsExactly("word-count", "json-transform");
        assertThat(o.configurations()).extracting(HotStartMechanism.Configuration::name)
                .containsExactly("none", "warm-up", "aot", "all");
        assertThat(o.target()).isEqualTo("node");
    }

    @Test
    void options_after_the_mode_override_it() {
        HotStartOptions o = HotStartOptions.parse("--quick", "--invocations", "20", "--languages", "java,js",
                "--configs", "none,aot", "--target", "gateway");

        assertThat(o.mode()).isEqualTo("quick");
        assertThat(o.invocations()).isEqualTo(20);
        assertThat(o.languages()).containsExactly("java", "js");
        assertThat(o.configurations()).extracting(HotStartMechanism.Configuration::name).containsExactly("none", "aot");
        assertThat(o.target()).isEqualTo("gateway");
        assertThat(o).hasToString("--quick --invocations 20 --steady 20 --warm-min 60 --warm-max 400 --languages java,js"
                + " --functions word-count,json-transform --configs none,aot --target gateway --out bench/results");
    }

    @Test
    void a_configuration_switches_its_mechanisms_on_and_every_other_off() {
        HotStartMechanism.Configuration warmUp = HotStartMechanism.Configuration.named("warm-up");

        assertThat(warmUp.nodeOptions()).containsExactly("--warm-up-replays", "200", "--aot-share", "off");
        assertThat(HotStartMechanism.Configuration.named("none").nodeOptions())
                .containsExactly("--warm-up-replays", "0", "--aot-share", "off");
        assertThat(HotStartMechanism.Configuration.named("all").nodeOptions())
                .containsExactly("--warm-up-replays", "200", "--aot-share", "on");
        assertThat(warmUp.actingOn("python")).containsExactly("warm-up");
        assertThat(warmUp.actingOn("java")).isEmpty();
    }

    @Test
    void bad_options_are_refused_with_what_was_wrong() {
        assertThatThrownBy(() -> HotStartOptions.parse("--configs", "none,routing"))
                .hasMessage("Unknown mechanism 'routing'; known: [warm-up, aot]");
        assertThatThrownBy(() -> HotStartOptions.parse("--languages", "ruby"))
                .hasMessage("Unknown value 'ruby' for --languages; known: " + List.of("js", "python", "java"));
        assertThatThrownBy(() -> HotStartOptions.parse("--invocations", "0"))
                .hasMessage("--invocations must be a positive whole number; got '0'");
        assertThatThrownBy(() -> HotStartOptions.parse("--invocations", "5", "--quick"))
                .hasMessage("--quick must come first: it sets every other value");
        assertThatThrownBy(() -> HotStartOptions.parse("--target", "node-4"))
                .hasMessage("--target must be node or gateway; got 'node-4'");
        assertThatThrownBy(() -> HotStartOptions.parse("--steady"))
                .hasMessageStartingWith("Option --steady needs a value; options: --quick | --full");
        assertThatThrownBy(() -> HotStartOptions.parse("--warm-min", "500", "--warm-max", "100"))
                .hasMessage("--warm-min (500) is above --warm-max (100)");
    }
}
