package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FunctionDispatcherTest {
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong now = new AtomicLong();
    /** Pauses advance the fake clock: the replays' pacing costs tests no time. */
    private final Ticker ticker = new Ticker() {
        @Override
        public long read() {
            return now.get();
        }

        @Override
        public void pause(long nanos) {
            now.addAndGet(Math.max(0, nanos));
        }
    };

    @AfterEach
    void stop() {
        watchdog.shutdownNow();
    }

    /** A function whose sandboxes run {@code body}; counts sandboxes made and closed. */
    static final class FakeFunction implements LoadedFunction {
        final FunctionDefinition definition;
        final int minIdle;
        final AtomicInteger made = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger throwaways = new AtomicInteger();
        /** "sandbox" and "throwaway", in the order they were asked for (a throwaway is also a sandbox). */
        final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        /** Runs first in every invocation, replays included, with the event (e.g. to move the fake clock). */
        volatile java.util.function.Consumer<String> onInvoke = event -> { };
        /** What the sandboxes report as their own CPU time ({@link Sandbox#lastCpuNanos()}); -1: none. */
        volatile long ownCpuNanos = -1;
        boolean functionClosed;
        /** The samples the dispatcher gave ({@link LoadedFunction#sample}). */
        final List<List<String>> samples = new java.util.concurrent.CopyOnWriteArrayList<>();

        FakeFunction(FunctionConfig config, int minIdle) {
            this.definition = new FunctionDefinition(config, new FunctionCode.SourceText(""), 1);
            this.minIdle = minIdle;
        }

        @Override
        public FunctionDefinition definition() {
            return definition;
        }

        @Override
        public Sandbox newSandbox() {
            asked.add("sandbox");
            int id = made.incrementAndGet();
            return new Sandbox() {
                volatile Thread runner;
                int calls;

                @Override
                public String invoke(String eventJson, InvocationContext context) {
                    runner = Thread.currentThread();
                    onInvoke.accept(eventJson);
                    try {
                        if (eventJson.equals("\"fail\"")) {
                            throw InvocationFailure.functionError("Error", "boom", List.of());
                        }
                        if (eventJson.equals("\"hang\"")) {
                            Thread.sleep(Long.MAX_VALUE);
                        }
                        gate.await();
                        return "{\"sandbox\":" + id + ",\"calls\":" + (++calls) + "}";
                    } catch (InterruptedException e) {
                        throw InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "cancelled");
                    }
                }

                @Override
                public long lastCpuNanos() {
                    return ownCpuNanos;
                }

                @Override
                public void cancel() {
                    Thread t = runner;
                    if (t != null) {
                        t.interrupt();
                    }
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            };
        }

        @Override
        public Optional<Sandbox> newThrowawaySandbox() {
            throwaways.incrementAndGet();
            asked.add("throwaway");
            return Optional.of(newSandbox());
        }

        @Override
        public int minIdleSandboxes() {
            return minIdle;
        }

        @Override
        public void sample(List<String> events) {
            samples.add(events);
        }

        @Override
        public boolean wantsSample() {
            return samples.isEmpty();
        }

        @Override
        public void close() {
            functionClosed = true;
        }
    }

    private static FunctionConfig config(int concurrency, SandboxPolicy policy, Duration timeout) {
        return FunctionConfig.builder("fn", Language.JAVASCRIPT, "handler").concurrency(concurrency)
                .sandbox(policy).timeout(timeout).build();
    }

    private FunctionDispatcher dispatcher(FakeFunction f, DispatchOptions options) {
        return FunctionDispatcher.create(f, options.idlePoll(Duration.ofMillis(5)), ticker, watchdog,
                Executors.newVirtualThreadPerTaskExecutor(), DispatchListener.none());
    }

    private static CompletableFuture<InvocationResult> submit(FunctionDispatcher d, String event) {
        return d.submit(event, "id").orElseThrow();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached within 10 s").isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    @Test
    void the_listener_hears_of_a_success_before_the_caller_does() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 0);
        CountDownLatch heard = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(Duration.ofMillis(5)),
                ticker, watchdog, Executors.newVirtualThreadPerTaskExecutor(), new DispatchListener() {
                    @Override
                    public java.util.Optional<Warmth.State> invocationSucceeded(
                            FunctionDefinition function, long nanos, long measuredNanos) {
                        heard.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return java.util.Optional.empty();
                    }
                });

        CompletableFuture<InvocationResult> result = submit(d, "{}");

        assertThat(heard.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(result).as("answered before the listener returned").isNotDone();
        release.countDown();
        assertThat(result.get().json()).isEqualTo("{\"sandbox\":1,\"calls\":1}");
    }

    @Test
    void warmth_hears_the_thread_cpu_time_of_an_invocation_or_the_cpu_time_its_sandbox_reports()
            throws Exception {
        AtomicLong cpu = new AtomicLong();
        Ticker clocks = new Ticker() {
            @Override
            public long read() {
                return now.get();
            }

            @Override
            public long threadCpu() {
                return cpu.get();
            }
        };
        List<Long> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        DispatchListener listener = new DispatchListener() {
            @Override
            public java.util.Optional<Warmth.State> invocationSucceeded(
                    FunctionDefinition function, long nanos, long measuredNanos) {
                heard.add(nanos);
                heard.add(measuredNanos);
                return java.util.Optional.empty();
            }
        };
        for (long reported : new long[] {-1, 42_000}) {
            FakeFunction f = new FakeFunction(FunctionConfig.builder("fn", Language.JAVA, "A::handle").build(), 0);
            f.onInvoke = event -> { // waited 1 ms for a core, computed for 0.1 ms
                now.addAndGet(1_000_000);
                cpu.addAndGet(100_000);
            };
            f.ownCpuNanos = reported; // a worker process's report of its own thread's CPU
            FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(
                    Duration.ofMillis(5)), clocks, watchdog, Executors.newVirtualThreadPerTaskExecutor(), listener);
            submit(d, "{}").get();
            d.drain().get(10, TimeUnit.SECONDS);
        }

        assertThat(heard).as("in the node: duration, CPU; a worker's: duration, its report")
                .containsExactly(1_000_000L, 100_000L, 1_000_000L, 42_000L);
    }

    /** A listener that counts every call, to show warm-up replays are not invocations. */
    private static final class Counting implements DispatchListener {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void sandboxCreated(FunctionDefinition function, long nanos) {
            calls.incrementAndGet();
        }

        @Override
        public java.util.Optional<Warmth.State> invocationSucceeded(
                FunctionDefinition function, long nanos, long measuredNanos) {
            calls.incrementAndGet();
            return java.util.Optional.empty();
        }

        @Override
        public void invocationFailed(FunctionDefinition function, long nanos, InvocationFailure failure) {
            calls.incrementAndGet();
        }
    }

    @Test
    void priming_guards_leaves_none_armed_tells_nobody_and_skips_a_stopping_node() throws Exception {
        var guards = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        guards.setRemoveOnCancelPolicy(true); // a cancelled alarm leaves the queue at once
        try {
            FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofMillis(100)).toBuilder()
                    .memoryMb(64).build(), 0);
            Counting listener = new Counting();
            FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(
                    Duration.ofMillis(5)), ticker, guards, Executors.newVirtualThreadPerTaskExecutor(), listener);
            int made = f.made.get();
            AllocationMonitor monitor = AllocationMonitor.shared(guards,
                    DispatchOptions.defaults().allocationCheckInterval()).orElseThrow();

            d.primeGuards();

            // The timeout cancelled, the memory watch closed, and with it the allocation check it started.
            assertThat(guards.getQueue()).isEmpty();
            assertThat(monitor.watched()).isZero();
            Thread.sleep(300); // past the 100 ms timeout
            assertThat(listener.calls).hasValue(0);
            assertThat(f.made).hasValue(made);
            // The guards still work for an invocation: one that hangs times out.
            InvocationFailure e = TestDispatchers.failure(submit(d, "\"hang\""));
            assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.TIMEOUT);
            // A stopping node's watchdog refuses work: priming is skipped, it does not fail the warm-up.
            guards.shutdownNow();
            org.assertj.core.api.Assertions.assertThatCode(d::primeGuards).doesNotThrowAnyException();
        } finally {
            guards.shutdownNow();
        }
    }

    private static FakeFunction warmable(List<String> inputs) {
        return new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)).toBuilder()
                .warmupInputs(inputs).build(), 0);
    }

    private FunctionDispatcher dispatcher(FakeFunction f, DispatchListener listener) {
        return FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(Duration.ofMillis(5)), ticker,
                watchdog, Executors.newVirtualThreadPerTaskExecutor(), listener);
    }

    @Test
    void warm_up_replays_the_inputs_in_a_throwaway_sandbox_until_settled_and_leaks_nothing() throws Exception {
        FakeFunction f = warmable(List.of("{\"a\":1}", "{\"a\":2}"));
        Counting listener = new Counting();
        FunctionDispatcher d = dispatcher(f, listener);

        WarmUp w = d.warmUp(WarmthOptions.defaults());

        // The fake ticker stands still: every replay takes the same time, so the curve settles after 2 x 5.
        assertThat(w.outcome()).isEqualTo(WarmUp.Outcome.SETTLED);
        assertThat(w.replays()).isEqualTo(10);
        assertThat(f.throwaways).hasValue(1);
        assertThat(f.closed).as("the replays' sandbox is closed").hasValue(1);
        assertThat(d.liveSandboxes()).as("and never pooled").isZero();
        assertThat(listener.calls).as("replays are not invocations").hasValue(0);
        assertThat(submit(d, "{}").get().json()).as("the first invocation's sandbox saw no replay")
                .isEqualTo("{\"sandbox\":2,\"calls\":1}");
    }

    /** Replays that take 1 ms each on an interpreter plateau for {@code plateau} calls, then 0.1 ms. */
    private FakeFunction plateauThenFast(int plateau, java.util.List<String> seen) {
        return plateauThenFast(plateau, seen, false);
    }

    private FakeFunction plateauThenFast(int plateau, java.util.List<String> seen, boolean sampling) {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)).toBuilder()
                .warmupInputs(List.of("{\"a\":1}")).warmupSampling(sampling).build(), 0);
        AtomicInteger calls = new AtomicInteger();
        f.onInvoke = event -> {
            seen.add(event);
            now.addAndGet(calls.incrementAndGet() <= plateau ? 1_000_000 : 100_000);
        };
        return f;
    }

    @Test
    void warm_up_without_a_target_stops_on_a_plateau_but_with_one_goes_on_until_hot() {
        WarmUp settled = dispatcher(plateauThenFast(12, new java.util.ArrayList<>()), DispatchOptions.defaults())
                .warmUp(WarmthOptions.defaults(), List.of(), 0);
        assertThat(settled.outcome()).isEqualTo(WarmUp.Outcome.SETTLED);
        assertThat(settled.replays()).as("fooled by the plateau").isEqualTo(10);
        assertThat(settled.lastNanos()).isEqualTo(1_000_000);

        WarmUp hot = dispatcher(plateauThenFast(12, new java.util.ArrayList<>()), DispatchOptions.defaults())
                .warmUp(WarmthOptions.defaults(), List.of(), 100_000);
        assertThat(hot.outcome()).isEqualTo(WarmUp.Outcome.HOT);
        assertThat(hot.replays()).as("once most of the last 5 replays are within 1.3x of the target: the third fast one"
                + " (settled since replay 10)").isEqualTo(15);
        assertThat(hot.lastNanos()).isEqualTo(100_000);

        WarmUp never = dispatcher(plateauThenFast(1000, new java.util.ArrayList<>()), DispatchOptions.defaults())
                .warmUp(WarmthOptions.defaults().warmUpReplays(40), List.of(), 100_000);
        assertThat(never.outcome()).as("an unreachable target: bounded by the replay limit")
                .isEqualTo(WarmUp.Outcome.MAX_REPLAYS);
        assertThat(never.replays()).isEqualTo(40);
    }

    @Test
    void warm_up_with_a_target_does_not_stop_while_the_curve_still_falls() {
        // 1.2 ms, 1.1 ms, 1.0 ms, ... : within 1.3x of a 1 ms target from the first replay, but still compiling.
        FakeFunction f = warmable(List.of("{}"));
        AtomicInteger calls = new AtomicInteger();
        f.onInvoke = event -> now.addAndGet(Math.max(1_000_000, 1_200_000 - 100_000L * calls.getAndIncrement()));
        WarmUp w = dispatcher(f, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults(), List.of(), 1_000_000);
        assertThat(w.outcome()).isEqualTo(WarmUp.Outcome.HOT);
        assertThat(w.replays()).as("not before the curve settled (10 at the least)").isGreaterThanOrEqualTo(10);
    }

    @Test
    void warm_up_paces_a_plateau_above_its_target_so_that_compiled_code_arriving_later_is_still_replayed() {
        // 1 ms per replay until the compiled code arrives 5 s after the start, 0.1 ms after: unpaced, the 200 replays
        // were all spent within 0.2 s on the plateau (outcome max_replays, the compiled code never replayed).
        FakeFunction f = warmable(List.of("{}"));
        long compiled = Duration.ofSeconds(5).toNanos();
        f.onInvoke = event -> now.addAndGet(now.get() < compiled ? 1_000_000 : 100_000);
        WarmUp w = dispatcher(f, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults(), List.of(), 100_000);
        assertThat(w.outcome()).isEqualTo(WarmUp.Outcome.HOT);
        assertThat(w.lastNanos()).isEqualTo(100_000);
        assertThat(now.get()).as("waited for the compiled code").isGreaterThanOrEqualTo(compiled);
        // Settled after 10 replays, paced from the 5th without a new best: 5 replays per 500 ms pause until 5 s.
        assertThat(w.replays()).isBetween(50, 70);
    }

    @Test
    void the_caller_hears_the_warmth_state_the_listener_judged_its_invocation_in() throws Exception {
        FakeFunction f = new FakeFunction(FunctionConfig.builder("fn", Language.JAVASCRIPT, "index.handler").build(),
                0);
        FunctionDispatcher judged = dispatcher(f, new DispatchListener() {
            @Override
            public Optional<Warmth.State> invocationSucceeded(FunctionDefinition function, long nanos,
                                                              long measuredNanos) {
                return Optional.of(Warmth.State.HOT);
            }
        });
        assertThat(submit(judged, "{}").get().warmth()).hasValue(Warmth.State.HOT);
        assertThat(submit(dispatcher(f, DispatchListener.none()), "{}").get().warmth()).isEmpty();
    }

    @Test
    void warm_up_judges_replays_by_the_cpu_time_their_sandbox_reports_where_it_reports_one() {
        // A worker process: 1 ms on the node's clocks per replay (the round trip), 0.1 ms of CPU in the worker.
        FakeFunction f = warmable(List.of("{}"));
        f.onInvoke = event -> now.addAndGet(1_000_000);
        f.ownCpuNanos = 100_000;
        WarmUp w = dispatcher(f, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults(), List.of(), 100_000);
        assertThat(w.outcome()).as("hot against a 0.1 ms target: judged by the report").isEqualTo(WarmUp.Outcome.HOT);
        assertThat(w.lastNanos()).isEqualTo(100_000);
    }

    @Test
    void warm_up_does_not_pace_without_a_target() {
        WarmUp settled = dispatcher(plateauThenFast(1000, new java.util.ArrayList<>()), DispatchOptions.defaults())
                .warmUp(WarmthOptions.defaults(), List.of(), 0);
        assertThat(settled.outcome()).isEqualTo(WarmUp.Outcome.SETTLED);
        assertThat(now.get()).as("no pause: 10 replays of 1 ms").isEqualTo(10_000_000);
    }

    @Test
    void warm_up_replays_the_declared_inputs_and_then_the_sampled_ones_in_turn() {
        java.util.List<String> seen = new java.util.ArrayList<>();
        FakeFunction f = plateauThenFast(0, seen, true);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        WarmUp w = d.warmUp(WarmthOptions.defaults().warmUpReplays(5), List.of("{\"s\":1}", "{\"s\":2}"), 1);
        assertThat(w.replays()).isEqualTo(5);
        assertThat(seen).containsExactly("{\"a\":1}", "{\"s\":1}", "{\"s\":2}", "{\"a\":1}", "{\"s\":1}");
        assertThat(f.samples).as("the function is given the sample for its off-path warm-up")
                .containsExactly(List.of("{\"s\":1}", "{\"s\":2}"));
    }

    @Test
    void warm_up_never_replays_nor_hands_on_sampled_events_of_a_function_that_does_not_allow_sampling() {
        java.util.List<String> seen = new java.util.ArrayList<>();
        FakeFunction f = plateauThenFast(0, seen, false);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());

        WarmUp w = d.warmUp(WarmthOptions.defaults().warmUpReplays(3), List.of("{\"private\":1}"), 1);
        d.sample(List.of("{\"private\":2}"));

        assertThat(w.replays()).isEqualTo(3);
        assertThat(seen).containsExactly("{\"a\":1}", "{\"a\":1}", "{\"a\":1}");
        assertThat(f.samples).isEmpty();
        assertThat(d.wantsSample()).as("the function would take one, but must not be asked").isFalse();
    }

    @Test
    void hands_the_nodes_sample_to_a_function_that_allows_sampling_and_wants_one() {
        FakeFunction f = plateauThenFast(0, new java.util.ArrayList<>(), true);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        assertThat(d.wantsSample()).isTrue();

        d.sample(List.of("{\"s\":1}"));

        assertThat(f.samples).containsExactly(List.of("{\"s\":1}"));
        assertThat(d.wantsSample()).isFalse();
        d.drain().join();
        d.sample(List.of("{\"s\":2}"));
        assertThat(f.samples).as("not once it drains").hasSize(1);
    }

    @Test
    void warm_up_stops_at_its_replay_limit_its_budget_or_a_failing_input() {
        assertThat(dispatcher(warmable(List.of("{}")), DispatchOptions.defaults())
                .warmUp(WarmthOptions.defaults().warmUpReplays(3)))
                .extracting(WarmUp::replays, WarmUp::outcome).containsExactly(3, WarmUp.Outcome.MAX_REPLAYS);
        assertThat(dispatcher(warmable(List.of("{}")), DispatchOptions.defaults())
                .warmUp(WarmthOptions.defaults().warmUpBudget(Duration.ZERO)))
                .extracting(WarmUp::replays, WarmUp::outcome).containsExactly(0, WarmUp.Outcome.BUDGET);

        FakeFunction failing = warmable(List.of("{}", "\"fail\""));
        WarmUp failed = dispatcher(failing, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults());
        assertThat(failed.outcome()).isEqualTo(WarmUp.Outcome.FAILED);
        assertThat(failed.replays()).isEqualTo(1);
        assertThat(failed.detail()).isEqualTo("Warm-up input 2 of 2 failed (function_error): boom");
        assertThat(failing.closed).hasValue(1);
    }

    @Test
    void warm_up_without_inputs_or_with_replays_off_makes_no_sandbox() {
        FakeFunction none = warmable(List.of());
        assertThat(dispatcher(none, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults()).outcome())
                .isEqualTo(WarmUp.Outcome.NONE);
        FakeFunction off = warmable(List.of("{}"));
        assertThat(dispatcher(off, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults().warmUpReplays(0))
                .outcome()).isEqualTo(WarmUp.Outcome.NONE);
        assertThat(none.made.get() + off.made.get()).isZero();
    }

    @Test
    void reuses_one_sandbox_for_sequential_invocations() throws Exception {
        FakeFunction f = new FakeFunction(config(4, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        assertThat(submit(d, "{}").get().json()).isEqualTo("{\"sandbox\":1,\"calls\":1}");
        assertThat(submit(d, "{}").get().json()).isEqualTo("{\"sandbox\":1,\"calls\":2}");
        assertThat(f.made).hasValue(1);
    }

    @Test
    void fresh_policy_gives_every_invocation_a_new_sandbox_and_closes_it() throws Exception {
        FakeFunction f = new FakeFunction(config(4, SandboxPolicy.FRESH, Duration.ofSeconds(5)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        assertThat(submit(d, "{}").get().json()).isEqualTo("{\"sandbox\":1,\"calls\":1}");
        assertThat(submit(d, "{}").get().json()).isEqualTo("{\"sandbox\":2,\"calls\":1}");
        assertThat(f.closed).hasValue(2);
        assertThat(d.liveSandboxes()).isZero();
    }

    @Test
    void grows_workers_with_queue_depth_up_to_the_concurrency_and_no_further() throws Exception {
        FakeFunction f = new FakeFunction(config(3, SandboxPolicy.REUSE, Duration.ofSeconds(30)), 0);
        f.gate = new CountDownLatch(1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        List<CompletableFuture<InvocationResult>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(submit(d, "{}"));
        }
        await(() -> d.busySandboxes() == 3);
        assertThat(d.workers()).isEqualTo(3);
        assertThat(d.queueDepth()).isEqualTo(7);
        f.gate.countDown();
        for (CompletableFuture<InvocationResult> r : all) {
            assertThat(r.get().json()).startsWith("{\"sandbox\":");
        }
        assertThat(f.made).hasValue(3);
    }

    @Test
    void refuses_as_overloaded_when_the_queue_is_full() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(30)), 0);
        f.gate = new CountDownLatch(1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults().queueCapacity(2));
        CompletableFuture<InvocationResult> running = submit(d, "{}");
        await(() -> d.busySandboxes() == 1);
        submit(d, "{}");
        submit(d, "{}");
        CompletableFuture<InvocationResult> refused = submit(d, "{}");
        assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(InvocationFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.OVERLOADED);
                    assertThat(e.getMessage()).contains("'fn' is overloaded", "limit 2", "concurrency 1");
                });
        f.gate.countDown();
        assertThat(running.get().json()).contains("\"calls\":1");
    }

    @Test
    void times_out_a_hanging_invocation_and_discards_its_sandbox() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofMillis(100)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        assertThatThrownBy(() -> submit(d, "\"hang\"").get()).cause()
                .isInstanceOfSatisfying(InvocationFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.TIMEOUT);
                    assertThat(e.getMessage()).contains("'fn' timed out after 100 ms");
                });
        await(() -> f.closed.get() == 1);
        assertThat(submit(d, "{}").get().json()).isEqualTo("{\"sandbox\":2,\"calls\":1}");
    }

    @Test
    void keeps_a_sandbox_after_the_function_own_error() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        assertThatThrownBy(() -> submit(d, "\"fail\"").get()).cause()
                .isInstanceOfSatisfying(InvocationFailure.class,
                        e -> assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.FUNCTION_ERROR));
        assertThat(submit(d, "{}").get().json()).startsWith("{\"sandbox\":1,");
    }

    @Test
    void releases_idle_sandboxes_and_workers_after_the_keep_alive_on_the_ticker() throws Exception {
        FakeFunction f = new FakeFunction(config(2, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults().keepAlive(Duration.ofMinutes(5)));
        submit(d, "{}").get();
        assertThat(d.evictIdle()).isZero();
        now.addAndGet(Duration.ofMinutes(4).toNanos());
        assertThat(d.evictIdle()).isZero();
        assertThat(d.liveSandboxes()).isEqualTo(1);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        await(() -> d.workers() == 0 && d.liveSandboxes() == 0);
        assertThat(f.closed).hasValue(1);
    }

    @Test
    void keeps_the_function_minimum_of_idle_sandboxes_ready_from_creation_and_a_spare_beyond_it_for_good()
            throws Exception {
        FakeFunction f = new FakeFunction(config(2, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults().keepAlive(Duration.ofMinutes(5)));
        assertThat(f.made).hasValue(1);
        assertThat(d.liveSandboxes()).isEqualTo(1);
        assertThat(submit(d, "{}").get().json()).startsWith("{\"sandbox\":1,");
        await(() -> d.liveSandboxes() == 2); // a spare was made in the background
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(d.evictIdle()).isZero();
        assertThat(d.liveSandboxes()).isEqualTo(2);
    }

    @Test
    void keeps_the_spare_however_the_function_is_called_instead_of_making_a_new_one_every_keep_alive()
            throws Exception {
        // One invocation at a time: each takes the most recent sandbox, so the spare made at the first one is never
        // used. Released after the keep-alive, it would be made again at the next invocation: a new GraalPy context,
        // whose making undoes some of the function's compiled code. Used or idle, the spare stays.
        FakeFunction f = new FakeFunction(config(2, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults().keepAlive(Duration.ofMinutes(5)));
        submit(d, "{}").get();
        await(() -> d.liveSandboxes() == 2);
        for (int i = 0; i < 5; i++) {
            now.addAndGet(Duration.ofMinutes(2 + 6 * (i % 2)).toNanos()); // past the keep-alive; idle for 8 minutes
            d.evictIdle();
            assertThat(submit(d, "{}").get().json()).startsWith("{\"sandbox\":1,");
        }
        d.evictIdle();
        assertThat(f.made).as("no sandbox made after the first spare").hasValue(2);
        assertThat(f.closed).hasValue(0);
    }

    @Test
    void releases_sandboxes_beyond_the_minimum_and_the_spare_after_the_keep_alive() throws Exception {
        FakeFunction f = new FakeFunction(config(3, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 1);
        f.gate = new CountDownLatch(1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults().keepAlive(Duration.ofMinutes(5)));
        List<CompletableFuture<InvocationResult>> calls = List.of(submit(d, "{}"), submit(d, "{}"), submit(d, "{}"));
        await(() -> d.busySandboxes() == 3);
        f.gate.countDown();
        for (CompletableFuture<InvocationResult> c : calls) {
            c.get();
        }
        await(() -> d.liveSandboxes() == 4); // three ran at once, and a spare was made meanwhile
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(d.evictIdle()).isEqualTo(2);
        assertThat(d.liveSandboxes()).isEqualTo(2);
    }

    @Test
    void makes_the_spare_before_the_warm_up_replays_so_the_first_invocations_make_no_sandbox() throws Exception {
        // A new GraalPy context undoes some of the compiled code its function shares with the other contexts: the
        // spare made at the first served invocation undid what the replays had compiled, while the first invocations
        // ran. Made before the replays, it is compiled for.
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)).toBuilder()
                .warmupInputs(List.of("{\"a\":1}")).build(), 1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        d.warmUp(WarmthOptions.defaults().warmUpReplays(3));
        assertThat(f.asked).containsExactly("sandbox", "sandbox", "throwaway", "sandbox");
        assertThat(d.liveSandboxes()).isEqualTo(2);

        for (int i = 0; i < 3; i++) {
            assertThat(submit(d, "{}").get().json()).startsWith("{\"sandbox\":1,");
        }
        Thread.sleep(50); // a spare made in the background would be asked for by now
        assertThat(f.asked).as("no sandbox asked for by the invocations").hasSize(4);
        assertThat(d.liveSandboxes()).isEqualTo(2);
    }

    @Test
    void makes_no_third_sandbox_when_the_replays_run_alongside_an_invocation() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)).toBuilder()
                .warmupInputs(List.of("{\"a\":1}")).build(), 1);
        CountDownLatch hold = new CountDownLatch(1);
        f.onInvoke = event -> {
            if (event.equals("\"hold\"")) {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        CompletableFuture<InvocationResult> call = submit(d, "\"hold\"");
        await(() -> d.busySandboxes() == 1 && d.liveSandboxes() == 2); // the call runs; its refill made the spare
        d.warmUp(WarmthOptions.defaults().warmUpReplays(3)); // policy alongside: while the call runs
        assertThat(d.busySandboxes()).isEqualTo(1);
        hold.countDown();
        call.get();
        assertThat(f.asked).containsExactly("sandbox", "sandbox", "throwaway", "sandbox");
        assertThat(d.liveSandboxes()).isEqualTo(2);
    }

    @Test
    void makes_no_spare_for_a_function_without_a_minimum_nor_without_replays() throws Exception {
        FakeFunction noMinimum = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)).toBuilder()
                .warmupInputs(List.of("{\"a\":1}")).build(), 0);
        dispatcher(noMinimum, DispatchOptions.defaults()).warmUp(WarmthOptions.defaults().warmUpReplays(3));
        assertThat(noMinimum.asked).containsExactly("throwaway", "sandbox");

        FakeFunction noInputs = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(5)), 1);
        FunctionDispatcher d = dispatcher(noInputs, DispatchOptions.defaults());
        d.warmUp(WarmthOptions.defaults());
        assertThat(noInputs.asked).as("nothing to compile for: the spare waits for the first invocation")
                .containsExactly("sandbox");
    }

    @Test
    void drain_finishes_queued_work_refuses_new_work_then_closes_everything() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(30)), 0);
        f.gate = new CountDownLatch(1);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());
        CompletableFuture<InvocationResult> first = submit(d, "{}");
        CompletableFuture<InvocationResult> second = submit(d, "{}");
        CompletableFuture<Void> drained = d.drain();
        assertThat(d.submit("{}", "late")).isEqualTo(Optional.empty());
        f.gate.countDown();
        assertThat(first.get().json()).contains("\"calls\":1");
        assertThat(second.get().json()).contains("\"calls\":2");
        drained.get(10, TimeUnit.SECONDS);
        assertThat(f.closed).hasValue(1);
        assertThat(f.functionClosed).isTrue();
    }

    @Test
    void shutdown_now_terminates_a_dispatcher_that_never_ran_anything() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(30)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults());

        d.shutdownNow().get(10, TimeUnit.SECONDS);

        assertThat(f.functionClosed).isTrue();
    }

    @Test
    void stops_an_invocation_over_its_memory_limit_and_discards_its_sandbox() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(30)).toBuilder()
                .memoryMb(1).build(), 0);
        AtomicLong allocated = new AtomicLong();
        // An hour between checks: the test runs the check itself.
        AllocationMonitor monitor = new AllocationMonitor(watchdog, Duration.ofHours(1), threadId -> allocated.get());
        AtomicLong heapPercent = new AtomicLong(10);
        FunctionDispatcher d = FunctionDispatcher.create(f, DispatchOptions.defaults().idlePoll(Duration.ofMillis(5))
                        .heapGuard(HeapGuard.create(() -> heapPercent.get() / 100.0, 0.85)),
                ticker, watchdog, Executors.newVirtualThreadPerTaskExecutor(), DispatchListener.none(), monitor);
        CompletableFuture<InvocationResult> bomb = submit(d, "\"hang\"");
        await(() -> monitor.watched() == 1);

        allocated.set(1024 * 1024 + 1);
        monitor.check();
        assertThat(bomb).as("over its limit, but the heap is only 10% full").isNotDone();
        heapPercent.set(60);
        monitor.check();

        assertThatThrownBy(bomb::get).cause().isInstanceOfSatisfying(InvocationFailure.class, e -> {
            assertThat(e.kind()).isEqualTo(InvocationFailure.Kind.RESOURCE_EXHAUSTED);
            assertThat(e.errorType()).isEqualTo("MemoryLimitExceeded");
            assertThat(e.getMessage()).isEqualTo("Function 'fn' allocated more than 1 MB in one invocation "
                    + "(memoryMb 1) while the node's heap was 60% full; the invocation was stopped");
        });
        await(() -> f.closed.get() == 1 && monitor.watched() == 0);
        allocated.set(0);
        assertThat(submit(d, "{}").get().json()).isEqualTo("{\"sandbox\":2,\"calls\":1}");
    }

    @Test
    void fails_a_result_over_the_limit_as_too_large_and_keeps_the_sandbox() throws Exception {
        FakeFunction f = new FakeFunction(config(1, SandboxPolicy.REUSE, Duration.ofSeconds(30)), 0);
        FunctionDispatcher d = dispatcher(f, DispatchOptions.defaults().maxResultBytes(10));

        assertThatThrownBy(() -> submit(d, "{}").get()).cause().isInstanceOfSatisfying(InvocationFailure.class, e -> {
            assertThat(e.errorType()).isEqualTo("ResultTooLarge");
            assertThat(e.getMessage()).isEqualTo(
                    "Function 'fn' returned a result of 23 bytes; the limit is 10 bytes");
        });
        assertThat(f.made).hasValue(1);
        assertThat(f.closed).hasValue(0);
    }
}
