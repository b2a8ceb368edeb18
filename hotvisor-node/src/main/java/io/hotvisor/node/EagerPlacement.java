package io.hotvisor.node;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.hotvisor.cluster.NodeInfo;
import io.hotvisor.runtime.EngineChoice;

/**
 * Which engine a function version this node loads from the cluster is compiled on (issue 6, mechanism 3): the eager
 * engine, with lowered compilation thresholds, when another live node reports that very version hot in its
 * heartbeat; the default engine otherwise. Decided once per load: a function never moves between engines while
 * loaded (its compiled code would be lost), so one that becomes known hot later moves at its next load (a node
 * restart or scale-out; a new version is never known hot: no node ran it yet).
 */
final class EagerPlacement {
    private EagerPlacement() {
    }

    /**
     * The engine for cluster {@code version} of {@code function} ({@code namespace/name}), judged by the heartbeats
     * of {@code nodes}, this node ({@code self}) left out.
     */
    static EngineChoice choose(boolean enabled, List<NodeInfo> nodes, String self, String function, long version) {
        if (!enabled) {
            return EngineChoice.standard("eager compilation is off on this node");
        }
        return hotElsewhere(nodes, self, function, version)
                .map(n -> EngineChoice.eager("known hot fleet-wide: node " + n.id() + " reports version " + version
                        + " hot (steady state " + n.warmth().get(function).steadyStateNanos() / 1000 + " us)"))
                .orElseGet(() -> EngineChoice.standard("not known hot fleet-wide: no other live node reports version "
                        + version + " hot"));
    }

    /** The live node other than {@code self} with the best steady state among those running the version hot. */
    static Optional<NodeInfo> hotElsewhere(List<NodeInfo> nodes, String self, String function, long version) {
        return nodes.stream()
                .filter(n -> n.alive() && !n.id().equals(self) && n.holds(function, version))
                .filter(n -> {
                    NodeInfo.Warmth w = n.warmth().get(function);
                    return w != null && "hot".equals(w.state()) && w.steadyStateNanos() > 0;
                })
                .min(Comparator.comparingLong(n -> n.warmth().get(function).steadyStateNanos()));
    }
}
