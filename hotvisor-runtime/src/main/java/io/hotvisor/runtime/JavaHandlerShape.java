package io.hotvisor.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.TypeFactory;
import com.fasterxml.jackson.databind.util.LRUMap;
import com.fasterxml.jackson.databind.util.LookupCache;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.hotvisor.api.Handler;

/**
 * How a Java function is entered, found once per class loader by {@link #resolve}: each shape knows how to make
 * its per-sandbox target (a handler instance, or nothing for static methods), how to turn the event JSON into its
 * argument and its result back into JSON.
 *
 * <p>Each shape holds an {@link ObjectMapper} of its own class loader: Jackson caches serializers and types by
 * {@code Class}, and a node-wide mapper would pin every function class loader it ever saw.
 */
sealed interface JavaHandlerShape {

    /** The shapes a Java handler may have, for error messages. */
    String ACCEPTED = "[RequestHandler<I,O>::handleRequest, RequestStreamHandler::handleRequest,"
            + " io.hotvisor.api.Handler::handle, public static Map<String,Object> main(Map<String,Object>),"
            + " public static JsonObject main(JsonObject)]";

    /** How many public methods an error message lists at most. */
    int LISTED_METHODS = 20;

    /** Makes what one sandbox calls: a new handler instance, or {@code null} for a static method. */
    Object newTarget() throws Throwable;

    /** Runs one invocation on {@code target}; returns its JSON result. */
    String invoke(Object target, String eventJson, JavaFunctionContext context) throws Throwable;

    /** AWS Lambda's {@code RequestHandler<I,O>}: the event converted to {@code I} by Jackson, {@code O} back to JSON. */
    record LambdaRequest(Constructor<?> constructor, JavaType input, ObjectMapper mapper) implements JavaHandlerShape {
        @Override
        public Object newTarget() throws Throwable {
            return construct(constructor);
        }

        @Override
        @SuppressWarnings("unchecked")
        public String invoke(Object target, String eventJson, JavaFunctionContext context) throws Throwable {
            Object in = eventJson.isBlank() ? null : readEvent(mapper, eventJson, input, context);
            Object out = ((RequestHandler<Object, Object>) target).handleRequest(in, context);
            return writeResult(mapper, out, context);
        }
    }

    /** AWS Lambda's {@code RequestStreamHandler}: event bytes in; output bytes out, as JSON or else a JSON string. */
    record LambdaStream(Constructor<?> constructor, ObjectMapper mapper) implements JavaHandlerShape {
        @Override
        public Object newTarget() throws Throwable {
            return construct(constructor);
        }

