package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaDeployTest {
    private static final String HELLO = """
            package com.acme;
            import java.util.*;
            import io.hotvisor.api.*;
            public class Fn implements Handler {
                static int made;
                final int number = ++made;
                public Object handle(Map<String, Object> event, FunctionContext ctx) { return number; }
                public static String helper(String s) { return s; }
            }
            """;

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
    void rejects_code_that_is_not_a_jar() throws Exception {
        Path notAJar = Files.writeString(dir.resolve("fn.jar"), "console.log('hi')");

        assertThatThrownBy(() -> functions.load(TestFunctions.definition("x", "com.acme.Fn", SandboxPolicy.REUSE,
                new FunctionCode.JarFile(notAJar))))
                .isInstanceOfSatisfying(DeployException.class, e -> {
                    assertThat(e.field()).contains("code");
                    assertThat(e.getMessage()).startsWith("The code of function 'x' is not a jar (zip) file: ");
                });
    }

    @Test
    void rejects_a_missing_handler_class_listing_the_classes_in_the_jar() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Fnn::handle", Map.of("com.acme.Fn", HELLO,
                "com.other.Util", "package com.other; public class Util {}")))
                .isInstanceOfSatisfying(DeployException.class, e -> {
                    assertThat(e.field()).contains("handler");
                    assertThat(e.getMessage()).isEqualTo("Handler class 'com.acme.Fnn' not found in function 'x';"
                            + " classes in the jar: [com.acme.Fn, com.other.Util]");
                });
    }

    @Test
    void lists_a_bounded_number_of_classes_those_of_the_handlers_package_first() {
        var jar = new FunctionJar(Path.of("f.jar"), java.util.stream.IntStream.range(0, 30)
                .mapToObj(i -> "lib.C" + (100 + i)).collect(java.util.stream.Collectors.toList()));
        var withOwn = new FunctionJar(Path.of("f.jar"), java.util.stream.Stream.concat(jar.classNames().stream(),
                java.util.stream.Stream.of("com.acme.Fn")).sorted().toList());

        assertThat(withOwn.listClassesNear("com.acme.Fnn"))
                .startsWith("[com.acme.Fn, lib.C100, ").endsWith(", lib.C118, ... and 11 more]");
    }

    @Test
    void rejects_a_missing_method_listing_the_public_methods_and_the_accepted_shapes() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Fn::hndle", Map.of("com.acme.Fn", HELLO)))
                .isInstanceOfSatisfying(DeployException.class, e -> {
                    assertThat(e.field()).contains("handler");
                    assertThat(e.getMessage()).isEqualTo("Handler method 'com.acme.Fn::hndle' not found in function"
                            + " 'x' or it has an unsupported shape; public methods of Fn: [Object handle(Map,"
                            + " FunctionContext), static String helper(String)]; accepted shapes: "
                            + JavaHandlerShape.ACCEPTED);
                });
    }

    @Test
    void rejects_a_class_with_no_handler_shape() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Plain", Map.of("com.acme.Plain", """
                package com.acme;
                public class Plain { public static String main(String s) { return s; } }
                """)))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.getMessage())
                        .startsWith("Class 'com.acme.Plain' of function 'x' has no handler: it implements none of")
                        .contains("public methods of Plain: [static String main(String)]"));
    }

    @Test
    void reports_a_constructor_that_throws_with_its_message() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Picky", Map.of("com.acme.Picky", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Picky implements Handler {
                    public Picky() { throw new IllegalStateException("no DATABASE_URL set"); }
                    public Object handle(Map<String, Object> event, FunctionContext ctx) { return null; }
                }
                """)))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "The constructor of handler class 'com.acme.Picky' in function 'x' threw"
                                + " java.lang.IllegalStateException: no DATABASE_URL set"));
    }

    @Test
    void reports_a_static_initializer_that_throws() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Init::main", Map.of("com.acme.Init", """
                package com.acme;
                import java.util.*;
                public class Init {
                    static final int LIMIT = Integer.parseInt("ten");
                    public static Map<String, Object> main(Map<String, Object> m) { return m; }
                }
                """)))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "The static initializer of handler class 'com.acme.Init' in function 'x' threw"
                                + " java.lang.NumberFormatException: For input string: \"ten\""));
    }

    @Test
    void reports_a_handler_that_needs_a_library_the_jar_does_not_bundle() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Mapper", Map.of("com.acme.Mapper", """
                package com.acme;
                import java.util.*;
                import io.hotvisor.api.*;
                public class Mapper extends com.fasterxml.jackson.databind.ObjectMapper implements Handler {
                    public Object handle(Map<String, Object> event, FunctionContext ctx) { return null; }
                }
                """)))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.getMessage()).startsWith(
                        "Handler class 'com.acme.Mapper' of function 'x' cannot be loaded: NoClassDefFoundError:"
                                + " com/fasterxml/jackson/databind/ObjectMapper; a function sees only the JDK,"));
    }

    @Test
    void hands_out_the_sandbox_made_at_load_first_and_keeps_no_idle_sandboxes() {
        LoadedFunction f = functions.load("x", "com.acme.Fn", Map.of("com.acme.Fn", HELLO));

        assertThat(TestFunctions.invokeOnce(f, "{}")).as("the instance made by load()").isEqualTo("1");
        assertThat(TestFunctions.invokeOnce(f, "{}")).as("a new instance per sandbox").isEqualTo("2");
        assertThat(f.minIdleSandboxes()).isZero();
    }

    @Test
    void rejects_a_malformed_handler_string() {
        assertThatThrownBy(() -> functions.load("x", "com.acme.Fn::", Map.of("com.acme.Fn", HELLO)))
                .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "Handler 'com.acme.Fn::' of function 'x' is not of the form com.acme.Fn::method or com.acme.Fn"));
    }
}
