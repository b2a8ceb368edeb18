package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a function prints while serving an invocation reaches its dispatcher's listener ({@link DispatchListener#output})
 * with the invocation's id, in every language (the node keeps it as the function's logs); what its warm-up replays
 * print does not, nor what it prints while its code loads.
 */
class FunctionOutputTest {
    private static FunctionRuntime runtime;
    private TestDispatchers dispatchers;
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final DispatchListener listener = new DispatchListener() {
        @Override
        public void output(FunctionDefinition function, String invocationId, boolean stderr, String line) {
            heard.add(function.name() + " " + invocationId + " " + (stderr ? "stderr" : "stdout") + " " + line);
        }
    };

    @TempDir
    Path dir;

    @BeforeAll
    static void createRuntime() {
        runtime = FunctionRuntime.create(RuntimeOptions.defaults());
    }

    @AfterAll
    static void closeRuntime() {
        runtime.close();
    }

    @BeforeEach
    void createDispatchers() {
        dispatchers = new TestDispatchers(runtime);
    }

    @AfterEach
    void stop() throws Exception {
        dispatchers.close();
    }

    private FunctionDispatcher dispatcher(Language language, String name, String handler, FunctionCode code) {
        FunctionConfig config = FunctionConfig.builder(name, language, handler)
                .warmupInputs(List.of("{\"who\": \"replay\"}")).build();
        return dispatchers.create(config, code, DispatchOptions.defaults(), listener);
    }

    private static void invoke(FunctionDispatcher d, String event, String id) throws Exception {
        d.submit(event, id).orElseThrow().get(2, TimeUnit.MINUTES);
    }

    @Test
    void hears_javascript_output_by_invocation_and_not_the_replays_or_the_load() throws Exception {
        FunctionDispatcher d = dispatcher(Language.JAVASCRIPT, "js", "index.handler", new FunctionCode.SourceText("""
                console.log('loading');
                exports.handler = (event) => {
                  console.log('hello ' + event.who);
                  console.error('careful ' + event.who);
                  return 1;
                };"""));

        d.warmUp(WarmthOptions.defaults());
        invoke(d, "{\"who\": \"a\"}", "inv-a");
        invoke(d, "{\"who\": \"b\"}", "inv-b");

        assertThat(heard).containsExactly("js inv-a stdout hello a", "js inv-a stderr careful a",
                "js inv-b stdout hello b", "js inv-b stderr careful b");
    }

    @Test
    void hears_python_output_and_the_line_saying_output_was_capped() throws Exception {
        FunctionDispatcher d = dispatcher(Language.PYTHON, "py", "app.handler", new FunctionCode.SourceText("""
                import sys
                def handler(event, context):
                    print('hello', event['who'])
                    print('careful', file=sys.stderr)
                    if event['who'] == 'flood':
                        for i in range(11):
                            print('x' * 100000)
                    return 1
                """));

        invoke(d, "{\"who\": \"a\"}", "inv-a");
        invoke(d, "{\"who\": \"flood\"}", "inv-f");

        assertThat(heard.subList(0, 2)).containsExactly("py inv-a stdout hello a", "py inv-a stderr careful");
        assertThat(heard.getLast()).startsWith("py inv-f stderr [output capped: ")
                .endsWith("bytes dropped beyond the limit of 1048576 bytes per invocation]");
        assertThat(heard).allMatch(l -> l.startsWith("py inv-a ") || l.startsWith("py inv-f "));
    }

    @Test
    void hears_in_node_java_output_and_its_lambda_logger() throws Exception {
        Path jar = TestJars.jar(dir, "printer", Map.of("fixtures.Printer", """
                package fixtures;
                import com.amazonaws.services.lambda.runtime.Context;
                import com.amazonaws.services.lambda.runtime.RequestHandler;
                import java.util.Map;
                public class Printer implements RequestHandler<Map<String, Object>, String> {
                    @Override
                    public String handleRequest(Map<String, Object> event, Context context) {
                        System.out.println("hello " + event.get("who"));
                        System.err.println("careful");
                        context.getLogger().log("logged");
                        return "ok";
                    }
                }
                """));
        FunctionDispatcher d = dispatcher(Language.JAVA, "java", "fixtures.Printer::handleRequest",
                new FunctionCode.JarFile(jar));

        d.warmUp(WarmthOptions.defaults());
        invoke(d, "{\"who\": \"a\"}", "inv-a");

        assertThat(heard).containsExactly("java inv-a stdout hello a", "java inv-a stderr careful",
                "java inv-a stdout logged");
    }
}
