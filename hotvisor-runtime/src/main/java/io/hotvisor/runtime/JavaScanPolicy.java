package io.hotvisor.runtime;

import java.util.Locale;

/**
 * What a node does when the deploy-time scan of a Java jar finds a forbidden API (process control, threads,
 * reflection into private members, Unsafe, native code, class loaders, files, sockets; see docs/security.md).
 */
public enum JavaScanPolicy {
    /**
     * Refuse the deploy of an in-node Java function, naming every forbidden call (the default). A function whose
     * jar has findings can run with {@link Isolation#PROCESS} instead, in a worker JVM that contains it.
     */
    ENFORCE,
    /** Deploy, and log the forbidden calls as a warning. */
    WARN,
    /** Do not scan. */
    OFF;

    /** The option value: {@code enforce}, {@code warn} or {@code off}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
