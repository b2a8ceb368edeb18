package io.hotvisor.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import io.hotvisor.runtime.Language;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One deployed version of a function on the {@link BaselineServer}, its code unpacked in {@code dir}: a source file
 * or an unzipped bundle (JavaScript, Python), or {@code function.jar} (Java).
 *
 * @param module   JavaScript/Python: the module path relative to {@code dir} without extension ({@code index},
 *                 {@code lib/main}); Java: the class name
 * @param entry    the exported function (JavaScript/Python) or method (Java) to call
 * @param memoryMb the instance's memory cap
 * @param sha256   of the code as deployed: a Java AOT cache is keyed by it (JDK-8377932)
 */
record BaselineFunction(String name, int version, Language language, String handler, String module, String entry,
                        Path dir, Map<String, String> env, int memoryMb, Duration timeout, String sha256) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** Thrown for a deploy body the server refuses: the message names the field. */
    static final class BadDeploy extends RuntimeException {
        BadDeploy(String message) {
            super(message);
        }
    }

    static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new BadDeploy("Bad function name '" + name + "': use letters, digits, '-', '_', '.' (at most 64)");
        }
    }

    /** Validates a PUT body and unpacks its code under {@code root/name/v<version>}. */
    static BaselineFunction deploy(String name, int version, JsonNode body, Path root, int defaultMemoryMb) {
        checkName(name);
        if (body == null || !body.isObject()) {
            throw new BadDeploy("The body must be a JSON object with language, handler and code or archive");
        }
        Language language = Language.parse(text(body, "language"))
                .orElseThrow(() -> new BadDeploy("Unknown language '" + body.path("language").asText()
                        + "'; known: javascript, python, java"));
        String handler = text(body, "handler");
        boolean hasCode = body.hasNonNull("code");
        boolean hasArchive = body.hasNonNull("archive");
        if (hasCode == hasArchive) {
            throw new BadDeploy("Give exactly one of 'code' (source text) or 'archive' (base64 zip or jar)");
        }
        int memoryMb = body.hasNonNull("memoryMb") ? positive(body, "memoryMb") : defaultMemoryMb;
        Duration timeout = Duration.ofMillis(body.hasNonNull("timeoutMs") ? positive(body, "timeoutMs") : 60_000);
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = body.path("env");
        if (!e.isMissingNode() && !e.isNull()) {
            if (!e.isObject()) {
                throw new BadDeploy("'env' must be an object of strings");
            }
            e.properties().forEach(p -> env.put(p.getKey(), p.getValue().isTextual() ? p.getValue().asText()
                    : p.getValue().toString()));
        }
        byte[] bytes;
        if (hasArchive) {
            try {
                bytes = Base64.getDecoder().decode(text(body, "archive").replaceAll("\\s", ""));
            } catch (IllegalArgumentException bad) {
                throw new BadDeploy("'archive' is not valid base64: " + bad.getMessage());
            }
        } else {
            bytes = text(body, "code").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        Path dir = root.resolve(name).resolve("v" + version);
        String module;
        String entry;
        try {
            Files.createDirectories(dir);
            if (language == Language.JAVA) {
                if (!hasArchive) {
                    throw new BadDeploy("A Java function needs 'archive' (base64 of a jar) on the baseline server");
                }
                int sep = handler.indexOf("::");
                module = sep < 0 ? handler : handler.substring(0, sep);
                entry = sep < 0 ? "handleRequest" : handler.substring(sep + 2);
                Files.write(dir.resolve("function.jar"), bytes);
            } else {
                int dot = handler.lastIndexOf('.');
                String ext = language == Language.JAVASCRIPT ? ".js" : ".py";
                module = dot < 0 ? (language == Language.JAVASCRIPT ? "index" : "main") : handler.substring(0, dot);
                entry = dot < 0 ? handler : handler.substring(dot + 1);
                if (module.isEmpty() || entry.isEmpty() || module.contains("..")) {
                    throw new BadDeploy("Bad handler '" + handler + "': use file.function or function");
                }
                if (hasArchive) {
                    unzip(bytes, dir);
                    if (!Files.isRegularFile(dir.resolve(module + ext))) {
                        throw new BadDeploy("Handler '" + handler + "' names " + module + ext
                                + ", which is not in the archive");
                    }
                } else {
                    Files.createDirectories(dir.resolve(module + ext).getParent());
                    Files.write(dir.resolve(module + ext), bytes);
                }
            }
        } catch (IOException io) {
            throw new UncheckedIOException("Could not unpack function " + name + " into " + dir, io);
        }
        return new BaselineFunction(name, version, language, handler, module, entry, dir, Map.copyOf(env), memoryMb,
                timeout, sha256(bytes));
    }

    private static void unzip(byte[] zip, Path dir) throws IOException {
        int files = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry z; (z = in.getNextEntry()) != null; ) {
                Path target = dir.resolve(z.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new BadDeploy("Archive entry '" + z.getName() + "' points outside the bundle");
                }
                if (z.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    files++;
                }
            }
        } catch (java.util.zip.ZipException bad) {
            throw new BadDeploy("'archive' is not a zip file: " + bad.getMessage());
        }
        if (files == 0) {
            throw new BadDeploy("'archive' is not a zip file with at least one file in it");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new BadDeploy("'" + field + "' is required and must be a non-empty string");
        }
        return v.asText();
    }

    private static int positive(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new BadDeploy("'" + field + "' must be a positive whole number, got " + v);
        }
        return v.asInt();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
