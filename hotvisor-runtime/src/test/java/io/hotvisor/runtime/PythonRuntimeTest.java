package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.hotvisor.runtime.GuestFunctions.failure;
import static io.hotvisor.runtime.GuestFunctions.invoke;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One runtime for the class: GraalPy's first context in a process takes seconds. */
class PythonRuntimeTest {
    private static GuestFunctions functions;

    @BeforeAll
    static void createRuntime() {
        functions = new GuestFunctions(Language.PYTHON);
    }

    @AfterAll
    static void closeRuntime() {
        functions.close();
    }

    // ---------------------------------------------------------------- handler shapes

    @Test
    void runs_a_lambda_handler() {
        LoadedFunction fn = functions.load("lambda_function.lambda_handler",
                "def lambda_handler(event, context):\n    return {'sum': event['a'] + event['b']}\n");

        assertThat(invoke(fn, "{\"a\":1,\"b\":2}")).isEqualTo("{\"sum\": 3}");
    }

    @Test
    void runs_an_openwhisk_main() {
        LoadedFunction fn = functions.load("main", "def main(args):\n    return {'greeting': 'Hello ' + args['name']}\n");

        assertThat(invoke(fn, "{\"name\":\"Ada\"}")).isEqualTo("{\"greeting\": \"Hello Ada\"}");
    }

    @Test
    void does_not_run_the_main_guard_of_the_handler_file() {
        LoadedFunction fn = functions.load("index.handler", """
                ran = []
                def handler(event, context):
                    return {'name': __name__, 'ran': ran}
                if __name__ == '__main__':
                    ran.append('main block')
                """);

        assertThat(invoke(fn, "{}")).isEqualTo("{\"name\": \"index\", \"ran\": []}");
    }

    @Test
    void returns_null_when_the_handler_returns_none() {
        LoadedFunction fn = functions.load("index.handler", "def handler(event, context):\n    pass\n");

        assertThat(invoke(fn, "{}")).isNull();
    }

    @Test
    void runs_a_bundle_with_a_package_and_a_submodule() throws Exception {
        LoadedFunction fn = functions.load("lambda_function.lambda_handler", new FunctionCode.BundleDirectory(functions.fixture("greet-bundle")), Map.of());

        assertThat(invoke(fn, "{\"name\":\"ada\"}")).isEqualTo("{\"message\": \"HELLO, ADA!\"}");
    }

    @Test
    void gives_a_lambda_handler_its_context() {
        LoadedFunction fn = functions.load("index.handler", """
                def handler(event, context):
                    return [context.function_name, context.aws_request_id, context.function_version,
                            context.memory_limit_in_mb, context.get_remaining_time_in_millis() > 20000]
                """);

        assertThat(invoke(fn, "{}")).isEqualTo("[\"fn\", \"inv-1\", \"3\", \"512\", true]");
    }

    @Test
    void exposes_the_function_env_in_os_environ_and_not_the_host_env() {
        LoadedFunction fn = functions.load("index.handler", new FunctionCode.SourceText("""
                import os
                def handler(event, context):
                    return [os.environ.get('GREETING'), os.environ.get('PATH'), os.environ.get('HOME')]
                """), Map.of("GREETING", "hi"));

        assertThat(System.getenv("PATH")).isNotNull();
        assertThat(invoke(fn, "{}")).isEqualTo("[\"hi\", null, null]");
    }

    @Test
    void keeps_globals_within_one_sandbox_and_isolates_sandboxes() {
        LoadedFunction fn = functions.load("index.handler", "count = 0\ndef handler(event, context):\n    global count\n    count += 1\n    return count\n");

        try (Sandbox first = fn.newSandbox(); Sandbox second = fn.newSandbox()) {
            assertThat(invoke(first, "{}")).isEqualTo("1");
            assertThat(invoke(first, "{}")).isEqualTo("2");
            assertThat(invoke(second, "{}")).isEqualTo("1");
        }
    }

