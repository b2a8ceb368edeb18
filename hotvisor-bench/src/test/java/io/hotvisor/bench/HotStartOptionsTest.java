package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HotStartOptionsTest {

    @Test
    void the_full_mode_measures_200_invocations_of_every_function_with_none_each_mechanism_in_main_and_all() {
        HotStartOptions o = HotStartOptions.parse();

        assertThat(o.invocations()).isEqualTo(200);
        assertThat(o.warmMin()).as("node 1 really hot: its steady state still fell 1.4-5.5x after 100 calls")
                .isEqualTo(400);
        assertThat(o.languages()).containsExactly("js", "python", "java");
        assertThat(o.functions()).containsExactly("word-count", "json-transform");
        assertThat(o.mechanisms()).extracting(HotStartMechanism::name).containsExactly("warm-up", "aot", "routing",
                "warm-up-alongside", "warm-up-no-recheck", "warm-up-no-quiet", "sampled", "eager-compile", "criu");
        assertThat(o.configurations()).extracting(HotStartMechanism.Configuration::name)
                .containsExactly("none", "none-gateway", "warm-up", "aot", "routing", "warm-up-alongside",
                        "warm-up-no-recheck", "warm-up-no-quiet", "sampled", "eager-compile", "criu", "all");
    }

    @Test
    void options_after_the_mode_override_it() {
        HotStartOptions o = HotStartOptions.parse("--quick", "--invocations", "20", "--languages", "java,js",
                "--configs", "none,aot");

        assertThat(o.mode()).isEqualTo("quick");
        assertThat(o.invocations()).isEqualTo(20);
        assertThat(o.languages()).containsExactly("java", "js");
        assertThat(o.configurations()).extracting(HotStartMechanism.Configuration::name).containsExactly("none", "aot");
        assertThat(o).hasToString("--quick --invocations 20 --steady 20 --warm-min 60 --warm-max 400 --languages java,js"
                + " --functions word-count,json-transform --mechanisms warm-up,aot,routing,warm-up-alongside,"
                + "warm-up-no-recheck,warm-up-no-quiet,sampled,eager-compile,criu --configs none,aot"
                + " --out bench/results");
    }

    @Test
    void a_configuration_switches_its_mechanisms_on_and_every_other_of_the_run_off() {
        List<HotStartMechanism> main = HotStartOptions.parse("--mechanisms", "warm-up,aot,routing").mechanisms();
        HotStartMechanism.Configuration warmUp = HotStartMechanism.Configuration.named("warm-up", main);

        assertThat(warmUp.nodeOptions()).containsExactly("--warm-up-replays", "200", "--aot-share", "off");
        assertThat(warmUp.gatewayOptions()).containsExactly("--warmth-routing", "off");
        assertThat(warmUp.gateway()).isFalse();
        assertThat(HotStartMechanism.Configuration.named("none", main).nodeOptions())
                .containsExactly("--warm-up-replays", "0", "--aot-share", "off");
        HotStartMechanism.Configuration all = HotStartMechanism.Configuration.named("all", main);
        assertThat(all.nodeOptions()).containsExactly("--warm-up-replays", "200", "--aot-share", "on");
        assertThat(all.gatewayOptions()).containsExactly("--warmth-routing", "on");
        assertThat(all.gateway()).isTrue();
        assertThat(warmUp.actingOn("python")).containsExactly("warm-up");
        assertThat(warmUp.actingOn("java")).as("replays inside the worker JVM").containsExactly("warm-up");
        assertThat(HotStartMechanism.Configuration.named("aot", main).actingOn("python")).isEmpty();
    }

    @Test
    void routing_and_none_gateway_send_the_traffic_through_a_gateway_that_routes_by_warmth_or_by_hash() {
        List<HotStartMechanism> main = HotStartOptions.parse("--mechanisms", "warm-up,aot,routing").mechanisms();
        HotStartMechanism.Configuration routing = HotStartMechanism.Configuration.named("routing", main);
        HotStartMechanism.Configuration noneGateway = HotStartMechanism.Configuration.named("none-gateway", main);

        assertThat(routing.gateway()).isTrue();
        assertThat(routing.gatewayOptions()).containsExactly("--warmth-routing", "on");
        assertThat(routing.nodeOptions()).containsExactly("--warm-up-replays", "0", "--aot-share", "off");
        assertThat(noneGateway.gateway()).isTrue();
        assertThat(noneGateway.gatewayOptions()).containsExactly("--warmth-routing", "off");
    }

    @Test
    void mechanisms_chosen_by_name_bring_their_flags_and_deploy_fields() {
        HotStartOptions o = HotStartOptions.parse("--mechanisms", "warm-up,sampled,eager-compile,criu",
                "--configs", "none,sampled,all");
        List<HotStartMechanism> run = o.mechanisms();
        HotStartMechanism.Configuration sampled = HotStartMechanism.Configuration.named("sampled", run);
        HotStartMechanism.Configuration all = HotStartMechanism.Configuration.named("all", run);

        assertThat(o.configurations()).extracting(HotStartMechanism.Configuration::name)
                .containsExactly("none", "sampled", "all");
        assertThat(sampled.nodeOptions()).containsExactly("--warm-up-replays", "200", "--eager-compile", "off",
                "--criu", "off", "--snapshot-share", "off");
        Map<String, Object> fields = sampled.deployFields();
        assertThat(fields).containsEntry("warmupSampling", true).containsKey("warmupInputs");
        assertThat(fields.get("warmupInputs")).isNull();
        assertThat(all.nodeOptions()).containsExactly("--warm-up-replays", "200", "--eager-compile", "on",
                "--criu", "on", "--snapshot-share", "on");
        assertThat(all.gateway()).isFalse();
        assertThat(HotStartOptions.parse("--mechanisms", "warm-up,warm-up-alongside").configurations())
                .extracting(HotStartMechanism.Configuration::name)
                .containsExactly("none", "warm-up", "warm-up-alongside", "all");
        assertThat(HotStartMechanism.Configuration.named("warm-up-alongside", HotStartOptions.parse("--mechanisms",
                "warm-up,warm-up-alongside").mechanisms()).nodeOptions())
                .containsExactly("--warm-up-replays", "200", "--warm-up-policy", "alongside");
        List<HotStartMechanism> recheck = HotStartOptions.parse("--mechanisms", "warm-up,warm-up-no-recheck")
                .mechanisms();
        assertThat(HotStartMechanism.Configuration.named("warm-up-no-recheck", recheck).nodeOptions())
                .containsExactly("--warm-up-replays", "200", "--warm-up-recheck", "off");
        assertThat(HotStartMechanism.Configuration.named("warm-up", recheck).nodeOptions())
                .as("the re-check is on by default").containsExactly("--warm-up-replays", "200");
        assertThat(HotStartMechanism.Configuration.named("all", recheck).nodeOptions())
                .containsExactly("--warm-up-replays", "200");
    }

    @Test
    void bad_options_are_refused_with_what_was_wrong() {
        assertThatThrownBy(() -> HotStartOptions.parse("--configs", "none,teleport"))
                .hasMessage("Unknown mechanism 'teleport'; known: [warm-up, aot, routing, warm-up-alongside,"
                        + " warm-up-no-recheck, warm-up-no-quiet, sampled, eager-compile, criu]");
        assertThatThrownBy(() -> HotStartOptions.parse("--mechanisms", "warm-up,aot,routing", "--configs", "criu"))
                .hasMessage("Configuration 'criu' is not a mechanism of this run; the run's mechanisms: [warm-up, aot,"
                        + " routing] (--mechanisms)");
        assertThatThrownBy(() -> HotStartOptions.parse("--configs", "warm-up,sampled,warm-up"))
                .hasMessage("--configs names 'warm-up' twice: warm-up,sampled,warm-up");
        assertThatThrownBy(() -> HotStartOptions.parse("--languages", "ruby"))
                .hasMessage("Unknown value 'ruby' for --languages; known: " + List.of("js", "python", "java"));
        assertThatThrownBy(() -> HotStartOptions.parse("--invocations", "0"))
                .hasMessage("--invocations must be a positive whole number; got '0'");
        assertThatThrownBy(() -> HotStartOptions.parse("--invocations", "5", "--quick"))
                .hasMessage("--quick must come first: it sets every other value");
        assertThatThrownBy(() -> HotStartOptions.parse("--steady"))
                .hasMessageStartingWith("Option --steady needs a value; options: --quick | --full");
        assertThatThrownBy(() -> HotStartOptions.parse("--warm-min", "500", "--warm-max", "100"))
                .hasMessage("--warm-min (500) is above --warm-max (100)");
    }
}
