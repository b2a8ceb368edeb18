package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An in-node Java function gets no class loader that can see the node's classes, however it asks
 * ({@link GuestSystem#getClassLoader(Class)} and its siblings, {@link GuestReflection#privateLookupIn}), while its
 * own classes, resources and service providers stay reachable through the loaders it is given.
 */
class JavaClassLoaderEscapeTest {
    /** A node class that the test JVM's application loader (the node's) can load. */
    private static final String NODE_CLASS = "io.hotvisor.runtime.JavaRuntime";

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

    /** A function com.acme.Fn whose handler puts what {@code body} finds into map {@code r}, with a service. */
    private LoadedFunction load(String name, String body) {
        Map<String, String> sources = Map.of(
                "com.acme.Greeter", "package com.acme; public interface Greeter { String greet(); }",
                "com.acme.Hello", "package com.acme; public class Hello implements Greeter {"
                        + " public String greet() { return \"hello from the jar\"; } }",
                "com.acme.Fn", """
                package com.acme;
                import java.util.*;
                import java.util.function.*;
                import java.util.stream.*;
                import java.io.*;
                import java.lang.invoke.*;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    static final String NODE = "%s";
                    /** What loading the node's class through {@code l} gives: the exception's name, or LOADED. */
                    static String load(ClassLoader l) {
                        try {
                            Class<?> c = l == null ? Class.forName(NODE, false, null) : l.loadClass(NODE);
                            return "LOADED " + c;
                        } catch (ClassNotFoundException e) {
                            return "ClassNotFoundException";
                        }
                    }
                    static String own(ClassLoader l) throws Exception {
                        try (InputStream in = l.getResourceAsStream("com/acme/data.txt")) {
                            return l.loadClass("com.acme.Hello").getSimpleName() + "+"
                                    + new String(in.readAllBytes(), "UTF-8");
                        }
                    }
                    public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                        Map<String, Object> r = new TreeMap<>();
                        Class<?> node = Class.forName("io.hotvisor.runtime.GuestSystem");
                        %s
                        return r;
                    }
                }
                """.formatted(NODE_CLASS, body));
        Map<String, byte[]> extra = Map.of(
                "com/acme/data.txt", "mine".getBytes(StandardCharsets.UTF_8),
                "META-INF/services/com.acme.Greeter", "com.acme.Hello\n".getBytes(StandardCharsets.UTF_8));
        return functions.load(TestFunctions.definition(name, "com.acme.Fn", SandboxPolicy.REUSE,
                new FunctionCode.JarFile(TestJars.jar(dir, name, sources, extra))));
    }

    @Test
    void the_node_class_exists_for_the_nodes_own_loader() throws Exception {
        // Without this, every "refused" below could be a class that is simply absent.
        assertThat(ClassLoader.getSystemClassLoader().loadClass(NODE_CLASS)).isEqualTo(JavaRuntime.class);
    }

    @Test
    void direct_calls_and_method_references_give_no_loader_that_sees_the_node() {
        LoadedFunction f = load("direct", """
                r.put("runtimeClass", load(node.getClassLoader()));
                r.put("system", load(ClassLoader.getSystemClassLoader()));
                r.put("platform", load(ClassLoader.getPlatformClassLoader()));
                r.put("context", load(Thread.currentThread().getContextClassLoader()));
                r.put("contextObject", load(ctx.getClass().getClassLoader()));
                r.put("apiClass", load(Handler.class.getClassLoader()));
                r.put("module", load(node.getModule().getClassLoader()));
                r.put("protectionDomain", load(node.getProtectionDomain().getClassLoader()));
                List<String> chain = new ArrayList<>();
                for (ClassLoader l = getClass().getClassLoader(); l != null && chain.size() < 10; l = l.getParent()) {
                    chain.add(load(l));
                }
                r.put("parentChain", chain);
                r.put("ownParent", String.valueOf(getClass().getClassLoader().getParent()));
                // The same calls with a JDK subclass as the receiver's static type.
                r.put("urlLoaderParent", String.valueOf(((java.net.URLClassLoader) getClass().getClassLoader())
                        .getParent()));
                r.put("workerContext", java.util.concurrent.CompletableFuture.supplyAsync(() ->
                        Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w
                                ? load(w.getContextClassLoader()) : "not on the common pool").join());
                r.put("referenceGetClassLoader", load(Optional.of(node).map(Class::getClassLoader).get()));
                Supplier<ClassLoader> system = ClassLoader::getSystemClassLoader;
                r.put("referenceSystem", load(system.get()));
                r.put("referenceContext", load(Optional.of(Thread.currentThread())
                        .map(Thread::getContextClassLoader).get()));
                r.put("parallelContext", IntStream.range(0, 64).parallel()
                        .mapToObj(i -> load(Thread.currentThread().getContextClassLoader()))
                        .distinct().collect(Collectors.toList()));
                r.put("systemResource", String.valueOf(
                        ClassLoader.getSystemResource(NODE.replace('.', '/') + ".class")));
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).doesNotContain("LOADED");
        for (String route : List.of("runtimeClass", "system", "platform", "context", "contextObject", "apiClass",
                "module", "protectionDomain", "referenceGetClassLoader", "referenceSystem", "referenceContext")) {
            assertThat(json).contains("\"" + route + "\":\"ClassNotFoundException\"");
        }
        // The function's own loader, whose parent reads as the bootstrap loader: the walk ends there.
        assertThat(json).contains("\"parentChain\":[\"ClassNotFoundException\"]", "\"ownParent\":\"null\"",
                "\"urlLoaderParent\":\"null\"", "\"workerContext\":\"ClassNotFoundException\"",
                "\"parallelContext\":[\"ClassNotFoundException\"]", "\"systemResource\":\"null\"");
    }

    @Test
    void reflection_and_method_handles_give_no_loader_that_sees_the_node() {
        LoadedFunction f = load("reflective", """
                try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                MethodType loaderType = MethodType.methodType(ClassLoader.class);
                r.put("invokeGetClassLoader",
                        load((ClassLoader) Class.class.getMethod("getClassLoader").invoke(node)));
                r.put("invokeSystem",
                        load((ClassLoader) ClassLoader.class.getMethod("getSystemClassLoader").invoke(null)));
                r.put("invokeContext", load((ClassLoader) Thread.class.getMethod("getContextClassLoader")
                        .invoke(Thread.currentThread())));
                r.put("invokeParent", String.valueOf(ClassLoader.class.getMethod("getParent")
                        .invoke(getClass().getClassLoader())));
                r.put("handleGetClassLoader", load((ClassLoader) lookup
                        .findVirtual(Class.class, "getClassLoader", loaderType).invoke(node)));
                r.put("handleSystem", load((ClassLoader) lookup
                        .findStatic(ClassLoader.class, "getSystemClassLoader", loaderType).invoke()));
                r.put("handleContext", load((ClassLoader) lookup
                        .bind(Thread.currentThread(), "getContextClassLoader", loaderType).invoke()));
                try {
                    r.put("privateLookupIn", "LOADED " + MethodHandles.privateLookupIn(node, lookup).findClass(NODE));
                } catch (IllegalAccessException e) {
                    r.put("privateLookupIn", "IllegalAccessException: " + e.getMessage());
                }
                try {
                    MethodHandle h = lookup.findStatic(MethodHandles.class, "privateLookupIn", MethodType.methodType(
                            MethodHandles.Lookup.class, Class.class, MethodHandles.Lookup.class));
                    r.put("handlePrivateLookupIn", "LOADED " + ((MethodHandles.Lookup) h.invoke(node, lookup))
                            .findClass(NODE));
                } catch (IllegalAccessException e) {
                    r.put("handlePrivateLookupIn", "IllegalAccessException");
                }
                try {
                    r.put("lookupIn", "LOADED " + lookup.in(node).findClass(NODE));
                } catch (ClassNotFoundException e) {
                    r.put("lookupIn", "ClassNotFoundException");
                }
                // In its own classes, a private lookup is still given and finds its own classes.
                r.put("ownPrivateLookup", MethodHandles.privateLookupIn(Hello.class, lookup)
                        .findClass("com.acme.Greeter").getSimpleName());
                } catch (Throwable t) { // MethodHandle.invoke throws Throwable
                    throw new IllegalStateException(t);
                }
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).doesNotContain("LOADED");
        for (String route : List.of("invokeGetClassLoader", "invokeSystem", "invokeContext", "handleGetClassLoader",
                "handleSystem", "handleContext", "lookupIn")) {
            assertThat(json).contains("\"" + route + "\":\"ClassNotFoundException\"");
        }
        assertThat(json).contains("\"invokeParent\":\"null\"", "\"handlePrivateLookupIn\":\"IllegalAccessException\"",
                "\"privateLookupIn\":\"IllegalAccessException: An in-node Java function gets a private lookup"
                        + " only in its own classes, not in io.hotvisor.runtime.GuestSystem (docs/security.md)\"",
                "\"ownPrivateLookup\":\"Greeter\"");
    }

    @Test
    void the_loaders_it_is_given_still_find_its_own_classes_resources_and_services() {
        LoadedFunction f = load("own", """
                ClassLoader mine = getClass().getClassLoader();
                r.put("ownLoader", own(mine));
                r.put("contextIsOwn", Thread.currentThread().getContextClassLoader() == mine);
                r.put("systemIsOwn", ClassLoader.getSystemClassLoader() == mine);
                r.put("context", own(Thread.currentThread().getContextClassLoader()));
                r.put("system", own(ClassLoader.getSystemClassLoader()));
                r.put("nodeClassLoader", own(node.getClassLoader()));
                try (InputStream in = ClassLoader.getSystemResourceAsStream("com/acme/data.txt")) {
                    r.put("systemResource", new String(in.readAllBytes(), "UTF-8"));
                }
                r.put("jdkClass", String.valueOf(String.class.getClassLoader()));
                r.put("serviceLoader", ServiceLoader.load(Greeter.class).stream()
                        .map(p -> p.get().greet()).collect(Collectors.toList()));
                // null: the JDK's system class loader, here the function's.
                r.put("serviceLoaderByNull", ServiceLoader.load(Greeter.class, null).stream()
                        .map(p -> p.get().greet()).collect(Collectors.toList()));
                r.put("serviceLoaderOnThePool", IntStream.range(0, 64).parallel()
                        .mapToObj(i -> ServiceLoader.load(Greeter.class).findFirst().map(Greeter::greet).orElse("none"))
                        .distinct().collect(Collectors.toList()));
                r.put("serviceLoaderBySystem", ServiceLoader.load(Greeter.class, ClassLoader.getSystemClassLoader())
                        .stream().map(p -> p.get().greet()).collect(Collectors.toList()));
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).contains("\"ownLoader\":\"Hello+mine\"", "\"contextIsOwn\":true", "\"systemIsOwn\":true",
                "\"context\":\"Hello+mine\"", "\"system\":\"Hello+mine\"", "\"nodeClassLoader\":\"Hello+mine\"",
                "\"systemResource\":\"mine\"", "\"jdkClass\":\"null\"",
                "\"serviceLoader\":[\"hello from the jar\"]", "\"serviceLoaderBySystem\":[\"hello from the jar\"]",
                "\"serviceLoaderByNull\":[\"hello from the jar\"]",
                "\"serviceLoaderOnThePool\":[\"hello from the jar\"]");
    }
}