    @Test
    void keeps_one_idle_sandbox_and_refuses_fresh_sandboxes() {
        assertThat(functions.load("main", "def main(args):\n    return 1\n").minIdleSandboxes()).isEqualTo(1);

        FunctionConfig config = FunctionConfig.builder("fn", Language.PYTHON, "main").sandbox(SandboxPolicy.FRESH).build();
        assertThatThrownBy(() -> functions.runtime().load(new FunctionDefinition(config, new FunctionCode.SourceText("def main(a): pass"), 1)))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.field()).contains("sandbox"))
                .hasMessageContaining("cannot use sandbox 'fresh'");
    }

    // ---------------------------------------------------------------- priming serving sandboxes

    @Test
    void primes_serving_sandboxes_without_running_the_handler() {
        LoadedFunction fn = functions.load("index.handler", """
                events = []
                def handler(event, context):
                    events.append(event)
                    return events
                """, List.of("{\"sample\": true}"));

        // The sandbox made at load and a new one: both primed, and in each the first real call is the handler's first.
        try (Sandbox atLoad = fn.newSandbox(); Sandbox made = fn.newSandbox()) {
            assertThat(invoke(atLoad, "{\"real\": 1}")).isEqualTo("[{\"real\": 1}]");
            assertThat(invoke(made, "{\"real\": 2}")).isEqualTo("[{\"real\": 2}]");
        }
    }

    @Test
    void primes_with_the_first_warm_up_input() {
        // A function can see the prime only by patching the json module's classes, which this one does.
        LoadedFunction fn = functions.load("index.handler", """
                import json
                decoded = []
                _decode = json.JSONDecoder.decode
                def _recording(self, s, *args, **kwargs):
                    decoded.append(s)
                    return _decode(self, s, *args, **kwargs)
                json.JSONDecoder.decode = _recording
                def handler(event, context):
                    return {'first': decoded[0], 'last': decoded[-1], 'count': len(decoded)}
                """, List.of("{\"first\": 1}", "{\"second\": 2}"));

        // Decoded: the first warm-up input and the neutral event, each run 3 times, then the invocation's event.
        try (Sandbox sandbox = fn.newSandbox()) {
            assertThat(invoke(sandbox, "{\"real\": 1}")).isEqualTo(
                    "{\"first\": \"{\\\"first\\\": 1}\", \"last\": \"{\\\"real\\\": 1}\", \"count\": 7}");
        }
    }

    @Test
    void does_not_prime_a_function_that_replaced_json_loads() {
        LoadedFunction fn = functions.load("index.handler", """
                import json
                seen = []
                _loads = json.loads
                def loads(s, *args, **kwargs):
                    seen.append(s)
                    return _loads(s, *args, **kwargs)
                json.loads = loads
                def handler(event, context):
                    return seen
                """, List.of("{\"sample\": true}"));

        try (Sandbox sandbox = fn.newSandbox()) {
            assertThat(invoke(sandbox, "{\"real\": 1}")).isEqualTo("[\"{\\\"real\\\": 1}\"]");
        }
    }

    @Test
    void serves_unprimed_when_the_sample_cannot_be_parsed() {
        Logger logger = Logger.getLogger(PolyglotSandbox.class.getName());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler recorder = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(recorder);
        try {
            LoadedFunction fn = functions.load("main", "def main(args):\n    return {'got': args}\n",
                    List.of("not json"));

            try (Sandbox atLoad = fn.newSandbox(); Sandbox made = fn.newSandbox()) {
                assertThat(invoke(atLoad, "{\"a\": 1}")).isEqualTo("{\"got\": {\"a\": 1}}");
                assertThat(invoke(made, "{\"a\": 2}")).isEqualTo("{\"got\": {\"a\": 2}}");
            }
            assertThat(logged).hasSize(2).allSatisfy(line -> assertThat(line)
                    .startsWith("Priming a sandbox of function 'fn' with its first warm-up input failed, so it"
                            + " serves unprimed: JSONDecodeError"));
        } finally {
            logger.removeHandler(recorder);
        }
    }

    // ---------------------------------------------------------------- invocation errors

    @Test
    void reports_a_raised_value_error_with_its_message_and_own_stack() {
        LoadedFunction fn = functions.load("index.handler", """
                def check(amount):
                    raise ValueError('amount must be positive, got %d' % amount)

                def handler(event, context):
                    return check(event['amount'])
                """);

        InvocationFailure failure = failure(fn, "{\"amount\":-1}");

        assertThat(failure.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
        assertThat(failure.errorType()).isEqualTo("ValueError");
        assertThat(failure.getMessage()).isEqualTo("amount must be positive, got -1");
        assertThat(failure.stack()).containsExactly(
                "File \"index.py\", line 5, in handler",
                "File \"index.py\", line 2, in check");
    }

    @Test
    void reports_the_class_name_of_a_custom_exception() {
        LoadedFunction fn = functions.load("index.handler",
                "class PaymentDeclined(Exception):\n    pass\ndef handler(event, context):\n    raise PaymentDeclined('card expired')\n");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.errorType()).isEqualTo("PaymentDeclined");
        assertThat(failure.getMessage()).isEqualTo("card expired");
    }

    @Test
    void reports_a_result_that_json_cannot_encode() {
        LoadedFunction fn = functions.load("index.handler", "def handler(event, context):\n    return {'f': handler}\n");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.errorType()).isEqualTo("TypeError");
        assertThat(failure.getMessage()).startsWith("The handler's result cannot be encoded as JSON: ");
    }

    @Test
    void reports_a_recursion_error_as_resource_exhausted() {
        LoadedFunction fn = functions.load("index.handler", "def deep(n):\n    return deep(n + 1)\ndef handler(event, context):\n    return deep(0)\n");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(failure.errorType()).isEqualTo("StackOverflow");
    }

    @Test
    void cancel_stops_an_infinite_loop() throws Exception {
        LoadedFunction fn = functions.load("index.handler", "def handler(event, context):\n    while True:\n        pass\n");
        Sandbox sandbox = fn.newSandbox();
        CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
            try {
                invoke(sandbox, "{}");
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(300);

        sandbox.cancel();

        assertThat(run.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(InvocationFailure.class,
                f -> assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.CANCELLED));
        sandbox.close();
    }

    // ---------------------------------------------------------------- deploy errors

    @Test
    void rejects_a_syntax_error_naming_file_and_line() {
        assertThatThrownBy(() -> functions.load("index.handler", "import json\n\ndef handler(event, context:\n    return 1\n"))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.field()).contains("code"))
                .hasMessageStartingWith("Syntax error in index.py line 3: ");
    }

    @Test
    void rejects_a_missing_handler_listing_what_is_defined() {
        assertThatThrownBy(() -> functions.load("index.hndler", "def handler(event, context):\n    return 1\ndef main(args):\n    return 2\n"))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.field()).contains("handler"))
                .hasMessage("Handler 'index.hndler' not found in function 'fn'; exported: [handler, main]");
    }

    @Test
    void rejects_a_handler_that_is_not_a_function() {
        assertThatThrownBy(() -> functions.load("index.handler", "handler = 42\n"))
                .hasMessage("Handler 'index.handler' of function 'fn' is not a function but int");
    }

    @Test
    void rejects_an_import_of_a_missing_module_naming_it() {
        assertThatThrownBy(() -> functions.load("index.handler", "import json\nimport requests\ndef handler(event, context):\n    return 1\n"))
                .hasMessageStartingWith("Cannot find module 'requests' required by index.py line 2");
    }

    @Test
    void rejects_an_exception_at_top_level_naming_file_and_line() {
        assertThatThrownBy(() -> functions.load("index.handler", "config = {}\nport = config['port']\ndef handler(event, context):\n    return port\n"))
                .hasMessage("Error loading index.py line 2: KeyError: 'port'");
    }

    // ---------------------------------------------------------------- isolation

    @Test
    void reads_files_of_its_bundle_but_not_outside_it(@TempDir Path dir) throws IOException {
        Path bundle = Files.createDirectory(dir.resolve("bundle"));
        Files.writeString(dir.resolve("secret.txt"), "secret");
        Files.writeString(bundle.resolve("data.txt"), "inside");
        Files.writeString(bundle.resolve("index.py"), """
                def handler(event, context):
                    try:
                        with open(event['path']) as f:
                            return f.read()
                    except OSError as e:
                        return 'denied: ' + type(e).__name__
                """);
        LoadedFunction fn = functions.load("index.handler", new FunctionCode.BundleDirectory(bundle), Map.of());

        assertThat(invoke(fn, "{\"path\":\"data.txt\"}")).isEqualTo("\"inside\"");
        assertThat(invoke(fn, "{\"path\":\"../secret.txt\"}")).isEqualTo("\"denied: PermissionError\"");
        assertThat(invoke(fn, "{\"path\":\"/etc/hostname\"}")).isEqualTo("\"denied: PermissionError\"");
    }

    @Test
    void has_no_host_access() {
        LoadedFunction fn = functions.load("index.handler", """
                def handler(event, context):
                    try:
                        import java
                        return str(java.type('java.lang.Runtime'))
                    except Exception as e:
                        return 'denied'
                """);

        assertThat(invoke(fn, "{}")).isEqualTo("\"denied\"");
    }

    // ---------------------------------------------------------------- examples

    @Test
    void loads_and_runs_every_example_function() throws IOException {
        Path examples = Path.of("..", "examples", "python");
        try (var dirs = Files.list(examples)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                var spec = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("function.json").toFile());
                String handler = spec.get("handler").asText();
                FunctionCode code = spec.path("bundle").asBoolean() ? new FunctionCode.BundleDirectory(dir)
                        : new FunctionCode.SourceText(Files.readString(dir.resolve(GuestHandler.parse(handler, "py", "x").fileName())));
                LoadedFunction fn = functions.load(handler, code, Map.of());

                assertThat(invoke(fn, "{\"name\":\"ada\",\"text\":\"a b a\",\"records\":[{\"A\":1}]}"))
                        .as(dir.getFileName().toString()).isNotBlank();
            }
        }
    }

    // ---------------------------------------------------------------- engine priming

    @Test
    void primes_a_new_engine_with_the_configured_number_of_contexts_before_it_loads_functions() {
        // An engine of its own: the class's runtime was primed with the default number at its creation.
        try (PythonRuntime primed = PythonRuntime.create(RuntimeOptions.builder().pythonEnginePrime(2).build())) {
            assertThat(primed.primedContexts()).isEqualTo(2);
            assertThat(primed.primeNanos()).isPositive();
            LoadedFunction fn = primed.load(new FunctionDefinition(FunctionConfig.builder("fn", Language.PYTHON,
                    "index.handler").build(), new FunctionCode.SourceText("import sys\ndef handler(event, context):\n"
                    + "    return {'primer': 'engine_primer' in sys.modules, 'n': event['n']}\n"), 1));
            assertThat(invoke(fn, "{\"n\": 5}")).isEqualTo("{\"primer\": false, \"n\": 5}");
            fn.close();
        }
    }

    @Test
    void does_not_prime_when_priming_is_off() {
        try (PythonRuntime unprimed = PythonRuntime.create(RuntimeOptions.builder().pythonEnginePrime(0).build())) {
            assertThat(unprimed.primedContexts()).isZero();
            assertThat(unprimed.primeNanos()).isZero();
        }
    }

    @Test
    void refuses_a_negative_number_of_priming_contexts() {
        assertThatThrownBy(() -> RuntimeOptions.builder().pythonEnginePrime(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pythonEnginePrime");
    }

    // ---------------------------------------------------------------- engine per function

    @Test
    void gives_each_function_an_engine_of_its_own_when_asked_and_closes_it_when_the_function_is_unloaded() {
        try (PythonRuntime runtime = PythonRuntime.create(RuntimeOptions.builder()
                .enginePerFunction(java.util.Set.of(Language.PYTHON)).build())) {
            PolyglotFunction first = (PolyglotFunction) runtime.load(definition("first"));
            PolyglotFunction second = (PolyglotFunction) runtime.load(definition("second"));

            assertThat(first.polyglotEngine()).isNotSameAs(second.polyglotEngine())
                    .isNotSameAs(runtime.engine());
            assertThat(first.engine().kind()).isEqualTo(EngineChoice.Kind.DEFAULT);
            assertThat(first.engine().reason()).contains("on an engine of its own");
            assertThat(invoke(first, "{\"n\": 2}")).isEqualTo("{\"n\": 3}");
            assertThat(invoke(second, "{\"n\": 4}")).isEqualTo("{\"n\": 5}");

            org.graalvm.polyglot.Engine firstEngine = first.polyglotEngine();
            first.close();
            assertThatThrownBy(() -> org.graalvm.polyglot.Context.newBuilder("python").engine(firstEngine).build())
                    .isInstanceOf(IllegalStateException.class);
            assertThat(invoke(second, "{\"n\": 6}")).isEqualTo("{\"n\": 7}");
            second.close();
        }
    }

    @Test
    void loads_every_function_on_the_shared_engine_by_default() {
        try (PythonRuntime runtime = PythonRuntime.create(RuntimeOptions.defaults())) {
            PolyglotFunction fn = (PolyglotFunction) runtime.load(definition("shared"));

            assertThat(fn.polyglotEngine()).isSameAs(runtime.engine());
            assertThat(fn.engine().reason()).doesNotContain("engine of its own");
            fn.close();
        }
    }

    @Test
    void refuses_an_engine_per_function_for_java() {
        assertThatThrownBy(() -> RuntimeOptions.builder().enginePerFunction(java.util.Set.of(Language.JAVA)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Java functions have no Truffle");
    }

    private static FunctionDefinition definition(String name) {
        return new FunctionDefinition(FunctionConfig.builder(name, Language.PYTHON, "index.handler").build(),
                new FunctionCode.SourceText("def handler(event, context):\n    return {'n': event['n'] + 1}\n"), 1);
    }
}
