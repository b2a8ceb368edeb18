package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who used the machine's cores over a window, from {@code /proc} (Linux only): the machine's busy and stolen time
 * ({@code /proc/stat}) and, per named party (a process with its descendants, e.g. a node and its worker JVMs), its CPU
 * time, with its JIT compiler and GC threads apart. A benchmark that compares a latency measured on a calm machine
 * with one measured while other processes compile or serve uses it to say what the serving thread waited for.
 *
 * <p>Resolution: the kernel counts in clock ticks ({@code USER_HZ}, 100 per second on Linux for every
 * architecture's {@code /proc}), so a window should be well over 10 ms. A descendant that exits inside the window
 * takes its time with it (its parent's {@code cutime} counts it only once waited for); the count is then low, never
 * high.
 */
final class CpuAccount {

    /** Clock ticks per second in {@code /proc}'s fields (USER_HZ, fixed at 100 in the kernel's user ABI). */
    static final int TICKS_PER_SECOND = 100;

    /** Which processes of a party count: its pids alone, with their descendants, or their descendants alone. */
    enum Scope { PROCESS, TREE, DESCENDANTS }

    /** A named group of processes, e.g. a node ({@code PROCESS}) and its worker JVMs ({@code DESCENDANTS}). */
    record Party(String name, List<Long> pids, Scope scope) {
    }

    /** The parties counted, in order; the first is the one measured, whose threads are told apart. */
    private final List<Party> parties;

    private CpuAccount(List<Party> parties) {
        this.parties = parties;
    }

    /**
     * An account of {@code parties}; the bench's own JVM is added as {@code bench} (the processes it started are
     * parties or {@code outside}).
     */
    static CpuAccount of(List<Party> parties) {
        List<Party> all = new ArrayList<>(parties);
        all.add(new Party("bench", List.of(ProcessHandle.current().pid()), Scope.PROCESS));
        return new CpuAccount(all);
    }

    /** The pids of the bench's descendants whose executable is named {@code name} (e.g. its redis-server). */
    static List<Long> descendantsNamed(String name) {
        return ProcessHandle.current().descendants()
                .filter(h -> h.info().command().map(c -> Path.of(c).getFileName().toString().equals(name))
                        .orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    /**
     * CPU ticks of a group of processes: all, in HotSpot's JIT compiler threads (C1, C2, or Graal through JVMCI,
     * compiling Java), in Truffle's (compiling guest code), in GC threads.
     */
    record Ticks(long all, long hotspot, long truffle, long gc) {

        static final Ticks ZERO = new Ticks(0, 0, 0, 0);

        Ticks plus(Ticks o) {
            return new Ticks(all + o.all, hotspot + o.hotspot, truffle + o.truffle, gc + o.gc);
        }
    }

    /** One thread's kind and ticks. */
    record ThreadTicks(Kind kind, long ticks) {
    }

    /**
     * One process's ticks: {@code all} from its own {@code stat} (threads that ended included) and each live thread's
     * by tid, so a window sums per-thread differences and a thread that ends inside it drops out without taking its
     * earlier ticks with it.
     */
    record ProcessTicks(long all, Map<Long, ThreadTicks> threads) {
    }

    /** The machine's and every party's counters at one moment. */
    record Snapshot(long nanos, long busyTicks, long stealTicks, Map<String, Map<Long, ProcessTicks>> parties) {
    }

    /** Reads the counters now. */
    Snapshot take() {
        long nanos = System.nanoTime();
        long[] machine = machineNow();
        Map<String, Map<Long, ProcessTicks>> byParty = new LinkedHashMap<>();
        for (Party party : parties) {
            Map<Long, ProcessTicks> procs = new HashMap<>();
            for (long pid : party.pids()) {
                procs.putAll(processes(pid, party.scope()));
            }
            byParty.put(party.name(), procs);
        }
        return new Snapshot(nanos, machine[0], machine[1], byParty);
    }

    /**
     * The window from {@code a} to {@code b}, in cores (CPU time over wall time) so windows of any length compare:
     * {@code window_ms}, {@code busy_cores} (the machine's, every process and the kernel), {@code steal_cores} (taken
     * by the hypervisor for other guests), per party {@code <party>_cores} (and for the first party, the one measured,
     * {@code <party>_hotspot_jit_cores}, {@code <party>_truffle_jit_cores} and {@code <party>_gc_cores}), and
     * {@code outside_cores}: busy time outside every party. Keys start with {@code prefix}.
     */
    Map<String, Object> between(Snapshot a, Snapshot b, String prefix) {
        double windowTicks = Math.max(1, b.nanos - a.nanos) / 1e9 * TICKS_PER_SECOND;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "window_ms", (b.nanos - a.nanos) / 1_000_000);
        m.put(prefix + "busy_cores", cores(b.busyTicks - a.busyTicks, windowTicks));
        m.put(prefix + "steal_cores", cores(b.stealTicks - a.stealTicks, windowTicks));
        long known = 0;
        for (Party party : parties) {
            Ticks used = used(a.parties.get(party.name()), b.parties.get(party.name()));
            known += used.all;
            m.put(prefix + party.name() + "_cores", cores(used.all, windowTicks));
            if (party == parties.getFirst()) {
                m.put(prefix + party.name() + "_hotspot_jit_cores", cores(used.hotspot, windowTicks));
                m.put(prefix + party.name() + "_truffle_jit_cores", cores(used.truffle, windowTicks));
                m.put(prefix + party.name() + "_gc_cores", cores(used.gc, windowTicks));
            }
        }
        m.put(prefix + "outside_cores", cores(Math.max(0, b.busyTicks - a.busyTicks - known), windowTicks));
        return m;
    }

    /**
     * What the processes of {@code after} used since {@code before}; one that started in between counts from 0. The
     * JIT and GC parts sum over each thread alive at the end what it used since the start (from 0 if it started in
     * between, or if its tid now names another thread); a thread that ended in between counts nothing, so a part is
     * low, never negative.
     */
    static Ticks used(Map<Long, ProcessTicks> before, Map<Long, ProcessTicks> after) {
        Ticks sum = Ticks.ZERO;
        for (Map.Entry<Long, ProcessTicks> e : after.entrySet()) {
            ProcessTicks was = before.get(e.getKey());
            ProcessTicks now = e.getValue();
            long all = now.all() - (was == null ? 0 : was.all());
            long[] byKind = new long[Kind.values().length];
            for (Map.Entry<Long, ThreadTicks> t : now.threads().entrySet()) {
                ThreadTicks prev = was == null ? null : was.threads().get(t.getKey());
                ThreadTicks cur = t.getValue();
                boolean same = prev != null && prev.kind() == cur.kind() && prev.ticks() <= cur.ticks();
                byKind[cur.kind().ordinal()] += cur.ticks() - (same ? prev.ticks() : 0);
            }
            sum = sum.plus(new Ticks(all, byKind[Kind.HOTSPOT_JIT.ordinal()], byKind[Kind.TRUFFLE_JIT.ordinal()],
                    byKind[Kind.GC.ordinal()]));
        }
        return sum;
    }

    private static double cores(long ticks, double windowTicks) {
        return Math.round(ticks / windowTicks * 100) / 100.0;
    }

    /** The machine's {busy, steal} ticks now ({@link #machine}), without any party's. */
    static long[] machineNow() {
        String procStat = read(Path.of("/proc/stat"));
        if (procStat == null) {
            throw new IllegalStateException("No /proc/stat: the CPU account needs Linux");
        }
        return machine(procStat);
    }

    /** {busy, steal} ticks from /proc/stat's first line: busy is every field but idle, iowait and steal. */
    static long[] machine(String procStat) {
        String[] f = procStat.lines().findFirst().orElse("").trim().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu")) {
            throw new IllegalStateException("/proc/stat does not start with the 'cpu' line: " + procStat.lines()
                    .findFirst().orElse(""));
        }
        // user nice system idle iowait irq softirq steal [guest guest_nice: already in user and nice]
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7}) {
            busy += Long.parseLong(f[i]);
        }
        return new long[] {busy, Long.parseLong(f[8])};
    }

    /** The ticks of {@code pid}, its descendants or both, by {@code scope}, now; empty once gone. */
    private static Map<Long, ProcessTicks> processes(long pid, Scope scope) {
        List<Long> pids = new ArrayList<>();
        if (scope != Scope.DESCENDANTS) {
            pids.add(pid);
        }
        if (scope != Scope.PROCESS) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        }
        Map<Long, ProcessTicks> procs = new HashMap<>();
        for (long p : pids) {
            ProcessTicks t = process(p);
            if (t != null) {
                procs.put(p, t);
            }
        }
        return procs;
    }

    /**
     * One process: its own {@code stat} for the whole (threads that ended included), each live thread's by tid for
     * the JIT compiler and GC parts; null once it is gone.
     */
    private static ProcessTicks process(long pid) {
        Path dir = Path.of("/proc", Long.toString(pid));
        String stat = read(dir.resolve("stat"));
        if (stat == null) {
            return null;
        }
        Map<Long, ThreadTicks> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
            for (Path task : tasks) {
                String t = read(task.resolve("stat"));
                if (t == null) {
                    continue;
                }
                Kind kind = kind(name(t));
                if (kind != Kind.OTHER) {
                    threads.put(Long.parseLong(task.getFileName().toString()), new ThreadTicks(kind, ticks(t)));
                }
            }
        } catch (IOException gone) {
            // The process ended between reading its stat and its threads: its total stands.
        }
        return new ProcessTicks(ticks(stat), threads);
    }

    enum Kind { HOTSPOT_JIT, TRUFFLE_JIT, GC, OTHER }

    /**
     * A HotSpot thread's kind by its name as the kernel keeps it (15 characters): "C1 CompilerThre", "C2 CompilerThre"
     * and "JVMCI CompilerT" compile Java; "TruffleCompiler" compiles guest code; "GC Thread#0", "G1 Conc#0",
     * "G1 Refine#0", "G1 Main Marker", "G1 Service" and the "VM Thread" (which runs the pauses' serial parts) collect.
     */
    static Kind kind(String threadName) {
        if (threadName.startsWith("Truffle") && threadName.contains("Compiler")) {
            return Kind.TRUFFLE_JIT;
        }
        if (threadName.contains("CompilerT")) {
            return Kind.HOTSPOT_JIT;
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ") || threadName.equals("VM Thread")) {
            return Kind.GC;
        }
        return Kind.OTHER;
    }

    /** The name in a {@code stat} line: between the first '(' and the last ')' (a name may hold either). */
    static String name(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    /** utime + stime of a {@code stat} line: fields 14 and 15, counted after the name, which may hold spaces. */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException gone) {
            return null;
        }
    }
}
