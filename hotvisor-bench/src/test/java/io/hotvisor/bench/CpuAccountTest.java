package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class CpuAccountTest {

    @Test
    void reads_busy_and_stolen_ticks_from_the_first_line_of_proc_stat() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        String stat = "cpu  670 1 589 12949 51 3 8 6 0 0\ncpu0 335 0 300 6400 20 1 4 3 0 0\n";

        assertThat(CpuAccount.machine(stat)).containsExactly(670 + 1 + 589 + 3 + 8, 6);
        assertThatThrownBy(() -> CpuAccount.machine("intr 1 2 3\n"))
                .hasMessageContaining("/proc/stat does not start with the 'cpu' line: intr 1 2 3");
    }

    @Test
    void reads_a_threads_name_and_ticks_when_its_name_holds_spaces_and_parentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "4242 (C2 Compiler) x)) S 1 4242 4242 0 -1 4194624 100 0 0 0 37 5 0 0 20 0 30 0 99 0 0\n";

        assertThat(CpuAccount.name(stat)).isEqualTo("C2 Compiler) x)");
        assertThat(CpuAccount.ticks(stat)).isEqualTo(42);
    }

    @Test
    void tells_jit_compiler_and_gc_threads_from_the_rest_by_the_kernels_15_character_names() {
        assertThat(List.of("C1 CompilerThre", "C2 CompilerThre", "JVMCI CompilerT"))
                .allMatch(n -> CpuAccount.kind(n) == CpuAccount.Kind.HOTSPOT_JIT);
        assertThat(CpuAccount.kind("TruffleCompiler")).isEqualTo(CpuAccount.Kind.TRUFFLE_JIT);
        assertThat(List.of("GC Thread#0", "G1 Conc#0", "G1 Refine#0", "G1 Main Marker", "VM Thread"))
                .allMatch(n -> CpuAccount.kind(n) == CpuAccount.Kind.GC);
        assertThat(List.of("java", "helidon-server-", "VM Periodic Tas", "hv-invoke-1"))
                .allMatch(n -> CpuAccount.kind(n) == CpuAccount.Kind.OTHER);
    }

    @Test
    void a_process_that_started_inside_the_window_counts_from_zero_and_one_that_ended_counts_nothing() {
        Map<Long, CpuAccount.ProcessTicks> before = Map.of(1L, process(100, jit(11, 10), truffle(12, 20), gc(13, 5)),
                2L, process(50));
        Map<Long, CpuAccount.ProcessTicks> after = Map.of(1L, process(130, jit(11, 25), truffle(12, 21), gc(13, 5)),
                3L, process(7, jit(31, 2), truffle(32, 3), gc(33, 1)));

        assertThat(CpuAccount.used(before, after)).isEqualTo(new CpuAccount.Ticks(37, 17, 4, 1));
    }

    @Test
    void a_thread_that_ended_inside_the_window_counts_nothing_rather_than_taking_its_ticks_off_the_others() {
        // Truffle's compiler threads end when idle: thread 12 (20 ticks) ended and thread 14 started and used 6.
        // Summed per kind over the live threads, Truffle's part would be 6 - 20 = -14; per thread it is 6.
        Map<Long, CpuAccount.ProcessTicks> before = Map.of(1L, process(100, truffle(12, 20), jit(11, 10)));
        Map<Long, CpuAccount.ProcessTicks> after = Map.of(1L, process(140, truffle(14, 6), jit(11, 18)));

        assertThat(CpuAccount.used(before, after)).isEqualTo(new CpuAccount.Ticks(40, 8, 6, 0));
    }

    @Test
    void a_tid_reused_by_another_thread_counts_the_new_thread_from_zero() {
        // tid 12 was a compiler thread with 20 ticks; now it names a GC thread with 3, and then a compiler with 4.
        Map<Long, CpuAccount.ProcessTicks> before = Map.of(1L, process(100, truffle(12, 20), jit(13, 9)));
        Map<Long, CpuAccount.ProcessTicks> after = Map.of(1L, process(110, gc(12, 3), jit(13, 4)));

        assertThat(CpuAccount.used(before, after)).isEqualTo(new CpuAccount.Ticks(10, 4, 0, 3));
    }

    @Test
    void counts_a_process_its_descendants_or_both_and_not_a_sleeping_one() throws Exception {
        // A shell that spins in a child of its own: the shell's own CPU is nil, its descendant's is not.
        Process busy = new ProcessBuilder("sh", "-c", "sh -c 'while :; do :; done' & wait").start();
        Process sleeping = new ProcessBuilder("sleep", "30").start();
        try {
            List<Long> shell = List.of(busy.pid());
            CpuAccount account = CpuAccount.of(List.of(
                    new CpuAccount.Party("shell", shell, CpuAccount.Scope.PROCESS),
                    new CpuAccount.Party("children", shell, CpuAccount.Scope.DESCENDANTS),
                    new CpuAccount.Party("tree", shell, CpuAccount.Scope.TREE),
                    new CpuAccount.Party("sleeping", List.of(sleeping.pid()), CpuAccount.Scope.TREE)));
            awaitChild(busy);
            CpuAccount.Snapshot a = account.take();
            Thread.sleep(600);
            Map<String, Object> m = account.between(a, account.take(), "w_");

            assertThat((long) m.get("w_window_ms")).isGreaterThanOrEqualTo(600);
            assertThat((double) m.get("w_shell_cores")).isZero();
            assertThat((double) m.get("w_shell_hotspot_jit_cores")).isZero();
            double children = (double) m.get("w_children_cores");
            assertThat(children).isPositive();
            // The parties are read one after the other, so the spinning child may gain a tick or two (10 ms each,
            // 0.017 cores over 600 ms) between its reads as "children" and as "tree", and against the machine's.
            assertThat((double) m.get("w_tree_cores")).isCloseTo(children, within(0.1));
            assertThat((double) m.get("w_sleeping_cores")).isZero();
            assertThat((double) m.get("w_busy_cores")).isGreaterThanOrEqualTo(children - 0.1);
            assertThat(m).containsKeys("w_steal_cores", "w_bench_cores", "w_outside_cores",
                            "w_shell_truffle_jit_cores", "w_shell_gc_cores")
                    .doesNotContainKey("w_children_gc_cores");
        } finally {
            for (Process p : List.of(busy, sleeping)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void finds_the_benchs_children_by_their_executables_name() throws Exception {
        Process sleeping = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(CpuAccount.descendantsNamed("sleep")).contains(sleeping.pid());
            assertThat(CpuAccount.descendantsNamed("no-such-program")).isEmpty();
        } finally {
            sleeping.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @SafeVarargs
    private static CpuAccount.ProcessTicks process(long all, Map.Entry<Long, CpuAccount.ThreadTicks>... threads) {
        return new CpuAccount.ProcessTicks(all, Map.ofEntries(threads));
    }

    private static Map.Entry<Long, CpuAccount.ThreadTicks> jit(long tid, long ticks) {
        return Map.entry(tid, new CpuAccount.ThreadTicks(CpuAccount.Kind.HOTSPOT_JIT, ticks));
    }

    private static Map.Entry<Long, CpuAccount.ThreadTicks> truffle(long tid, long ticks) {
        return Map.entry(tid, new CpuAccount.ThreadTicks(CpuAccount.Kind.TRUFFLE_JIT, ticks));
    }

    private static Map.Entry<Long, CpuAccount.ThreadTicks> gc(long tid, long ticks) {
        return Map.entry(tid, new CpuAccount.ThreadTicks(CpuAccount.Kind.GC, ticks));
    }

    private static void awaitChild(Process p) throws InterruptedException {
        List<ProcessHandle> children = new ArrayList<>();
        for (int i = 0; i < 100 && children.isEmpty(); i++) {
            p.children().forEach(children::add);
            Thread.sleep(20);
        }
        assertThat(children).as("the spinning child of " + p.pid()).isNotEmpty();
    }
}
