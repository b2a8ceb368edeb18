package io.hotvisor.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A function kept as a folder with a {@code function.json}, as {@code hotvisor deploy --from DIR} reads it:
 * <pre>{"language": "python", "handler": "app.handler", "timeoutMs": 3000, "memoryMb": 256, "concurrency": 4,
 *  "env": {"K": "V"}, "sandbox": "reuse", "isolation": "node", "bundle": false, "jar": "target/fn.jar",
 *  "warmupInputs": [{"text": "a sample event"}], "warmupSampling": false, "snapshots": true}</pre>
 * Only {@code language} and {@code handler} are required. The code sent is, in this order: the whole folder
 * zipped without {@code function.json} when {@code bundle} is true; the jar named by {@code jar}; for Java, the
 * only jar in the folder; else the one source file the handler names ({@code index.handler} gives
 * {@code index.js} or {@code index.py}), or for a bare handler ({@code main}) the only source file there.
 *
 * @param name     the folder's name, the function's default name
 * @param language its language
 * @param handler  its handler, as written
 * @param code     the code to send
 * @param settings the optional API fields it sets, checked: {@code timeoutMs}, {@code memoryMb},
 *                 {@code concurrency}, {@code env}, {@code sandbox}, {@code isolation}, {@code warmupInputs},
 *                 {@code warmupSampling}, {@code snapshots}
 */
record FunctionFolder(String name, Language language, String handler, DeployCode code, ObjectNode settings) {

    static final String FILE = "function.json";
    private static final Set<String> SETTINGS = Set.of("timeoutMs", "memoryMb", "concurrency", "env", "sandbox",
            "isolation", "warmupInputs", "warmupSampling", "snapshots");
    private static final Set<String> KEYS;

    static {
        Set<String> keys = new TreeSet<>(SETTINGS);
        keys.addAll(List.of("language", "handler", "bundle", "jar"));
        KEYS = Set.copyOf(keys);
    }

