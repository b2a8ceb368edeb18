package io.hotvisor.node;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.Isolation;
import io.hotvisor.runtime.SandboxPolicy;

/**
 * A validated {@code PUT /v1/functions/{name}} body. Every rejection names the field and the offending value.
 *
 * @param config  the function's config
 * @param source  the source text, when the request gave {@code code}
 * @param archive the decoded archive (zip bundle or jar), when the request gave {@code archive}
 */
record DeployRequest(FunctionConfig config, String source, byte[] archive) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Set<String> FIELDS = Set.of("language", "handler", "code", "archive", "timeoutMs",
            "memoryMb", "concurrency", "env", "sandbox", "isolation", "idempotent", "warmupInputs",
            "warmupSampling", "snapshots");
    /** The most warm-up inputs a function may declare. */
    static final int MAX_WARMUP_INPUTS = 16;
    /** The largest warm-up input, as JSON text. */
    static final int MAX_WARMUP_INPUT_BYTES = 64 * 1024;
    static final long MAX_TIMEOUT_MS = Duration.ofMinutes(15).toMillis();
    static final int MAX_MEMORY_MB = 16_384;
    static final int MAX_CONCURRENCY = 256;

    boolean hasSource() {
        return source != null;
    }

    /** Checks a function name: letters, digits, '-' and '_', 1 to 64 characters, starting with a letter or digit. */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("Invalid function name '" + printable(name) + "': use 1 to 64 ASCII letters,"
                    + " digits, '-' or '_', starting with a letter or digit");
        }
        return name;
    }

    static DeployRequest parse(String name, JsonNode body) {
        checkName(name);
        if (!body.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object with 'language', 'handler' and"
                    + " 'code' or 'archive'; got " + body.getNodeType().name().toLowerCase());
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                unknown.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("Unknown field(s) " + unknown + "; accepted: "
                    + String.join(", ", new TreeSet<>(FIELDS)));
        }
        String languageName = requiredText(body, "language");
        Language language = Language.parse(languageName).orElseThrow(() -> ApiException.badRequest(
                "Field 'language': unknown language '" + printable(languageName) + "'; use javascript, python or java"));
        String handler = requiredText(body, "handler");
        if (handler.isBlank() || handler.length() > 256) {
            throw ApiException.badRequest("Field 'handler' must be 1 to 256 characters, e.g. 'index.handler', 'main'"
                    + " or 'com.acme.Fn::handleRequest'");
        }
        boolean hasCode = body.has("code");
        boolean hasArchive = body.has("archive");
        if (hasCode == hasArchive) {
            throw ApiException.badRequest("Give exactly one of 'code' (source text) or 'archive' (base64 of a zip or"
                    + " jar); got " + (hasCode ? "both" : "neither"));
        }
        String source = null;
        byte[] archive = null;
        if (hasCode) {
            source = requiredText(body, "code");
        } else {
            String b64 = requiredText(body, "archive");
            try {
                archive = Base64.getDecoder().decode(WHITESPACE.matcher(b64).replaceAll(""));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Field 'archive' is not valid base64: " + e.getMessage());
            }
            if (archive.length == 0) {
                throw ApiException.badRequest("Field 'archive' is empty");
            }
        }
        FunctionConfig.Builder config = FunctionConfig.builder(name, language, handler.trim());
        if (body.has("timeoutMs")) {
            config.timeout(Duration.ofMillis(integer(body, "timeoutMs", 1, MAX_TIMEOUT_MS)));
        }
        if (body.has("memoryMb")) {
            config.memoryMb((int) integer(body, "memoryMb", 16, MAX_MEMORY_MB));
        }
        if (body.has("concurrency")) {
            config.concurrency((int) integer(body, "concurrency", 1, MAX_CONCURRENCY));
        }
        if (body.has("env")) {
            config.env(env(body.get("env")));
        }
        if (body.has("sandbox")) {
            String s = requiredText(body, "sandbox");
            config.sandbox(SandboxPolicy.parse(s).orElseThrow(() -> ApiException.badRequest(
                    "Field 'sandbox': unknown policy '" + printable(s) + "'; use 'reuse' or 'fresh'")));
        }
        if (body.has("isolation")) {
            String s = requiredText(body, "isolation");
            Isolation isolation = Isolation.parse(s).orElseThrow(() -> ApiException.badRequest(
                    "Field 'isolation': unknown isolation '" + printable(s) + "'; use 'node' or 'process'"));
            if (isolation == Isolation.PROCESS && language != Language.JAVA) {
                throw ApiException.badRequest("Field 'isolation': 'process' is for Java functions only; this function"
                        + " is " + language.id() + ": use 'node'");
            }
            config.isolation(isolation);
        }
        if (body.has("warmupInputs")) {
            config.warmupInputs(warmupInputs(body.get("warmupInputs")));
        }
        if (body.has("warmupSampling")) {
            JsonNode n = body.get("warmupSampling");
            if (!n.isBoolean()) {
                throw ApiException.badRequest("Field 'warmupSampling' must be true (the node may keep a sample of"
                        + " recent events to replay) or false (the default: no event is stored); got "
                        + abbreviate(n.toString()));
            }
            config.warmupSampling(n.booleanValue());
        }
        if (body.has("snapshots")) {
            JsonNode n = body.get("snapshots");
            if (!n.isBoolean()) {
                throw ApiException.badRequest("Field 'snapshots' must be true (the default: with isolation 'process',"
                        + " later workers may be restored copies of a checkpointed one) or false (every worker starts"
                        + " fresh, none is checkpointed); got " + abbreviate(n.toString()));
            }
            config.snapshots(n.booleanValue());
        }
        idempotent(body);
        return new DeployRequest(config.build(), source, archive);
    }

    /**
     * Field {@code idempotent} (default false): whether the cluster gateway may retry an invocation on another node
     * after a node may have run it. A single node only checks it; the cluster catalog keeps it.
     */
    static boolean idempotent(JsonNode body) {
        JsonNode n = body.get("idempotent");
        if (n == null) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiException.badRequest("Field 'idempotent' must be true or false; got " + printable(n.toString()));
        }
        return n.booleanValue();
    }

    /**
     * Field {@code warmupInputs}: up to {@value #MAX_WARMUP_INPUTS} events (any JSON values) of at most
     * {@value #MAX_WARMUP_INPUT_BYTES} bytes each, replayed in a throw-away sandbox after each load (for an in-node
     * Java function, in a handler instance of its own: see README, "Warm-up").
     */
    private static List<String> warmupInputs(JsonNode n) {
        if (!n.isArray()) {
            throw ApiException.badRequest("Field 'warmupInputs' must be an array of events (JSON values) to replay;"
                    + " got " + n.getNodeType().name().toLowerCase());
        }
        if (n.size() > MAX_WARMUP_INPUTS) {
            throw ApiException.badRequest("Field 'warmupInputs' has " + n.size() + " events; the limit is "
                    + MAX_WARMUP_INPUTS);
        }
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String json = n.get(i).toString();
            int bytes = json.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_WARMUP_INPUT_BYTES) {
                throw ApiException.badRequest("Field 'warmupInputs[" + i + "]' is " + bytes + " bytes of JSON; the"
                        + " limit is " + MAX_WARMUP_INPUT_BYTES);
            }
            inputs.add(json);
        }
        return inputs;
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw ApiException.badRequest("Missing field '" + field + "'");
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("Field '" + field + "' must be a string; got "
                    + n.getNodeType().name().toLowerCase() + " " + abbreviate(n.toString()));
        }
        return n.textValue();
    }

    private static long integer(JsonNode body, String field, long min, long max) {
        JsonNode n = body.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw ApiException.badRequest("Field '" + field + "' must be an integer from " + min + " to " + max
                    + "; got " + abbreviate(n.toString()));
        }
        long v = n.longValue();
        if (v < min || v > max) {
            throw ApiException.badRequest("Field '" + field + "' must be from " + min + " to " + max + "; got " + v);
        }
        return v;
    }

    private static Map<String, String> env(JsonNode n) {
        if (!n.isObject()) {
            throw ApiException.badRequest("Field 'env' must be an object of string values; got "
                    + n.getNodeType().name().toLowerCase());
        }
        Map<String, String> env = new TreeMap<>();
        for (var it = n.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!ENV_KEY.matcher(e.getKey()).matches()) {
                throw ApiException.badRequest("Field 'env': invalid variable name '" + printable(e.getKey())
                        + "'; use letters, digits and '_', not starting with a digit");
            }
            if (!e.getValue().isTextual()) {
                throw ApiException.badRequest("Field 'env." + e.getKey() + "' must be a string; got "
                        + e.getValue().getNodeType().name().toLowerCase());
            }
            env.put(e.getKey(), e.getValue().textValue());
        }
        return env;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Shows a user-supplied string safely in a message: control and non-ASCII characters escaped, length capped. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                b.appendCodePoint(c);
            } else {
                b.append(String.format("\\u%04x", c));
            }
        });
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
