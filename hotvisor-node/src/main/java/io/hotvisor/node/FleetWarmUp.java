package io.hotvisor.node;

import java.util.List;

/**
 * What a cluster keeps for warm-ups beside its functions (issue 6, mechanism 2): the sampled events of functions
 * that allow sampling, in Redis. A node on its own keeps them in its {@link FunctionStore} instead.
 */
interface FleetWarmUp {

    /** The sampled events of a function (JSON texts, oldest first); empty if none, or if Redis is unreachable. */
    List<String> samples(String namespace, String name);

    /** Replaces the sampled events of a function, unless the cluster runs another version of it by now. */
    void storeSamples(String namespace, String name, List<String> events);

    /** Removes the sampled events of a function (sampling was turned off). */
    void dropSamples(String namespace, String name);
}