    static FunctionFolder read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("no such directory: " + dir);
        }
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("no " + FILE + " in " + dir + "; it needs at least"
                    + " {\"language\": ..., \"handler\": ...}");
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e, e);
        }
        if (json == null || !json.isObject()) {
            throw new BadInputException(file + " must hold a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        json.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            throw new BadInputException(file + ": unknown key(s) " + unknown + "; accepted: " + new TreeSet<>(KEYS));
        }
        String languageName = text(file, json, "language");
        Language language = Language.parse(languageName)
                .orElseThrow(() -> new BadInputException(file + ": " + Language.unknown(languageName)));
        String handler = text(file, json, "handler");
        ObjectNode settings = settings(file, json);

        boolean bundle = false;
        if (json.has("bundle")) {
            if (!json.get("bundle").isBoolean()) {
                throw new BadInputException(file + ": 'bundle' must be true or false; got " + json.get("bundle"));
            }
            bundle = json.get("bundle").booleanValue();
        }
        String jar = json.has("jar") ? text(file, json, "jar") : null;
        if (bundle && jar != null) {
            throw new BadInputException(file + ": give 'bundle': true or 'jar', not both");
        }
        DeployCode code;
        if (bundle) {
            code = DeployCode.zip(dir, p -> p.toString().equals(FILE));
        } else if (jar != null) {
            code = DeployCode.archive(dir.resolve(jar).normalize());
        } else if (language == Language.JAVA) {
            code = DeployCode.archive(only(dir, ".jar", "a Java function needs a jar: name it with \"jar\" in "
                    + FILE));
        } else {
            code = DeployCode.source(sourceFile(dir, language, handler));
        }
        String name = dir.toAbsolutePath().normalize().getFileName() == null ? ""
                : dir.toAbsolutePath().normalize().getFileName().toString();
        return new FunctionFolder(name, language, handler, code, settings);
    }

    /** The source file {@code handler} names: {@code index.handler} is {@code index.js} in a JS function. */
    private static Path sourceFile(Path dir, Language language, String handler) {
        int dot = handler.lastIndexOf('.');
        if (dot <= 0) {
            return only(dir, language.extension(), "the bare handler '" + handler + "' names no file");
        }
        String fileName = handler.substring(0, dot) + language.extension();
        Path file = dir.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("handler '" + handler + "' names " + fileName + ", which is not in " + dir
                    + "; " + language.extension() + " files there: " + list(dir, language.extension())
                    + ". For a bundle with packages set \"bundle\": true in " + FILE);
        }
        return file;
    }

    private static Path only(Path dir, String extension, String why) {
        List<String> files = list(dir, extension);
        if (files.size() != 1) {
            throw new BadInputException(why + ", and " + dir + " has " + (files.isEmpty() ? "no " + extension
                    + " file" : "several " + extension + " files " + files) + "; name one in " + FILE);
        }
        return dir.resolve(files.getFirst());
    }

    private static List<String> list(Path dir, String extension) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(extension)).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException("cannot list " + dir + ": " + e, e);
        }
    }

    private static ObjectNode settings(Path file, JsonNode json) {
        ObjectNode s = Json.object();
        for (String key : List.of("timeoutMs", "memoryMb", "concurrency")) {
            if (json.has(key)) {
                JsonNode n = json.get(key);
                if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 1) {
                    throw new BadInputException(file + ": '" + key + "' must be a positive integer; got " + n);
                }
                s.put(key, n.longValue());
            }
        }
        if (json.has("env")) {
            JsonNode env = json.get("env");
            if (!env.isObject()) {
                throw new BadInputException(file + ": 'env' must be an object of strings; got " + env);
            }
            env.properties().forEach(e -> {
                if (!e.getValue().isTextual()) {
                    throw new BadInputException(file + ": 'env." + e.getKey() + "' must be a string; got "
                            + e.getValue());
                }
            });
            s.set("env", env.deepCopy());
        }
        if (json.has("sandbox")) {
            String sandbox = text(file, json, "sandbox");
            s.put("sandbox", Sandbox.parse(sandbox).orElseThrow(() -> new BadInputException(file
                    + ": unknown sandbox '" + sandbox + "'; use reuse or fresh")).id());
        }
        if (json.has("isolation")) {
            String isolation = text(file, json, "isolation");
            if (!isolation.equals("node") && !isolation.equals("process")) {
                throw new BadInputException(file + ": unknown isolation '" + isolation + "'; use node or process");
            }
            s.put("isolation", isolation);
        }
        if (json.has("warmupInputs")) {
            JsonNode inputs = json.get("warmupInputs");
            if (!inputs.isArray()) {
                throw new BadInputException(file + ": 'warmupInputs' must be an array of events (JSON values) to"
                        + " replay; got " + inputs);
            }
            s.set("warmupInputs", inputs.deepCopy()); // the node checks the rest, naming the limit
        }
        if (json.has("warmupSampling")) {
            JsonNode sampling = json.get("warmupSampling");
            if (!sampling.isBoolean()) {
                throw new BadInputException(file + ": 'warmupSampling' must be true or false; got " + sampling);
            }
            s.put("warmupSampling", sampling.booleanValue());
        }
        if (json.has("snapshots")) {
            JsonNode snapshots = json.get("snapshots");
            if (!snapshots.isBoolean()) {
                throw new BadInputException(file + ": 'snapshots' must be true or false; got " + snapshots);
            }
            s.put("snapshots", snapshots.booleanValue());
        }
        return s;
    }

    private static String text(Path file, JsonNode json, String key) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            throw new BadInputException(file + ": missing '" + key + "'");
        }
        if (!n.isTextual() || n.textValue().isBlank()) {
            throw new BadInputException(file + ": '" + key + "' must be a non-empty string; got " + n);
        }
        return n.textValue().strip();
    }
}
