package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The eager engine (issue 6, mechanism 3), observed through Truffle's own compilation log: each runtime here traces
 * compilations ({@code engine.TraceCompilation}) into a file and compiles in the foreground
 * ({@code engine.BackgroundCompilation=false}), so that what is compiled after N calls does not depend on timing;
 * only roots named {@code handler} compile ({@code engine.CompileOnly}).
 */
class EagerCompileTest {
    /** Calls made in both runtimes: below GraalVM's last-tier threshold even at its lowest dynamic scale (0.1). */
    private static final int CALLS = 60;

    private static final String JS = """
            function handler(event) {
              let n = 0;
              for (const w of event.text.split(' ')) { n += w.length; }
              return {n};
            }
            """;
    private static final String PY = """
            def handler(event, context):
                n = 0
                for w in event['text'].split(' '):
                    n += len(w)
                return {'n': n}
            """;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Language.class, names = {"JAVASCRIPT", "PYTHON"})
    void compiles_a_function_placed_on_the_eager_engine_in_its_last_tier_after_far_fewer_calls(Language language)
            throws IOException {
        Path eagerLog = dir.resolve("eager.log");
        Path defaultLog = dir.resolve("default.log");

        try (FunctionRuntime runtime = traced(eagerLog, EagerCompileOptions.on().languages(Set.of(language))
                .firstTierThreshold(10).lastTierThreshold(50))) {
            LoadedFunction fn = runtime.load(definition(language), EngineChoice.eager("hot on node n1"));
            assertThat(fn.engine()).isEqualTo(EngineChoice.eager("hot on node n1"));
            call(fn, CALLS);
        }
        try (FunctionRuntime runtime = traced(defaultLog, EagerCompileOptions.on().languages(Set.of(language))
                .firstTierThreshold(10).lastTierThreshold(50))) {
            LoadedFunction fn = runtime.load(definition(language), EngineChoice.standard("not known hot"));
            assertThat(fn.engine().kind()).isEqualTo(EngineChoice.Kind.DEFAULT);
            call(fn, CALLS);
        }

        assertThat(lastTierCompilations(eagerLog)).as("last-tier compilations of handler on the eager engine; trace: %s",
                        handlerLines(eagerLog))
                .isGreaterThanOrEqualTo(1);
        assertThat(lastTierCompilations(defaultLog)).as("last-tier compilations of handler on the default engine")
                .isZero();
    }

    @Test
    void keeps_a_function_not_known_hot_on_the_default_engine_and_counts_eager_ones() {
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.builder()
                .eagerCompile(EagerCompileOptions.on()).build())) {
            LoadedFunction plain = runtime.load(definition(Language.JAVASCRIPT));
            assertThat(plain.engine().kind()).isEqualTo(EngineChoice.Kind.DEFAULT);
            assertThat(runtime.eagerFunctions()).isZero();

            LoadedFunction hot = runtime.load(definition(Language.JAVASCRIPT), EngineChoice.eager("hot on n2"));
            assertThat(hot.engine().kind()).isEqualTo(EngineChoice.Kind.EAGER);
            assertThat(runtime.eagerFunctions()).isEqualTo(1);
            assertThat(call(hot, 1)).isEqualTo("{\"n\":25}");
            assertThat(call(plain, 1)).isEqualTo("{\"n\":25}");

            hot.close();
            hot.close();
            assertThat(runtime.eagerFunctions()).isZero();
        }
    }

    @Test
    void falls_back_to_the_default_engine_when_eager_compilation_is_off() {
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.defaults())) {
            LoadedFunction fn = runtime.load(definition(Language.JAVASCRIPT), EngineChoice.eager("hot on n2"));

            assertThat(fn.engine().kind()).isEqualTo(EngineChoice.Kind.DEFAULT);
            assertThat(fn.engine().reason()).isEqualTo("eager compilation is off on this node (asked for: hot on n2)");
            assertThat(runtime.eagerFunctions()).isZero();
        }
    }

    @Test
    void keeps_python_on_the_default_engine_unless_python_is_one_of_the_eager_languages() {
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.builder()
                .eagerCompile(EagerCompileOptions.on()).build())) {
            LoadedFunction py = runtime.load(definition(Language.PYTHON), EngineChoice.eager("hot on n2"));
            LoadedFunction js = runtime.load(definition(Language.JAVASCRIPT), EngineChoice.eager("hot on n2"));

            assertThat(py.engine()).isEqualTo(EngineChoice.standard("eager compilation is off for python on this node"
                    + " (eager languages: javascript; asked for: hot on n2)"));
            assertThat(js.engine().kind()).isEqualTo(EngineChoice.Kind.EAGER);
            assertThat(runtime.eagerFunctions()).isEqualTo(1);
        }
        try (FunctionRuntime runtime = FunctionRuntime.create(RuntimeOptions.builder()
                .eagerCompile(EagerCompileOptions.on().languages(Set.of(Language.PYTHON, Language.JAVASCRIPT)))
                .build())) {
            LoadedFunction py = runtime.load(definition(Language.PYTHON), EngineChoice.eager("hot on n2"));

            assertThat(py.engine()).isEqualTo(EngineChoice.eager("hot on n2"));
            assertThat(call(py, 1)).isEqualTo("{\"n\": 25}");
        }
    }

    @Test
    void takes_javascript_alone_by_default_and_refuses_java_as_an_eager_language() {
        assertThat(EagerCompileOptions.on().languages()).containsExactly(Language.JAVASCRIPT);
        assertThat(EagerCompileOptions.on().languages(Set.of(Language.PYTHON, Language.JAVASCRIPT)).languageIds())
                .containsExactly("javascript", "python");
        assertThat(EagerCompileOptions.on().languages(Set.of()).appliesTo(Language.JAVASCRIPT)).isFalse();
        assertThat(EagerCompileOptions.off().appliesTo(Language.JAVASCRIPT)).isFalse();
        assertThatThrownBy(() -> EagerCompileOptions.on().languages(Set.of(Language.JAVA)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("eager compilation applies to javascript and python functions only; java functions have no"
                        + " Truffle engine");
    }

    @Test
    void refuses_thresholds_that_cannot_work() {
        assertThatThrownBy(() -> EagerCompileOptions.on().firstTierThreshold(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("firstTierThreshold must be at least 1, was 0");
        assertThatThrownBy(() -> EagerCompileOptions.on().firstTierThreshold(100).lastTierThreshold(99))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lastTierThreshold must be at least firstTierThreshold (100), was 99");
    }

    @Test
    void names_the_graalvm_options_it_sets() {
        assertThat(EagerCompileOptions.on().firstTierThreshold(7).lastTierThreshold(70).engineOptions())
                .containsExactlyInAnyOrderEntriesOf(Map.of("engine.FirstTierCompilationThreshold", "7",
                        "engine.LastTierCompilationThreshold", "70"));
    }

    private static FunctionRuntime traced(Path log, EagerCompileOptions eager) {
        return FunctionRuntime.create(RuntimeOptions.builder()
                .engineOption("engine.TraceCompilation", "true")
                .engineOption("engine.BackgroundCompilation", "false")
                // Only the guest function compiles: with low thresholds GraalPy would compile hundreds of roots of its
                // own start-up in the foreground (what that costs in production is measured in bench/eager-compile.sh).
                .engineOption("engine.CompileOnly", "handler")
                .engineOption("log.file", log.toString())
                .eagerCompile(eager).build());
    }

    private static FunctionDefinition definition(Language language) {
        String handler = language == Language.JAVASCRIPT ? "index.handler" : "main.handler";
        FunctionConfig config = FunctionConfig.builder("wc", language, handler).memoryMb(512).build();
        return new FunctionDefinition(config, new FunctionCode.SourceText(language == Language.JAVASCRIPT ? JS : PY),
                1);
    }

    /** Calls {@code fn} {@code n} times in one sandbox; returns the last result. */
    private static String call(LoadedFunction fn, int n) {
        String result = null;
        try (Sandbox sandbox = fn.newSandbox()) {
            for (int i = 0; i < n; i++) {
                Ticker ticker = Ticker.system();
                result = sandbox.invoke("{\"text\":\"the quick brown fox jumps over\"}", new InvocationContext("inv-" + i,
                        "wc", 1, 512, ticker.read() + Duration.ofSeconds(30).toNanos(), ticker));
            }
        }
        return result;
    }

    private static List<String> handlerLines(Path log) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("handler")).limit(10).toList();
    }

    /** GraalJS names the root {@code handler}, GraalPy {@code <bytecode handler at 1a2b3c>}. */
    private static final java.util.regex.Pattern LAST_TIER_HANDLER = java.util.regex.Pattern.compile(
            ".*(\\s|<bytecode )handler( at [0-9a-f]+>)?\\s+\\|Tier 2\\|.*");

    /** "opt done" lines of Truffle's compilation trace for the guest root {@code handler}, in its last tier. */
    private static long lastTierCompilations(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains("opt done") && LAST_TIER_HANDLER.matcher(l).matches())
                .count();
    }
}
