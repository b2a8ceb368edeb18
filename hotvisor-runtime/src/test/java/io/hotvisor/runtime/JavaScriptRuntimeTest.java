package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.hotvisor.runtime.GuestFunctions.failure;
import static io.hotvisor.runtime.GuestFunctions.invoke;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaScriptRuntimeTest {
    private static GuestFunctions functions;

    @BeforeAll
    static void createRuntime() {
        functions = new GuestFunctions(Language.JAVASCRIPT);
    }

    @AfterAll
    static void closeRuntime() {
        functions.close();
    }

    // ---------------------------------------------------------------- handler shapes

    @Test
    void runs_an_async_lambda_handler() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = async (event, context) => ({ sum: event.a + event.b });");

        assertThat(invoke(fn, "{\"a\":1,\"b\":2}")).isEqualTo("{\"sum\":3}");
    }

    @Test
    void runs_a_sync_handler_exported_through_module_exports() {
        LoadedFunction fn = functions.load("app.handler", "function handler(e) { return [e, 'sync']; }\nmodule.exports = { handler };");

        assertThat(invoke(fn, "1")).isEqualTo("[1,\"sync\"]");
    }

    @Test
    void runs_an_openwhisk_main_that_is_not_exported() {
        LoadedFunction fn = functions.load("main", "function main(params) {\n  return { greeting: 'Hello ' + params.name };\n}");

        assertThat(invoke(fn, "{\"name\":\"Ada\"}")).isEqualTo("{\"greeting\":\"Hello Ada\"}");
    }

    @Test
    void runs_a_callback_style_lambda_handler() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = (event, context, callback) => callback(null, event * 2);");

        assertThat(invoke(fn, "21")).isEqualTo("42");
    }

    @Test
    void awaits_timers_in_an_async_handler() {
        LoadedFunction fn = functions.load("index.handler", """
                const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
                exports.handler = async () => { await sleep(5); await sleep(1); return 'slept'; };
                """);

        assertThat(invoke(fn, "{}")).isEqualTo("\"slept\"");
    }

    @Test
    void returns_null_when_the_handler_returns_nothing() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = async () => {};");

        assertThat(invoke(fn, "{}")).isNull();
    }

    @Test
    void runs_a_bundle_with_node_modules_and_nested_requires() throws Exception {
        LoadedFunction fn = functions.load("index.handler", new FunctionCode.BundleDirectory(functions.fixture("greet-bundle")), Map.of());

        assertThat(invoke(fn, "{\"name\":\"ada\"}")).isEqualTo("{\"message\":\"Hello, ADA!\"}");
    }

    @Test
    void gives_a_lambda_handler_its_context() {
        LoadedFunction fn = functions.load("index.handler", """
                exports.handler = async (event, context) => ({
                  name: context.functionName, id: context.awsRequestId, version: context.functionVersion,
                  memory: context.memoryLimitInMB, remainingOk: context.getRemainingTimeInMillis() > 20000 });
                """);

        assertThat(invoke(fn, "{}")).isEqualTo(
                "{\"name\":\"fn\",\"id\":\"inv-1\",\"version\":\"3\",\"memory\":\"512\",\"remainingOk\":true}");
    }

    @Test
    void exposes_the_function_env_as_process_env_and_not_the_host_env() {
        LoadedFunction fn = functions.load("index.handler", new FunctionCode.SourceText(
                "exports.handler = () => ({ greeting: process.env.GREETING, path: process.env.PATH ?? null, keys: Object.keys(process.env) });"),
                Map.of("GREETING", "hi"));

        assertThat(System.getenv("PATH")).isNotNull();
        assertThat(invoke(fn, "{}")).isEqualTo("{\"greeting\":\"hi\",\"path\":null,\"keys\":[\"GREETING\"]}");
    }

    @Test
    void keeps_globals_within_one_sandbox_and_isolates_sandboxes() {
        LoadedFunction fn = functions.load("index.handler", "let count = 0;\nexports.handler = () => ++count;");
        org.graalvm.polyglot.Source source = ((PolyglotFunction) fn).source();

        try (Sandbox first = fn.newSandbox(); Sandbox second = fn.newSandbox()) {
            assertThat(invoke(first, "{}")).isEqualTo("1");
            assertThat(invoke(first, "{}")).isEqualTo("2");
            assertThat(invoke(second, "{}")).isEqualTo("1");
        }
        // Every sandbox evaluates the one cached Source on the shared engine: that is what shares compiled code.
        assertThat(((PolyglotFunction) fn).source()).isSameAs(source);
    }

    @Test
    void has_no_host_access() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = () => { try { return String(Java.type('java.lang.Runtime')); } catch (e) { return typeof Polyglot; } };");

        assertThat(invoke(fn, "{}")).isEqualTo("\"undefined\"");
    }

    // ---------------------------------------------------------------- invocation errors

    @Test
    void reports_a_thrown_type_error_with_its_message_and_own_stack() {
        LoadedFunction fn = functions.load("index.handler", """
                function inner(event) {
                  return event.missing.field;
                }
                exports.handler = async (event) => inner(event);
                """);

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
        assertThat(failure.errorType()).isEqualTo("TypeError");
        assertThat(failure.getMessage()).contains("field");
        assertThat(failure.stack()).isNotEmpty().allMatch(line -> line.contains("index.js"));
        assertThat(failure.stack().getFirst()).isEqualTo("at inner (index.js:2:10)");
    }

    @Test
    void reports_the_class_name_of_a_thrown_error_subclass() {
        LoadedFunction fn = functions.load("index.handler",
                "class PaymentDeclined extends Error {}\nexports.handler = () => { throw new PaymentDeclined('card expired'); };");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.errorType()).isEqualTo("PaymentDeclined");
        assertThat(failure.getMessage()).isEqualTo("card expired");
    }

    @Test
    void reports_a_thrown_non_error_value_as_type_error() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = () => { throw { code: 42 }; };");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.errorType()).isEqualTo("Error");
        assertThat(failure.getMessage()).isEqualTo("{\"code\":42}");
    }

    @Test
    void reports_a_rejected_promise_as_a_function_error() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = async () => { await null; throw new RangeError('too far'); };");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
        assertThat(failure.errorType()).isEqualTo("RangeError");
        assertThat(failure.getMessage()).isEqualTo("too far");
    }

    @Test
    void reports_a_promise_that_never_settles() {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = () => new Promise(() => {});");

        assertThat(failure(fn, "{}").getMessage()).contains("never settled");
    }

    @Test
    void reports_a_result_that_json_cannot_encode() {
        LoadedFunction cyclic = functions.load("index.handler", "exports.handler = () => { const a = {}; a.self = a; return a; };");
        LoadedFunction function = functions.load("index.handler", "exports.handler = () => () => 1;");

        assertThat(failure(cyclic, "{}").getMessage()).startsWith("The handler's result cannot be encoded as JSON");
        assertThat(failure(function, "{}").getMessage()).isEqualTo("The handler's result is a function, which JSON cannot encode");
    }

    @Test
    void reports_a_stack_overflow_as_resource_exhausted() {
        LoadedFunction fn = functions.load("index.handler", "function deep(n) { return deep(n + 1) + 1; }\nexports.handler = () => deep(0);");

        InvocationFailure failure = failure(fn, "{}");

        assertThat(failure.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
        assertThat(failure.errorType()).isEqualTo("StackOverflow");
    }

    @Test
    void cancel_stops_an_infinite_loop() throws Exception {
        LoadedFunction fn = functions.load("index.handler", "exports.handler = () => { while (true) {} };");
        Sandbox sandbox = fn.newSandbox();
        CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
            try {
                invoke(sandbox, "{}");
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(200);

        sandbox.cancel();

        assertThat(run.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(InvocationFailure.class,
                f -> assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.CANCELLED));
        assertThatThrownBy(() -> invoke(sandbox, "{}")).isInstanceOfSatisfying(InvocationFailure.class,
                f -> assertThat(f.kind()).isEqualTo(InvocationFailure.Kind.CANCELLED));
        sandbox.close();
        sandbox.close();
    }

    // ---------------------------------------------------------------- deploy errors

    @Test
    void rejects_a_syntax_error_naming_file_and_line() {
        assertThatThrownBy(() -> functions.load("index.handler", "exports.handler = async (event) => {\n  const x = 1;\n  return x +;\n};"))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.field()).contains("code"))
                .hasMessageStartingWith("Syntax error in index.js line 3: ");
    }

    @Test
    void rejects_a_missing_handler_listing_what_is_exported() {
        String code = "exports.handler = async () => 1;\nfunction main(params) { return params; }";

        assertThatThrownBy(() -> functions.load("index.hndler", code))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.field()).contains("handler"))
                .hasMessage("Handler 'index.hndler' not found in function 'fn'; exported: [handler, main]");
    }

    @Test
    void rejects_a_handler_that_is_not_a_function() {
        assertThatThrownBy(() -> functions.load("index.handler", "exports.handler = 42;"))
                .hasMessage("Handler 'index.handler' of function 'fn' is not a function but number");
    }

    @Test
    void rejects_a_require_of_a_missing_module_naming_it() throws Exception {
        assertThatThrownBy(() -> functions.load("index.handler", "const _ = require('lodash');\nexports.handler = () => 1;"))
                .hasMessageStartingWith("Cannot find module 'lodash' required by index.js line 1");
    }

    @Test
    void rejects_a_require_of_a_module_missing_from_the_bundle(@TempDir Path bundle) throws IOException {
        Files.writeString(bundle.resolve("index.js"), "\nconst x = require('left-pad');\nexports.handler = () => x;");

        assertThatThrownBy(() -> functions.load("index.handler", new FunctionCode.BundleDirectory(bundle), Map.of()))
                .hasMessage("Cannot find module 'left-pad' required by index.js line 2");
    }

    @Test
    void rejects_an_exception_at_top_level_naming_file_and_line() {
        assertThatThrownBy(() -> functions.load("index.handler", "const config = {};\nconst port = config.server.port;\nexports.handler = () => port;"))
                .isInstanceOf(DeployException.class)
                .hasMessageStartingWith("Error loading index.js line 2: TypeError: ");
    }

    @Test
    void rejects_a_bundle_without_the_handler_file(@TempDir Path bundle) throws IOException {
        Files.writeString(bundle.resolve("app.js"), "exports.handler = () => 1;");

        assertThatThrownBy(() -> functions.load("index.handler", new FunctionCode.BundleDirectory(bundle), Map.of()))
                .hasMessage("Handler 'index.handler' of function 'fn' needs file 'index.js', which is not in the bundle;"
                        + " files at its root: [app.js]");
    }

    // ---------------------------------------------------------------- isolation

    @Test
    void cannot_read_files_outside_its_bundle(@TempDir Path dir) throws IOException {
        Path bundle = Files.createDirectory(dir.resolve("bundle"));
        Files.writeString(dir.resolve("secret.js"), "module.exports = 'secret';");
        Files.writeString(bundle.resolve("inside.js"), "module.exports = 'inside';");
        Files.writeString(bundle.resolve("index.js"), """
                exports.handler = (event) => {
                  try { return require(event.path); } catch (e) { return 'denied: ' + e.message; }
                };
                """);
        LoadedFunction fn = functions.load("index.handler", new FunctionCode.BundleDirectory(bundle), Map.of());

        assertThat(invoke(fn, "{\"path\":\"./inside.js\"}")).isEqualTo("\"inside\"");
        assertThat(invoke(fn, "{\"path\":\"../secret.js\"}")).startsWith("\"denied: ");
        assertThat(invoke(fn, "{\"path\":\"" + dir.resolve("secret.js") + "\"}")).startsWith("\"denied: ");
    }

    // ---------------------------------------------------------------- examples

    @Test
    void loads_and_runs_every_example_function() throws IOException {
        Path examples = Path.of("..", "examples", "javascript");
        try (var dirs = Files.list(examples)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                var spec = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("function.json").toFile());
                String handler = spec.get("handler").asText();
                FunctionCode code = spec.path("bundle").asBoolean() ? new FunctionCode.BundleDirectory(dir)
                        : new FunctionCode.SourceText(Files.readString(dir.resolve(GuestHandler.parse(handler, "js", "x").fileName())));
                LoadedFunction fn = functions.load(handler, code, Map.of());

                assertThat(invoke(fn, "{\"name\":\"ada\",\"text\":\"a b a\",\"records\":[{\"A\":1}]}"))
                        .as(dir.getFileName().toString()).isNotBlank();
            }
        }
    }
}
