package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An in-node Java function sees its own {@code System}: the environment is its {@code env}, its stdout and stderr go
 * to its logger capped per invocation (never to the node's stdout), and the system properties are a copy without
 * the node's paths. See {@link GuestSystem} and {@link SystemRedirects}.
 */
class JavaGuestSystemTest {
    @TempDir
    Path dir;
    TestFunctions functions;
    /** What the function loggers got: "LEVEL text". */
    private final List<String> logged = new ArrayList<>();
    private final List<Logger> watched = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logged) {
                logged.add(record.getLevel() + " " + record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ByteArrayOutputStream hostOut = new ByteArrayOutputStream();
    private PrintStream realOut;
    private PrintStream realErr;

    @BeforeEach
    void setUp() {
        functions = new TestFunctions(dir);
        // The node's own stdout and stderr, as the function would find them without the redirects.
        realOut = System.out;
        realErr = System.err;
        PrintStream host = new PrintStream(hostOut, true, StandardCharsets.UTF_8);
        System.setOut(host);
        System.setErr(host);
    }

    @AfterEach
    void tearDown() {
        System.setOut(realOut);
        System.setErr(realErr);
        functions.close();
        for (Logger l : watched) {
            l.removeHandler(capture);
            l.setUseParentHandlers(true);
        }
    }

    private void watchLogOf(String functionName) {
        Logger l = Logger.getLogger("hotvisor.function." + functionName);
        l.addHandler(capture);
        // Not also to the console handler, which may hold the stderr this test replaces.
        l.setUseParentHandlers(false);
        watched.add(l);
    }

    private List<String> logged() {
        synchronized (logged) {
            return List.copyOf(logged);
        }
    }

    /** A function com.acme.Fn whose handler runs {@code body}, with {@code members} beside it. */
    private LoadedFunction load(String name, String members, String body) {
        watchLogOf(name);
        return functions.load(name, "com.acme.Fn", Map.of("com.acme.Fn", """
                package com.acme;
                import java.util.*;
                import java.util.stream.*;
                import java.io.*;
                import java.lang.invoke.*;
                import java.lang.invoke.MethodHandles.Lookup;
                import java.lang.reflect.Method;
                import java.util.concurrent.Callable;
                import io.hotvisor.api.*;
                public class Fn implements Handler {
                    %s
                    public Object handle(Map<String, Object> event, FunctionContext ctx) throws Exception {
                        %s
                    }
                }
                """.formatted(members, body)));
    }

    @Test
    void shows_a_function_only_its_own_environment_however_it_asks() {
        assertThat(System.getenv("PATH")).as("the host's PATH, which the function must not see").isNotNull();
        LoadedFunction f = load("env", """
                static final String AT_LOAD = System.getenv("GREETING") + "/" + System.getenv("PATH");
                """, """
                Map<String, Object> r = new TreeMap<>();
                r.put("all", new TreeMap<>(System.getenv()));
                r.put("path", String.valueOf(System.getenv("PATH")));
                r.put("atLoad", AT_LOAD);
                r.put("byReference", Optional.of("GREETING").map(System::getenv).orElse("none")
                        + "/" + Optional.of("PATH").map(System::getenv).orElse("none"));
                // On the common ForkJoinPool's threads, outside the invocation's thread.
                r.put("parallel", IntStream.range(0, 64).parallel()
                        .mapToObj(i -> System.getenv("GREETING") + "/" + System.getenv("HOME"))
                        .distinct().collect(Collectors.toList()));
                return r;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).contains("\"all\":{\"GREETING\":\"hi\"}", "\"path\":\"null\"", "\"atLoad\":\"hi/null\"",
                "\"byReference\":\"hi/none\"", "\"parallel\":[\"hi/null\"]");
    }

    @Test
    void captures_stdout_stderr_and_stack_traces_in_the_functions_log_not_the_nodes_stdout() {
        LoadedFunction f = load("printer", """
                static { System.out.println("from the static initializer"); }
                static final PrintStream KEPT = System.out;
                """, """
                System.out.println("hello out");
                System.err.println("hello err");
                KEPT.println("through a kept stream");
                new IllegalStateException("printed trace").printStackTrace();
                System.setOut(new PrintStream(new ByteArrayOutputStream()));
                System.out.println("into the function's own stream");
                return System.console() == null && System.in.read() == -1;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).isEqualTo("true");
        assertThat(logged()).contains("INFO from the static initializer", "INFO hello out", "WARNING hello err",
                "INFO through a kept stream", "WARNING java.lang.IllegalStateException: printed trace");
        assertThat(logged()).noneMatch(l -> l.contains("into the function's own stream"));
        assertThat(System.out).as("the node's stdout, untouched by the function's System.setOut")
                .isSameAs(System.err);
        assertThat(hostOut.toString(StandardCharsets.UTF_8)).doesNotContain("hello", "printed trace",
                "static initializer");
    }

    @Test
    void meters_the_cpu_the_node_spends_logging_the_output_and_leaves_it_out_of_the_invocations_cpu()
            throws Exception {
        LoadedFunction f = load("chatty", "", """
                System.out.println("one");
                System.err.println("two");
                System.out.print("three, unterminated");
                return "done";
                """);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
        try (LoggingCpu logging = LoggingCpu.charging("chatty", 7)) {
            try (Sandbox s = f.newSandbox()) {
                InvocationContext invocation = new InvocationContext("inv-1", "chatty", 1, 512,
                        System.nanoTime() + 30_000_000_000L, logging.ticker());
                s.invoke("{}", invocation);
                assertThat(s.outputCpuNanos()).as("three lines, the unterminated one logged as the invocation ended")
                        .isEqualTo(3 * 7);
                s.invoke("{}", invocation);
                assertThat(s.outputCpuNanos()).as("summed over invocations").isEqualTo(6 * 7);
            }

            List<Long> measured = new CopyOnWriteArrayList<>();
            FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults(), logging.ticker(), watchdog,
                    workers, new DispatchListener() {
                        @Override
                        public java.util.Optional<Warmth.State> invocationSucceeded(
                                FunctionDefinition function, long nanos, long measuredNanos) {
                            measured.add(measuredNanos);
                            return java.util.Optional.empty();
                        }
                    }, null);
            long before = logging.cpu();
            assertThat(d.submit("{}", "inv-2").orElseThrow().get(1, TimeUnit.MINUTES).json()).isEqualTo("\"done\"");
            d.drain().get(1, TimeUnit.MINUTES);
            assertThat(logging.cpu() - before).as("the invocation's thread CPU, all of it logging").isEqualTo(3 * 7);
            assertThat(measured).as("the CPU warmth hears, without the logging").containsExactly(0L);
        } finally {
            watchdog.shutdownNow();
            workers.shutdownNow();
        }
        assertThat(logged()).containsSubsequence("INFO one", "WARNING two", "INFO three, unterminated");
    }

    @Test
    void caps_an_output_flood_at_one_megabyte_per_invocation_and_says_how_much_was_dropped() {
        LoadedFunction f = load("flood", "", """
                for (int i = 0; i < 100_000; i++) {
                    System.out.println("flood line " + i);
                }
                return "done";
                """);

        try (Sandbox s = f.newSandbox()) {
            assertThat(s.invoke("{}", TestFunctions.invocation("flood"))).isEqualTo("\"done\"");
            List<String> first = logged();
            assertThat(first.getFirst()).isEqualTo("INFO flood line 0");
            // "flood line 0" .. "flood line 99999" with newlines is 1,688,890 bytes: the first 1 MB is logged.
            List<String> lines = first.stream().filter(l -> l.startsWith("INFO ")).toList();
            long loggedBytes = lines.stream().mapToLong(l -> l.length() - "INFO ".length()).sum()
                    + lines.size() - 1; // the newlines between them (the last line was cut short by the cap)
            assertThat(loggedBytes).isLessThanOrEqualTo(GuestOutput.MAX_INVOCATION_BYTES);
            assertThat(first.getLast()).isEqualTo("WARNING [output capped: "
                    + (1_688_890 - GuestOutput.MAX_INVOCATION_BYTES) + " bytes dropped beyond the limit of "
                    + GuestOutput.MAX_INVOCATION_BYTES + " bytes per invocation]");

            // The next invocation has its whole budget again.
            s.invoke("{}", TestFunctions.invocation("flood"));
            assertThat(logged()).hasSize(2 * first.size());
        }
        assertThat(hostOut.size()).isZero();
    }

    @Test
    void shows_a_copy_of_the_system_properties_without_the_nodes_paths_and_keeps_changes_to_itself() {
        LoadedFunction f = load("props", "", """
                System.setProperty("hotvisor.guest.set", "mine");
                Map<String, Object> r = new TreeMap<>();
                r.put("home", String.valueOf(System.getProperty("user.home")));
                r.put("classPath", System.getProperty("java.class.path", "hidden"));
                r.put("version", System.getProperty("java.version"));
                r.put("set", System.getProperty("hotvisor.guest.set"));
                r.put("keys", new TreeSet<>(System.getProperties().stringPropertyNames()));
                System.getProperties().clear();
                return r;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).contains("\"home\":\"null\"", "\"classPath\":\"hidden\"",
                "\"version\":\"" + System.getProperty("java.version") + "\"", "\"set\":\"mine\"");
        assertThat(json).doesNotContain("user.home", "user.dir", "java.home", "sun.java.command");
        assertThat(System.getProperty("hotvisor.guest.set")).as("the node's properties").isNull();
        assertThat(System.getProperty("java.version")).isNotNull();
    }

    @Test
    void routes_reflection_and_method_handles_on_system_to_the_functions_own() {
        System.setProperty("hotvisor.test.node.number", "7");
        System.setProperty("hotvisor.test.node.flag", "true");
        try {
            LoadedFunction f = load("reflect", """
                    interface Invoker { Object call(Method m, Object target, Object[] args) throws Exception; }
                    static String env(MethodHandle h, String name) throws Exception {
                        try { return String.valueOf(h.invoke(name)); } catch (Throwable t) { throw new Exception(t); }
                    }
                    static Object call(MethodHandle h, Object... args) throws Exception {
                        try { return h.asFixedArity().invokeWithArguments(args); } catch (Throwable t) { throw new Exception(t); }
                    }
                    static String thrown(Callable<?> c) {
                        try { return "no exception: " + c.call(); } catch (Exception e) {
                            return e.getClass().getSimpleName() + (e.getCause() == null ? ""
                                    : " of " + e.getCause().getClass().getSimpleName());
                        }
                    }
                    """, """
                    Map<String, Object> r = new TreeMap<>();
                    Class<?> sys = Class.forName("java.lang.System");
                    Method getenv = sys.getMethod("getenv", String.class);
                    r.put("invoke", getenv.invoke(null, "PATH") + "/" + getenv.invoke(null, "GREETING"));
                    r.put("invokeAll", ((Map<?, ?>) sys.getMethod("getenv").invoke(null)).keySet().toString());
                    Method invoke = Method.class.getMethod("invoke", Object.class, Object[].class);
                    r.put("nested", invoke.invoke(invoke, getenv, new Object[] {null, new Object[] {"PATH"}}) + "/"
                            + invoke.invoke(getenv, null, new Object[] {"GREETING"}));
                    Invoker byReference = Method::invoke;
                    r.put("methodReference", byReference.call(getenv, null, new Object[] {"PATH"}) + "/"
                            + byReference.call(getenv, null, new Object[] {"GREETING"}));
                    // With no calling class known, a caller-sensitive method is not run (it would take the runtime's).
                    r.put("callerSensitiveByReference", thrown(() -> byReference.call(
                            MethodHandles.class.getMethod("lookup"), null, new Object[0])));
                    Lookup l = MethodHandles.lookup();
                    MethodType t = MethodType.methodType(String.class, String.class);
                    r.put("findStatic", env(l.findStatic(sys, "getenv", t), "PATH") + "/"
                            + env(MethodHandles.publicLookup().findStatic(sys, "getenv", t), "GREETING"));
                    r.put("unreflect", env(l.unreflect(getenv), "PATH") + "/" + env(l.unreflect(getenv), "GREETING"));
                    MethodHandle invokeHandle = l.findVirtual(Method.class, "invoke",
                            MethodType.methodType(Object.class, Object.class, Object[].class));
                    r.put("findVirtualInvoke", call(invokeHandle, getenv, null, new Object[] {"PATH"}) + "/"
                            + call(l.unreflect(invoke), getenv, null, new Object[] {"GREETING"}));
                    MethodHandle found = (MethodHandle) Lookup.class.getMethod("findStatic", Class.class, String.class,
                            MethodType.class).invoke(l, sys, "getenv", t);
                    r.put("reflectedFindStatic", env(found, "PATH") + "/" + env(found, "GREETING"));
                    MethodHandle bound = l.bind(getenv, "invoke", MethodType.methodType(Object.class, Object.class,
                            Object[].class));
                    r.put("bind", call(bound, null, new Object[] {"PATH"}) + "/"
                            + call(bound, null, new Object[] {"GREETING"}));

                    ((PrintStream) sys.getField("out").get(null)).println("out by Field.get");
                    ((PrintStream) call(l.findStaticGetter(sys, "out", PrintStream.class))).println("out by findStaticGetter");
                    ((PrintStream) call(l.unreflectGetter(sys.getField("err")))).println("err by unreflectGetter");
                    ((PrintStream) ConstantBootstraps.getStaticFinal(l, "out", PrintStream.class, sys))
                            .println("out by getStaticFinal");
                    Throwable.class.getMethod("printStackTrace").invoke(new IllegalStateException("reflected trace"));
                    r.put("varHandle", thrown(() -> l.findStaticVarHandle(sys, "out", PrintStream.class)));

                    System.setProperty("own.number", "0x10");
                    System.setProperty("own.flag", "TRUE");
                    r.put("properties", Integer.getInteger("hotvisor.test.node.number") + "/"
                            + Long.getLong("hotvisor.test.node.number", -1L) + "/"
                            + Boolean.getBoolean("hotvisor.test.node.flag") + "/"
                            + Integer.getInteger("own.number", 3) + "/" + Long.getLong("own.number") + "/"
                            + Boolean.getBoolean("own.flag") + "/"
                            + Integer.class.getMethod("getInteger", String.class).invoke(null, "hotvisor.test.node.number")
                            + "/" + call(l.findStatic(Boolean.class, "getBoolean",
                                    MethodType.methodType(boolean.class, String.class)), "own.flag"));

                    // The JDK's exceptions, as without the routing.
                    r.put("nullName", thrown(() -> getenv.invoke(null, (Object) null)));
                    r.put("wrongArity", thrown(() -> getenv.invoke(null)));
                    r.put("notRouted", sys.getMethod("lineSeparator").invoke(null).equals(System.lineSeparator()));
                    r.put("missing", thrown(() -> l.findStatic(sys, "getenv", MethodType.methodType(int.class))));
                    r.put("byName", thrown(() -> {
                        Class<?> statement = Class.forName("java.beans.Statement");
                        Object s = statement.getConstructor(Object.class, String.class, Object[].class)
                                .newInstance(sys, "getenv", new Object[] {"PATH"});
                        return statement.getMethod("execute").invoke(s);
                    }));
                    return r;
                    """);

            String json = TestFunctions.invokeOnce(f, "{}");

            assertThat(json).contains("\"invoke\":\"null/hi\"", "\"invokeAll\":\"[GREETING]\"",
                    "\"nested\":\"null/hi\"", "\"methodReference\":\"null/hi\"",
                    "\"callerSensitiveByReference\":\"IllegalAccessException\"", "\"findStatic\":\"null/hi\"",
                    "\"unreflect\":\"null/hi\"", "\"findVirtualInvoke\":\"null/hi\"",
                    "\"reflectedFindStatic\":\"null/hi\"", "\"bind\":\"null/hi\"",
                    "\"varHandle\":\"IllegalAccessException\"",
                    "\"properties\":\"null/-1/false/16/16/true/null/true\"",
                    "\"nullName\":\"InvocationTargetException of NullPointerException\"",
                    "\"wrongArity\":\"IllegalArgumentException\"", "\"notRouted\":true",
                    "\"missing\":\"NoSuchMethodException of NoSuchMethodError\"", "\"byName\":\"IllegalAccessException\"");
            assertThat(logged()).contains("INFO out by Field.get", "INFO out by findStaticGetter",
                    "WARNING err by unreflectGetter", "INFO out by getStaticFinal",
                    "WARNING java.lang.IllegalStateException: reflected trace");
            assertThat(hostOut.toString(StandardCharsets.UTF_8)).doesNotContain("out by Field.get",
                    "out by findStaticGetter", "err by unreflectGetter", "out by getStaticFinal", "reflected trace");
        } finally {
            System.clearProperty("hotvisor.test.node.number");
            System.clearProperty("hotvisor.test.node.flag");
        }
    }

    @Test
    void refuses_by_reflection_and_method_handles_what_the_deploy_scan_refuses_by_name() {
        // Nothing here that is not refused could harm the test JVM: the handles to exit and halt are never invoked.
        LoadedFunction f = load("forbidden", """
                interface Maker { Object make(java.lang.reflect.Constructor<?> c, Object[] a) throws Exception; }
                interface ClassMaker { Object make(Class<?> c) throws Exception; }
                static String thrown(Callable<?> c) {
                    try { return "no exception: " + c.call(); } catch (Exception e) {
                        return e.getClass().getSimpleName() + (e.getCause() == null ? ""
                                : " of " + e.getCause().getClass().getSimpleName());
                    }
                }
                """, """
                Map<String, Object> r = new TreeMap<>();
                Lookup l = MethodHandles.lookup();
                Class<?> runtime = Class.forName("java.lang.Runtime");
                Class<?> socket = Class.forName("java.net.Socket");
                Class<?> builder = Class.forName("java.lang.ProcessBuilder");
                MethodType exitType = MethodType.methodType(void.class, int.class);
                r.put("haltHandle", thrown(() -> l.findVirtual(runtime, "halt", exitType)));
                try {
                    l.findVirtual(runtime, "halt", exitType);
                } catch (IllegalAccessException e) {
                    r.put("haltMessage", e.getMessage());
                }
                r.put("exitHandle", thrown(() -> MethodHandles.publicLookup().findStatic(
                        Class.forName("java.lang.System"), "exit", exitType)));
                r.put("haltBound", thrown(() -> l.bind(Runtime.getRuntime(), "halt", exitType)));
                r.put("haltUnreflected", thrown(() -> l.unreflect(runtime.getMethod("halt", int.class))));
                r.put("ofVirtualInvoked", thrown(() -> Thread.class.getMethod("ofVirtual").invoke(null)));
                r.put("allThreads", thrown(() -> Thread.class.getMethod("getAllStackTraces").invoke(null)));
                Class<?> signal = Class.forName("sun.misc.Signal");
                r.put("newSignal", thrown(() -> signal.getConstructor(String.class).newInstance("TERM")));
                r.put("inheritedConnect", thrown(() -> l.findVirtual(Class.forName("javax.net.ssl.SSLSocket"),
                        "connect", MethodType.methodType(void.class, Class.forName("java.net.SocketAddress")))));
                r.put("newProcessBuilder", thrown(() -> builder.getConstructor(String[].class)
                        .newInstance((Object) new String[] {"true"})));
                r.put("newSocket", thrown(() -> socket.newInstance()));
                r.put("socketConstructor", thrown(() -> l.findConstructor(socket, MethodType.methodType(void.class))));
                r.put("unreflectConstructor", thrown(() -> l.unreflectConstructor(builder.getConstructor(List.class))));
                Maker byReference = java.lang.reflect.Constructor::newInstance;
                r.put("newInstanceByReference", thrown(() -> byReference.make(socket.getConstructor(), new Object[0])));
                ClassMaker classByReference = Class::newInstance;
                r.put("classNewInstanceByReference", thrown(() -> classByReference.make(socket)));
                r.put("newInstanceReflected", thrown(() -> java.lang.reflect.Constructor.class
                        .getMethod("newInstance", Object[].class)
                        .invoke(socket.getConstructor(), new Object[] {new Object[0]})));
                // What the scan allows works as before.
                Class<?> sb = Class.forName("java.lang.StringBuilder");
                r.put("allowed", sb.getConstructor(String.class).newInstance("a") + "/"
                        + Class.forName("java.util.ArrayList").newInstance() + "/"
                        + byReference.make(sb.getConstructor(String.class), new Object[] {"b"}) + "/"
                        + classByReference.make(Class.forName("java.util.ArrayList")) + "/"
                        + Thread.class.getMethod("getName").invoke(Thread.currentThread()).equals(
                                Thread.currentThread().getName()));
                try {
                    r.put("allowedHandle", String.valueOf(l.findConstructor(sb,
                            MethodType.methodType(void.class, String.class)).invoke("c")));
                } catch (Throwable t) {
                    throw new Exception(t);
                }
                return r;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).contains("\"haltHandle\":\"IllegalAccessException\"",
                "\"exitHandle\":\"IllegalAccessException\"", "\"haltBound\":\"IllegalAccessException\"",
                "\"haltUnreflected\":\"IllegalAccessException\"", "\"ofVirtualInvoked\":\"IllegalAccessException\"",
                "\"inheritedConnect\":\"IllegalAccessException\"", "\"allThreads\":\"IllegalAccessException\"",
                "\"newSignal\":\"IllegalAccessException\"",
                "\"newProcessBuilder\":\"IllegalAccessException\"", "\"newSocket\":\"IllegalAccessException\"",
                "\"socketConstructor\":\"IllegalAccessException\"",
                "\"unreflectConstructor\":\"IllegalAccessException\"",
                "\"newInstanceByReference\":\"IllegalAccessException\"",
                "\"classNewInstanceByReference\":\"IllegalAccessException\"",
                "\"newInstanceReflected\":\"IllegalAccessException\"",
                "\"allowed\":\"a/[]/b/[]/true\"", "\"allowedHandle\":\"c\"",
                "\"haltMessage\":\"In-node Java functions may not use java.lang.Runtime.halt (process control), by"
                        + " reflection or a method handle either; deploy with \\\"isolation\\\": \\\"process\\\" to use it"
                        + " (docs/security.md)\"");
    }

    @Test
    void parses_xml_without_following_external_entities_to_the_nodes_files() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "node secret");
        LoadedFunction f = load("xxe", "", """
                String xml = "<!DOCTYPE x [<!ENTITY e SYSTEM \\"" + event.get("uri") + "\\">]><x>&e;</x>";
                try {
                    var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                            .parse(new ByteArrayInputStream(xml.getBytes()));
                    return Map.of("leaked", doc.getDocumentElement().getTextContent());
                } catch (org.xml.sax.SAXException e) {
                    return Map.of("refused", e.getMessage());
                }
                """);

        String json = TestFunctions.invokeOnce(f, "{\"uri\":\"" + secret.toUri() + "\"}");

        assertThat(json).doesNotContain("node secret").contains("\"refused\"", "accessExternalDTD");
    }

    @Test
    void leaves_reflection_on_the_functions_own_classes_as_the_jdk_does_it() {
        LoadedFunction f = load("ownreflect", """
                private static final String SECRET = "private field";
                private String secret(String s) { return "private method " + s; }
                public static class Bean {
                    public String getName() { return "bean"; }
                    public int getSize() { return 3; }
                    public void fail() { throw new IllegalStateException("from the bean"); }
                }
                """, """
                Map<String, Object> r = new TreeMap<>();
                // Jackson-style: every getter of a bean by reflection.
                Object bean = new Bean();
                Map<String, Object> props = new TreeMap<>();
                for (java.lang.reflect.Method m : Bean.class.getMethods()) {
                    if (m.getName().startsWith("get") && m.getParameterCount() == 0 && m.getDeclaringClass() == Bean.class) {
                        props.put(m.getName(), m.invoke(bean));
                    }
                }
                r.put("bean", props);
                // Private members of the calling class need no setAccessible: the caller is still this class.
                r.put("privateMethod", Fn.class.getDeclaredMethod("secret", String.class).invoke(this, "x"));
                r.put("privateField", Fn.class.getDeclaredField("SECRET").get(null));
                try {
                    r.put("handle", MethodHandles.lookup().findVirtual(Fn.class, "secret",
                            MethodType.methodType(String.class, String.class)).invoke(this, "y"));
                } catch (Throwable t) {
                    throw new Exception(t);
                }
                try {
                    Bean.class.getMethod("fail").invoke(bean);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    r.put("thrown", e.getCause().getMessage());
                }
                // And no more than the JDK allows it: the runtime's package-private members stay out of reach.
                try {
                    Class.forName("io.hotvisor.runtime.GuestSystem").getDeclaredField("INTERNAL_NAME").get(null);
                    r.put("runtimeField", "read");
                } catch (IllegalAccessException e) {
                    r.put("runtimeField", "IllegalAccessException");
                }
                return r;
                """);

        String json = TestFunctions.invokeOnce(f, "{}");

        assertThat(json).isEqualTo("{\"bean\":{\"getName\":\"bean\",\"getSize\":3},\"handle\":\"private method y\","
                + "\"privateField\":\"private field\",\"privateMethod\":\"private method x\","
                + "\"runtimeField\":\"IllegalAccessException\",\"thrown\":\"from the bean\"}");
    }

    @Test
    void leaves_classes_that_do_not_use_system_as_they_are_and_redirects_those_that_do() throws Exception {
        byte[] plain = TestJars.classBytes(TestJars.class);
        assertThat(SystemRedirects.contains(plain, "java/lang/System".getBytes(StandardCharsets.UTF_8))).isTrue();
        byte[] woven = SystemRedirects.weave("io.hotvisor.runtime.TestJars", plain);
        assertThat(SystemRedirects.contains(woven, GuestSystem.INTERNAL_NAME.getBytes(StandardCharsets.UTF_8)))
                .isTrue();

        byte[] unrelated = TestJars.classBytes(InvocationContext.class);
        assertThat(SystemRedirects.contains(unrelated, "java/lang/System".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(SystemRedirects.weave("io.hotvisor.runtime.InvocationContext", unrelated)).isSameAs(unrelated);
    }
}
