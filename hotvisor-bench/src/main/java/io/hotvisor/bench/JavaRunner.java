package io.hotvisor.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The baseline's runner for Java, on plain HotSpot: one JVM per function instance with the function's jar on the
 * class path (so a JDK AOT cache can hold its classes), one request at a time (the JDK server's default executor is
 * one thread), OpenWhisk action-proxy style: {@code POST /init {"module": class, "entry": method}},
 * {@code POST /run} with the event JSON. Shapes: AWS {@code RequestHandler} and {@code RequestStreamHandler},
 * {@code public static Map main(Map)} and OpenWhisk's {@code public static JsonObject main(JsonObject)}.
 * {@code POST /exit} ends the JVM normally (an AOT training run writes its cache at exit).
 *
 * <p>Started by {@link BaselineServer}: {@code java -cp bench-classpath:function.jar io.hotvisor.bench.JavaRunner PORT_FILE}.
 */
public final class JavaRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Gson GSON = new Gson();

    private interface Call {
        String run(String event, Context context) throws Exception;
    }

    private static Call call;
    private static String name = "function";

    private JavaRunner() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", JavaRunner::handle);
        server.start();
        // Ends with the server that started it, however that one ended.
        // Compares parent pids, as the Node.js and Python runners do: ProcessHandle.isAlive() of the parent kept
        // answering true for a parent that was gone (seen under heavy load), leaving orphan runners.
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Thread.ofPlatform().daemon().start(() -> {
            while (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L) == parent) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.exit(0);
        });
        Path portFile = Path.of(args[0]);
        Path tmp = Path.of(args[0] + ".tmp");
        Files.writeString(tmp, Integer.toString(server.getAddress().getPort()));
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int status = 200;
        String out;
        try {
            out = switch (exchange.getRequestURI().getPath()) {
                case "/init" -> init(JSON.readTree(body));
                case "/run" -> call.run(body.isBlank() ? "{}" : body, context());
                case "/exit" -> {
                    reply(exchange, 200, "{}");
                    System.exit(0);
                    yield "{}";
                }
                default -> throw new IllegalArgumentException("unknown path " + exchange.getRequestURI());
            };
        } catch (Throwable e) {
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            status = 502;
            out = JSON.writeValueAsString(Map.of("error", Map.of("type", cause.getClass().getSimpleName(),
                    "message", String.valueOf(cause.getMessage()))));
        }
        reply(exchange, status, out);
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static String init(JsonNode init) throws Exception {
        name = init.path("name").asText();
        Class<?> type = Class.forName(init.path("module").asText());
        String entry = init.path("entry").asText();
        if (RequestStreamHandler.class.isAssignableFrom(type)) {
            RequestStreamHandler h = (RequestStreamHandler) type.getConstructor().newInstance();
            call = (event, ctx) -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                h.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, ctx);
                String text = out.toString(StandardCharsets.UTF_8);
                return text.isBlank() ? "null" : text;
            };
        } else if (RequestHandler.class.isAssignableFrom(type)) {
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> h = (RequestHandler<Object, Object>) type.getConstructor().newInstance();
            var input = JSON.getTypeFactory().constructType(inputType(type));
            call = (event, ctx) -> JSON.writeValueAsString(h.handleRequest(JSON.readValue(event, input), ctx));
        } else {
            Method m = null;
            for (Method candidate : type.getMethods()) {
                if (candidate.getName().equals(entry) && Modifier.isStatic(candidate.getModifiers())
                        && candidate.getParameterCount() == 1) {
                    m = candidate;
                }
            }
            if (m == null) {
                throw new NoSuchMethodException("No public static " + entry + "(Map) or " + entry
                        + "(JsonObject) in " + type.getName() + ", and it is no RequestHandler");
            }
            Method main = m;
            if (main.getParameterTypes()[0] == JsonObject.class) {
                call = (event, ctx) -> GSON.toJson(main.invoke(null, JsonParser.parseString(event).getAsJsonObject()));
            } else {
                call = (event, ctx) -> JSON.writeValueAsString(main.invoke(null, JSON.readValue(event, Map.class)));
            }
        }
        return "{\"ok\":true}";
    }

    /** The {@code I} of {@code RequestHandler<I, O>}, or {@code Object}. */
    private static Type inputType(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Type t : c.getGenericInterfaces()) {
                if (t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                    return p.getActualTypeArguments()[0];
                }
            }
        }
        return Object.class;
    }

    private static Context context() {
        long deadline = System.currentTimeMillis() + 60_000;
        String id = Long.toString(System.nanoTime());
        return new Context() {
            @Override public String getAwsRequestId() { return id; }
            @Override public String getLogGroupName() { return "baseline"; }
            @Override public String getLogStreamName() { return name; }
            @Override public String getFunctionName() { return name; }
            @Override public String getFunctionVersion() { return "$LATEST"; }
            @Override public String getInvokedFunctionArn() { return name; }
            @Override public CognitoIdentity getIdentity() { return null; }
            @Override public ClientContext getClientContext() { return null; }
            @Override public int getRemainingTimeInMillis() { return (int) (deadline - System.currentTimeMillis()); }
            @Override public int getMemoryLimitInMB() { return 256; }
            @Override public LambdaLogger getLogger() {
                return new LambdaLogger() {
                    @Override public void log(String message) { System.out.println(message); }
                    @Override public void log(byte[] message) { System.out.println(new String(message, StandardCharsets.UTF_8)); }
                };
            }
        };
    }
}
