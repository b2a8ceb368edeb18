package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaHandlerShapesTest {
    @TempDir
    Path dir;
    TestFunctions functions;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir);
    }

    @AfterEach
    void tearDown() {
        functions.close();
    }

    @Test
    void runs_a_lambda_request_handler_with_the_lambda_context() {
        LoadedFunction f = functions.load("hello", "com.acme.Hello::handleRequest", Map.of("com.acme.Hello", """
                package com.acme;
                import java.util.*;
                import com.amazonaws.services.lambda.runtime.*;
                public class Hello implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                        context.getLogger().log("hello from the function");
                        return Map.of("greeting", "Hello, " + event.get("name"),
                                "requestId", context.getAwsRequestId(),
                                "function", context.getFunctionName() + ":" + context.getFunctionVersion(),
                                "memory", context.getMemoryLimitInMB(),
                                "timeLeft", context.getRemainingTimeInMillis() > 20_000);
                    }
                }
                """));

        String json = TestFunctions.invokeOnce(f, "{\"name\":\"Ada\"}");

        assertThat(json).contains("\"greeting\":\"Hello, Ada\"", "\"requestId\":\"inv-1\"",
                "\"function\":\"hello:1\"", "\"memory\":512", "\"timeLeft\":true");
    }

    @Test
    void converts_the_event_to_the_request_handlers_string_integer_or_pojo_input() {
        LoadedFunction text = functions.load("text", "com.acme.Len", Map.of("com.acme.Len", """
                package com.acme;
                import com.amazonaws.services.lambda.runtime.*;
                public class Len implements RequestHandler<String, Integer> {
                    public Integer handleRequest(String s, Context c) { return s.length(); }
                }
                """));
        LoadedFunction number = functions.load("number", "com.acme.Inc", Map.of("com.acme.Inc", """
                package com.acme;
                import com.amazonaws.services.lambda.runtime.*;
                public class Inc implements RequestHandler<Integer, Integer> {
                    public Integer handleRequest(Integer i, Context c) { return i + 1; }
                }
                """));
        LoadedFunction pojo = functions.load("pojo", "com.acme.Orders::handleRequest", Map.of(
                "com.acme.Base", """
                        package com.acme;
                        import com.amazonaws.services.lambda.runtime.*;
                        public abstract class Base<I> implements RequestHandler<I, Orders.Total> {}
                        """,
                "com.acme.Orders", """
                        package com.acme;
                        import com.amazonaws.services.lambda.runtime.*;
                        public class Orders extends Base<Orders.Order> {
                            public record Order(String item, int quantity, double price) {}
                            public record Total(String item, double total) {}
                            public Total handleRequest(Order o, Context c) {
                                return new Total(o.item(), o.quantity() * o.price());
                            }
                        }
                        """));

        assertThat(TestFunctions.invokeOnce(text, "\"hello\"")).isEqualTo("5");
        assertThat(TestFunctions.invokeOnce(number, "41")).isEqualTo("42");
        assertThat(TestFunctions.invokeOnce(pojo, "{\"item\":\"tea\",\"quantity\":3,\"price\":1.5,\"extra\":true}"))
                .isEqualTo("{\"item\":\"tea\",\"total\":4.5}");
    }

    @Test
    void reports_an_event_that_does_not_convert_to_the_input_type_as_a_function_error() {
        LoadedFunction number = functions.load("number", "com.acme.Inc", Map.of("com.acme.Inc", """
                package com.acme;
                import com.amazonaws.services.lambda.runtime.*;
                public class Inc implements RequestHandler<Integer, Integer> {
                    public Integer handleRequest(Integer i, Context c) { return i + 1; }
                }
                """));

        assertThatThrownBy(() -> TestFunctions.invokeOnce(number, "{\"a\":1}"))
                .isInstanceOfSatisfying(InvocationFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR);
                    assertThat(e.errorType()).isEqualTo("InvalidEvent");
                    assertThat(e.getMessage()).startsWith("Function 'number' takes java.lang.Integer;");
                });
    }

    @Test
    void runs_a_request_stream_handler_passing_json_output_through_and_quoting_other_output() {
        Map<String, String> sources = Map.of("com.acme.Echo", """
                package com.acme;
                import java.io.*;
                import com.amazonaws.services.lambda.runtime.*;
                public class Echo implements RequestStreamHandler {
                    public void handleRequest(InputStream in, OutputStream out, Context c) throws IOException {
                        String event = new String(in.readAllBytes(), "UTF-8");
                        out.write((event.contains("plain") ? "just text" : "{\\"echo\\":" + event + "}").getBytes("UTF-8"));
                    }
                }
                """);
        LoadedFunction f = functions.load("echo", "com.acme.Echo", sources);

        assertThat(TestFunctions.invokeOnce(f, "{\"a\":[1,2]}")).isEqualTo("{\"echo\":{\"a\":[1,2]}}");
        assertThat(TestFunctions.invokeOnce(f, "\"plain\"")).isEqualTo("\"just text\"");
    }

    @Test
    void runs_a_graalvisor_static_main() {
        LoadedFunction f = functions.load("gv", "com.acme.Main::main", Map.of("com.acme.Main", """
                package com.acme;
                import java.util.*;
                public class Main {
                    public static Map<String, Object> main(Map<String, Object> args) {
                        return Map.of("sum", ((Number) args.get("a")).intValue() + ((Number) args.get("b")).intValue());
                    }
                }
                """));

        assertThat(TestFunctions.invokeOnce(f, "{\"a\":2,\"b\":3}")).isEqualTo("{\"sum\":5}");
    }

    @Test
    void runs_an_openwhisk_json_object_main_with_an_empty_event_as_an_empty_object() {
        LoadedFunction f = functions.load("ow", "com.acme.Action", Map.of("com.acme.Action", """
                package com.acme;
                import com.google.gson.JsonObject;
                public class Action {
                    public static JsonObject main(JsonObject args) {
                        JsonObject out = new JsonObject();
                        out.addProperty("greeting", "Hello " + (args.has("name") ? args.get("name").getAsString() : "stranger"));
                        out.add("nothing", com.google.gson.JsonNull.INSTANCE);
                        return out;
                    }
                }
                """));

        assertThat(TestFunctions.invokeOnce(f, "{\"name\":\"Bob\"}")).isEqualTo("{\"greeting\":\"Hello Bob\",\"nothing\":null}");
        assertThat(TestFunctions.invokeOnce(f, "")).isEqualTo("{\"greeting\":\"Hello stranger\",\"nothing\":null}");
    }

    @Test
    void runs_a_hotvisor_handler_with_its_function_context() {
        LoadedFunction f = functions.load("hv", "com.acme.Hv", Map.of("com.acme.Hv", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Hv implements Handler {
                    public Object handle(Map<String, Object> event, FunctionContext ctx) {
                        return List.of(ctx.invocationId(), ctx.functionName(), ctx.functionVersion(),
                                ctx.memoryLimitMb(), ctx.env().get("GREETING") + " " + event.get("who"));
                    }
                }
                """));

        assertThat(TestFunctions.invokeOnce(f, "{\"who\":\"you\"}")).isEqualTo("[\"inv-1\",\"hv\",1,512,\"hi you\"]");
    }

    @Test
    void runs_the_handler_with_the_functions_class_loader_as_context_loader_and_restores_it_after() {
        LoadedFunction f = functions.load("tccl", "com.acme.Tccl", Map.of("com.acme.Tccl", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Tccl implements Handler {
                    public Object handle(Map<String, Object> event, FunctionContext ctx) {
                        return Thread.currentThread().getContextClassLoader() == Tccl.class.getClassLoader();
                    }
                }
                """));
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        assertThat(TestFunctions.invokeOnce(f, "{}")).isEqualTo("true");
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void compiles_one_java_source_file_at_deploy_time() {
        LoadedFunction f = functions.load(TestFunctions.definition("src", "main", SandboxPolicy.REUSE,
                new FunctionCode.SourceText("""
                        package demo;
                        import java.util.*;
                        public final class Doubler {
                            public static Map<String, Object> main(Map<String, Object> args) {
                                return Map.of("twice", 2 * ((Number) args.get("n")).intValue());
                            }
                        }
                        """)));

        assertThat(TestFunctions.invokeOnce(f, "{\"n\":21}")).isEqualTo("{\"twice\":42}");
    }

    @Test
    void reports_a_compile_error_with_its_file_and_line() {
        assertThatThrownBy(() -> functions.load(TestFunctions.definition("bad-src", "Broken::handle",
                SandboxPolicy.REUSE, new FunctionCode.SourceText("""
                        public class Broken {
                            public static Object handle(java.util.Map<String, Object> m) {
                                return nope;
                            }
                        }
                        """))))
                .isInstanceOfSatisfying(DeployException.class, e -> {
                    assertThat(e.field()).contains("code");
                    assertThat(e.getMessage()).startsWith("Compile error in function 'bad-src': Broken.java line 3:")
                            .contains("cannot find symbol");
                });
    }
}
