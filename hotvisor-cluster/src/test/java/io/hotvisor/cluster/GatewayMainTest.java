package io.hotvisor.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** The gateway's {@code --warmth-routing on|off}, parsed by picocli as {@code bin/hotvisor gateway} does. */
class GatewayMainTest {

    private static GatewayMain parse(String... args) {
        GatewayMain main = new GatewayMain();
        new CommandLine(main).parseArgs(args);
        return main;
    }

    @Test
    void routes_by_warmth_unless_told_off() {
        assertThat(parse("--redis", "redis://127.0.0.1:1").warmthRouting.on()).isTrue();
        assertThat(parse("--redis", "redis://127.0.0.1:1", "--warmth-routing", "off").warmthRouting.on()).isFalse();
        assertThat(parse("--redis", "redis://127.0.0.1:1", "--warmth-routing", "on").warmthRouting.on()).isTrue();
    }

    @Test
    void refuses_a_warmth_routing_value_other_than_on_or_off() {
        assertThatThrownBy(() -> parse("--redis", "redis://127.0.0.1:1", "--warmth-routing", "maybe"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessage("Invalid value for option '--warmth-routing': 'maybe'; use on or off");
    }
}