        @Override
        public String invoke(Object target, String eventJson, JavaFunctionContext context) throws Throwable {
            var in = new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8));
            var out = new ByteArrayOutputStream();
            ((RequestStreamHandler) target).handleRequest(in, out, context);
            String text = out.toString(StandardCharsets.UTF_8);
            if (text.isBlank()) {
                return "null";
            }
            try {
                mapper.readTree(text);
                return text.strip();
            } catch (JacksonException notJson) {
                return mapper.writeValueAsString(text);
            }
        }
    }

    /** Hotvisor's own {@link Handler}: the event as a {@code Map}, any JSON-able result. */
    record HotvisorHandler(Constructor<?> constructor, ObjectMapper mapper) implements JavaHandlerShape {
        @Override
        public Object newTarget() throws Throwable {
            return construct(constructor);
        }

        @Override
        public String invoke(Object target, String eventJson, JavaFunctionContext context) throws Throwable {
            Object out = ((Handler) target).handle(readObjectEvent(mapper, eventJson, context), context);
            return writeResult(mapper, out, context);
        }
    }

    /** The Graalvisor shape: {@code public static Map<String,Object> main(Map<String,Object>)}. */
    record GraalvisorMain(MethodHandle main, ObjectMapper mapper) implements JavaHandlerShape {
        @Override
        public Object newTarget() {
            return null;
        }

        @Override
        public String invoke(Object target, String eventJson, JavaFunctionContext context) throws Throwable {
            Object out = main.invokeExact(readObjectEvent(mapper, eventJson, context));
            return writeResult(mapper, out, context);
        }
    }

    /** OpenWhisk's Java action: {@code public static JsonObject main(JsonObject)} with Gson. */
    record OpenWhiskMain(MethodHandle main, Gson gson) implements JavaHandlerShape {
        @Override
        public Object newTarget() {
            return null;
        }

        @Override
        public String invoke(Object target, String eventJson, JavaFunctionContext context) throws Throwable {
            JsonObject params;
            try {
                JsonElement event = eventJson.isBlank() ? new JsonObject() : JsonParser.parseString(eventJson);
                params = event.isJsonNull() ? new JsonObject() : event.getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw invalidEvent(context, "a JSON object", e);
            }
            Object out = main.invokeExact(params);
            return out == null ? "null" : gson.toJson((JsonElement) out);
        }
    }

    /**
     * Finds how to enter {@code type}.
     *
     * @param method the method named by the handler ({@code Fn::method}), or empty to infer it
     * @throws DeployException (field {@code handler}) naming the public methods found and the shapes accepted
     */
    static JavaHandlerShape resolve(Class<?> type, String method, String functionName, ClassLoader loader) {
        ObjectMapper mapper = mapperFor(loader);
        boolean hotvisor = Handler.class.isAssignableFrom(type);
        boolean request = RequestHandler.class.isAssignableFrom(type);
        boolean stream = RequestStreamHandler.class.isAssignableFrom(type);
        if (method.isEmpty() && hotvisor || method.equals("handle") && hotvisor) {
            return new HotvisorHandler(noArgConstructor(type, functionName), mapper);
        }
        if ((method.isEmpty() || method.equals("handleRequest")) && request) {
            JavaType[] params = mapper.getTypeFactory().constructType(type).findTypeParameters(RequestHandler.class);
            JavaType input = params.length == 2 ? params[0] : mapper.getTypeFactory().constructType(Object.class);
            return new LambdaRequest(noArgConstructor(type, functionName), input, mapper);
        }
        if ((method.isEmpty() || method.equals("handleRequest")) && stream) {
            return new LambdaStream(noArgConstructor(type, functionName), mapper);
        }
        String name = method.isEmpty() ? "main" : method;
        for (Method m : type.getMethods()) {
            if (!m.getName().equals(name) || !Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 1) {
                continue;
            }
            Class<?> param = m.getParameterTypes()[0];
            if (param == Map.class) {
                return new GraalvisorMain(handle(m, Object.class, Map.class), mapper);
            }
            if (param == JsonObject.class && JsonElement.class.isAssignableFrom(m.getReturnType())) {
                return new OpenWhiskMain(handle(m, Object.class, JsonObject.class),
                        new GsonBuilder().serializeNulls().disableHtmlEscaping().create());
            }
        }
        String what = method.isEmpty()
                ? "Class '" + type.getName() + "' of function '" + functionName + "' has no handler: it implements"
                        + " none of RequestHandler, RequestStreamHandler, io.hotvisor.api.Handler and has no"
                        + " public static main(Map) or main(JsonObject)"
                : "Handler method '" + type.getName() + "::" + method + "' not found in function '" + functionName
                        + "' or it has an unsupported shape";
        throw DeployException.handler(what + "; public methods of " + type.getSimpleName() + ": "
                + publicMethods(type) + "; accepted shapes: " + ACCEPTED);
    }

    private static Constructor<?> noArgConstructor(Class<?> type, String functionName) {
        if (Modifier.isAbstract(type.getModifiers())) {
            throw DeployException.handler("Handler class '" + type.getName() + "' of function '" + functionName
                    + "' is abstract; name a concrete class");
        }
        try {
            Constructor<?> c = type.getDeclaredConstructor();
            c.setAccessible(true);
            return c;
        } catch (NoSuchMethodException e) {
            throw DeployException.handler("Handler class '" + type.getName() + "' of function '" + functionName
                    + "' needs a no-arg constructor; it has " + Arrays.stream(type.getDeclaredConstructors())
                    .map(c -> Arrays.stream(c.getParameterTypes()).map(Class::getSimpleName)
                            .collect(Collectors.joining(", ", type.getSimpleName() + "(", ")")))
                    .toList());
        }
    }

    private static MethodHandle handle(Method m, Class<?> returnType, Class<?> paramType) {
        try {
            m.setAccessible(true); // the method is public; its class need not be
            return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(returnType, paramType));
        } catch (IllegalAccessException e) {
            throw DeployException.handler("Handler method '" + m + "' cannot be accessed: " + e.getMessage());
        }
    }

    private static Object construct(Constructor<?> c) throws Throwable {
        try {
            return c.newInstance();
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static String publicMethods(Class<?> type) {
        List<String> methods = Arrays.stream(type.getMethods())
                .filter(m -> m.getDeclaringClass() != Object.class)
                .map(m -> (Modifier.isStatic(m.getModifiers()) ? "static " : "") + m.getReturnType().getSimpleName()
                        + " " + m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")")))
                .distinct().sorted().toList();
        return methods.size() <= LISTED_METHODS ? methods.toString()
                : methods.subList(0, LISTED_METHODS) + " and " + (methods.size() - LISTED_METHODS) + " more";
    }

    /** A Jackson mapper for one function class loader, with a type cache of its own (see the class comment). */
    private static ObjectMapper mapperFor(ClassLoader loader) {
        LookupCache<Object, JavaType> cache = new LRUMap<>(16, 200);
        TypeFactory types = TypeFactory.defaultInstance().withCache(cache).withClassLoader(loader);
        return JsonMapper.builder()
                .typeFactory(types)
                // As AWS Lambda's own serializer: events may carry more fields than the POJO has.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
    }

    private static Object readEvent(ObjectMapper mapper, String json, JavaType type, JavaFunctionContext context) {
        try {
            return mapper.readValue(json, type);
        } catch (JacksonException e) {
            throw invalidEvent(context, type.toCanonical(), e);
        }
    }

    private static Map<String, Object> readObjectEvent(ObjectMapper mapper, String json, JavaFunctionContext context) {
        if (json.isBlank()) {
            return new LinkedHashMap<>();
        }
        Map<String, Object> event = readEventMap(mapper, json, context);
        return event == null ? new LinkedHashMap<>() : event;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readEventMap(ObjectMapper mapper, String json, JavaFunctionContext context) {
        return (Map<String, Object>) readEvent(mapper, json,
                mapper.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class),
                context);
    }

    private static String writeResult(ObjectMapper mapper, Object result, JavaFunctionContext context) {
        try {
            return mapper.writeValueAsString(result);
        } catch (JacksonException e) {
            throw InvocationFailure.functionError("InvalidResult", "Function '" + context.functionName()
                    + "' returned a " + result.getClass().getName() + " that cannot be written as JSON: "
                    + firstLine(e.getOriginalMessage()), List.of());
        }
    }

    private static InvocationFailure invalidEvent(JavaFunctionContext context, String expected, Exception e) {
        String detail = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        return InvocationFailure.functionError("InvalidEvent", "Function '" + context.functionName() + "' takes "
                + expected + "; the event does not convert to it: " + firstLine(detail), List.of());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
