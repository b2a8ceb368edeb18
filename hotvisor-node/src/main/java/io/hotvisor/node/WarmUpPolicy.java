package io.hotvisor.node;

import java.util.Locale;

/**
 * When a node's warm-up replays run against the traffic of the function they warm (issue 6, mechanism 2), node
 * option {@code --warm-up-policy}.
 */
public enum WarmUpPolicy {
    /**
     * The replays finish before the function takes traffic: a deploy returns after them; at start the node is not
     * ready ({@code GET /readyz} 503) until they are done, and an invocation sent to it meanwhile waits for its
     * function's replays (at most the function's timeout), then runs. The default.
     */
    BEFORE,
    /**
     * The function takes traffic at once; its replays run meanwhile in a throw-away sandbox of their own, in the
     * background, and stop once they run hot. The node is ready as soon as its functions are loaded.
     */
    ALONGSIDE;

    /** {@code before} or {@code alongside}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
