package io.hotvisor.runtime;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Knows, per function, whether it runs hot on this node: the measuring half of the hot-start work (issue 6, the
 * Ignite paper's "warm is not hot"). Fed with the latency of every successful invocation (from a
 * {@link DispatchListener}), it keeps per function version a bounded trajectory and judges a state.
 *
 * <p>Rules (every number is a {@link WarmthOptions} setting, defaults in brackets).
 * <ul>
 * <li><b>Cold</b>: the version is loaded but none of its invocations finished here yet. (Not "no sandbox": the
 *     compiled code of a JavaScript or Python function lives on the shared engine and outlives its sandboxes.)</li>
 * <li><b>Floor</b>: the fastest of the last {@code floorWindow} [5] latencies. Slowness from outside the function
 *     (a GC pause, a busy core) hits single calls; unoptimized code is slow on every call. So fewer than
 *     {@code floorWindow} slow calls in a row never make a hot function warming.</li>
 * <li><b>Settled</b>: the latency stopped falling, i.e. the floor of the last {@code floorWindow} calls is no more
 *     than {@code settleRatio} [1.1] times faster than the floor of the oldest {@code floorWindow} calls of the
 *     recent window (as much of it as there is). A function
 *     whose latency never changes settles after {@code 2 * floorWindow} [10] calls. Once settled, a version stays
 *     settled.</li>
 * <li><b>Steady state</b> (this node's): once settled, the median of the current level's latencies among the last
 *     {@code window} [32]. A new level begins when all of the last {@code floorWindow} calls are outside the hot
 *     factor of the median of the level's calls before them, faster or slower but at most {@code 2x} slower (a move
 *     between compiled levels); it then holds those calls alone. A larger lasting slowdown (code fallen back to a
 *     lower tier) becomes the steady state only through the window, after about half of it; in a cluster the fleet's
 *     best keeps the judgement honest.</li>
 * <li><b>Reference</b>: the lower of this node's steady state and the fleet's best steady state for the version
 *     (the minimum over the cluster's nodes, given by {@link #fleetBest}). Until this node has a steady state of its
 *     own, the one it measured for the same version before it restarted ({@link #remembered}) stands in for it.</li>
 * <li><b>Hot</b> once the median of the last {@code floorWindow} latencies is at most {@code hotFactor} [1.3] times
 *     the reference (most recent calls are fast, not just one), and then for as long as the floor is (not all recent
 *     calls are slow): a hysteresis, so a function still compiling is not called hot on its first fast call, and a
 *     hot one does not flicker to warming on a busy machine. <b>Warming</b> otherwise, and while no reference is
 *     known. Alone, a node thus calls a function warming until its latency settles; with the fleet's best known,
 *     the very first call can be hot.</li>
 * </ul>
 * Each invocation is counted by the state its own latency puts the function in ({@link Warmth#hotInvocations()},
 * {@link Warmth#warmingInvocations()}): the Ignite paper's "fraction of invocations not hot".
 *
 * <p>A new version starts cold with an empty trajectory; reports about an older version (a replaced version
 * finishing its last invocations) are ignored. Memory: {@code (firstInvocations + window) * 8} bytes per function at
 * most, the first array grown only as invocations come. No decision depends on time, so there is no clock.
 */
public final class WarmthTracker {
    private final WarmthOptions options;
    private final Map<String, FunctionWarmth> functions = new ConcurrentHashMap<>();

    private WarmthTracker(WarmthOptions options) {
        this.options = options;
    }

    /** A tracker judging by {@code options}. */
    public static WarmthTracker create(WarmthOptions options) {
        return new WarmthTracker(Objects.requireNonNull(options, "options"));
    }

    /** How this tracker judges. */
    public WarmthOptions options() {
        return options;
    }

    /**
     * {@code version} of {@code function} was loaded here, before any of its invocations can run: from now on it is
     * tracked, cold, unless that version is already tracked. Older versions' reports are ignored from now on.
     */
    public void loaded(String function, long version) {
        functions.compute(function, (name, held) -> held == null || held.version() < version
                ? new FunctionWarmth(options, version) : held);
    }

    /**
     * Records a successful invocation of {@code version} of {@code function} that ran {@code nanos}.
     *
     * @return the state it ran in; empty if the function was never {@link #loaded} or was {@link #forget forgotten},
     *         or if this is an older version than the current one (not recorded)
     */
    public Optional<Warmth.State> record(String function, long version, long nanos) {
        FunctionWarmth w = functions.computeIfPresent(function, (name, held) -> held.version() < version
                ? new FunctionWarmth(options, version) : held);
        return w != null && w.version() == version ? Optional.of(w.record(nanos)) : Optional.empty();
    }

    /**
     * Sets the fleet's best steady state of {@code version} of {@code function}, in nanoseconds; 0 forgets it.
     * Ignored unless that version is the current one here.
     */
    public void fleetBest(String function, long version, long nanos) {
        FunctionWarmth w = functions.get(function);
        if (w != null && w.version() == version) {
            w.fleetBest(nanos);
        }
    }

    /**
     * Sets the steady state this node measured for {@code version} of {@code function} before it restarted, in
     * nanoseconds (the reference until it has one again). Ignored unless that version is the current one here.
     */
    public void remembered(String function, long version, long nanos) {
        FunctionWarmth w = functions.get(function);
        if (w != null && w.version() == version) {
            w.remembered(nanos);
        }
    }

    /** Forgets a deleted function. */
    public void forget(String function) {
        functions.remove(function);
    }

    /** What is known of {@code function}'s current version; empty if it was never loaded here. */
    public Optional<Warmth> warmth(String function) {
        FunctionWarmth w = functions.get(function);
        return w == null ? Optional.empty() : Optional.of(w.snapshot(true));
    }

    /** As {@link #warmth}, without the trajectory's two lists: cheap enough for every scrape and heartbeat. */
    public Optional<Warmth> summary(String function) {
        FunctionWarmth w = functions.get(function);
        return w == null ? Optional.empty() : Optional.of(w.snapshot(false));
    }

    /** What is known of every function, by name, as {@link #summary summaries}. */
    public Map<String, Warmth> all() {
        Map<String, Warmth> out = new TreeMap<>();
        functions.forEach((name, w) -> out.put(name, w.snapshot(false)));
        return out;
    }
}
