package io.hotvisor.runtime;

import java.util.Map;
import java.util.TreeMap;

/**
 * Node-wide options of the runtime.
 *
 * @param allowInterpreter run even when Truffle would fall back to its interpreter (about 10x slower);
 *                         defaults to false: {@link FunctionRuntime#create} then refuses to start
 * @param engineOptions    extra GraalVM engine options set on every shared engine (e.g.
 *                         {@code engine.TraceCompilation=true}); defaults to none
 * @param javaScan         what to do when a Java jar uses a forbidden API; defaults to {@link JavaScanPolicy#WARN}
 */
public record RuntimeOptions(boolean allowInterpreter, Map<String, String> engineOptions, JavaScanPolicy javaScan) {

    public RuntimeOptions {
        engineOptions = Map.copyOf(engineOptions);
        java.util.Objects.requireNonNull(javaScan, "javaScan");
    }

    /** The defaults. */
    public static RuntimeOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link RuntimeOptions}. */
    public static final class Builder {
        private boolean allowInterpreter;
        private final Map<String, String> engineOptions = new TreeMap<>();
        private JavaScanPolicy javaScan = JavaScanPolicy.WARN;

        private Builder() {
        }

        public Builder allowInterpreter(boolean allow) {
            this.allowInterpreter = allow;
            return this;
        }

        public Builder engineOption(String key, String value) {
            engineOptions.put(key, value);
            return this;
        }

        public Builder javaScan(JavaScanPolicy policy) {
            this.javaScan = policy;
            return this;
        }

        public RuntimeOptions build() {
            return new RuntimeOptions(allowInterpreter, engineOptions, javaScan);
        }
    }
}
