package io.hotvisor.node;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What {@code GET /v1/node} tells about this node: whether it is ready for traffic (and why not), and one section per
 * capability that says what the node uses (the Truffle runtime, cluster membership, hot-start mechanisms, ...).
 *
 * <p>Readiness: a node starts {@link #warming(String) warming} until its start-up work is done (e.g. warming its
 * functions); {@code GET /readyz} answers 503 until then. Sections are added once at start and computed on each read.
 */
final class NodeStatus {
    private final Map<String, Supplier<JsonNode>> sections = new LinkedHashMap<>();
    private final AtomicReference<String> notReadyReason = new AtomicReference<>("starting");

    /** Adds (or replaces) section {@code name}, computed on each read. */
    synchronized NodeStatus section(String name, Supplier<JsonNode> section) {
        sections.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(section, "section"));
        return this;
    }

    /** Marks the node not ready for traffic, saying why (e.g. "warming 3 functions"). */
    void warming(String reason) {
        notReadyReason.set(Objects.requireNonNull(reason, "reason"));
    }

    /** Marks the node ready for traffic. */
    void ready() {
        notReadyReason.set(null);
    }

    boolean isReady() {
        return notReadyReason.get() == null;
    }

    /** {@code {"ready": true}} or {@code {"ready": false, "reason": "..."}}. */
    ObjectNode readiness() {
        String reason = notReadyReason.get();
        ObjectNode o = Json.object().put("ready", reason == null);
        if (reason != null) {
            o.put("reason", reason);
        }
        return o;
    }

    /** The readiness plus every section, in the order they were added. */
    synchronized ObjectNode toJson() {
        ObjectNode o = readiness();
        sections.forEach((name, s) -> o.set(name, s.get()));
        return o;
    }
}
