package io.hotvisor.node;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.FunctionDefinition;

/**
 * One version of a function as the store holds it.
 *
 * @param config    its config
 * @param version   its version, from 1
 * @param codeKind  how its code is held
 * @param codeDir   the directory holding its code
 * @param sha256    hex SHA-256 of the code as deployed (source text or archive bytes)
 * @param codeBytes size of the code as deployed
 * @param createdAt when the function was first deployed
 * @param updatedAt when this version was deployed
 */
record StoredFunction(FunctionConfig config, long version, CodeKind codeKind, Path codeDir, String sha256,
                      long codeBytes, Instant createdAt, Instant updatedAt) {

    /** How a function's code is held on disk. */
    enum CodeKind {
        /** One source file, {@code codeDir/source}. */
        SOURCE,
        /** An unpacked zip bundle: {@code codeDir} is its root. */
        BUNDLE,
        /** A jar, {@code codeDir/function.jar}. */
        JAR
    }

    static final String SOURCE_FILE = "source";
    static final String JAR_FILE = "function.jar";

    StoredFunction {
        Objects.requireNonNull(config);
        Objects.requireNonNull(codeKind);
        Objects.requireNonNull(codeDir);
    }

    String name() {
        return config.name();
    }

    /** The runtime's view of this version; reads the source text from disk for {@link CodeKind#SOURCE}. */
    FunctionDefinition definition() {
        FunctionCode code = switch (codeKind) {
            case SOURCE -> new FunctionCode.SourceText(Files2.readString(codeDir.resolve(SOURCE_FILE)));
            case BUNDLE -> new FunctionCode.BundleDirectory(codeDir);
            case JAR -> new FunctionCode.JarFile(codeDir.resolve(JAR_FILE));
        };
        return new FunctionDefinition(config, code, version);
    }
}
