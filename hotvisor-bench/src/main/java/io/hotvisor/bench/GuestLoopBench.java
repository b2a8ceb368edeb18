package io.hotvisor.bench;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Value;

/**
 * The speed of a bench function in plain GraalVM polyglot, without Hotvisor: one {@link Context} on a shared
 * {@link Engine}, the function's module loaded once, then {@code calls} calls in a row, each given the event as JSON
 * text and answering JSON text (as a node's sandbox does). Prints the latency of chosen calls, so the curve can be
 * compared with the same function called through a node (see {@code bench/results/notes-js-speed.md}). Several
 * modules (comma-separated) run one after the other in the same context, e.g. {@code file_hashing,graph} measures
 * graph with a compiler already warmed by another function.
 *
 * <p>Run: {@code bench/sandbox.sh GuestLoopBench <js|python> <module>[,<module>...] [calls]}, e.g.
 * {@code GuestLoopBench js graph 300}; add {@code -Dpolyglot.engine.TraceCompilation=true} to
 * {@code HOTVISOR_JAVA_OPTS} for the compile log. The functions are read from {@code bench/functions/} under the
 * system property {@code hotvisor.root} (default: the current directory).
 */
public final class GuestLoopBench {

    private GuestLoopBench() {
    }

    /** What one module's loop measured: the latency of each call and the last answer. */
    record Run(String module, List<Double> millis, String answer) {

        String summary() {
            StringBuilder sb = new StringBuilder(module).append(": ");
            for (int i = 1; i <= millis.size(); i++) {
                if (i <= 10 || i % 25 == 0) {
                    sb.append(i).append(':').append(String.format("%.1f", millis.get(i - 1))).append(' ');
                }
            }
            List<Double> tail = new ArrayList<>(millis.subList(Math.max(0, millis.size() - 50), millis.size()));
            tail.sort(null);
            return sb.append("ms; median of the last ").append(tail.size()).append(": ")
                    .append(String.format("%.1f", tail.get(tail.size() / 2))).append(" ms; answer ").append(answer).toString();
        }
    }

    public static void main(String[] args) {
        if (args.length < 2 || !(args[0].equals("js") || args[0].equals("python"))) {
            throw new IllegalArgumentException("Usage: GuestLoopBench <js|python> <module>[,<module>...] [calls]; got "
                    + List.of(args));
        }
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Path root = Path.of(System.getProperty("hotvisor.root", ".")).toAbsolutePath().normalize();
        for (Run run : run(root, args[0], List.of(args[1].split(",")), calls)) {
            System.out.println(args[0] + " " + run.summary());
        }
    }

    /** Runs each module's loop in turn, in one context on one engine. */
    static List<Run> run(Path root, String id, List<String> modules, int calls) {
        Path dir = root.resolve("bench/functions").resolve(id);
        List<Run> runs = new ArrayList<>();
        try (Engine engine = Engine.newBuilder(id).out(OutputStream.nullOutputStream())
                .option("engine.WarnInterpreterOnly", "false").build();
             Context context = context(id, engine, dir)) {
            for (String module : modules) {
                runs.add(loop(context, id, module, calls));
            }
        }
        return runs;
    }

    private static Run loop(Context context, String id, String module, int calls) {
        Value call = id.equals("js")
                ? context.eval(id, "(f => s => JSON.stringify(f(JSON.parse(s))))(require('./" + module + ".js').main)")
                : context.eval(id, "import json, " + module + "\n(lambda s: json.dumps(" + module + ".main(json.loads(s))))");
        List<Double> ms = new ArrayList<>();
        String answer = "";
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            answer = call.execute("{\"seed\":42}").asString();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        return new Run(module, List.copyOf(ms), answer);
    }

    private static Context context(String id, Engine engine, Path dir) {
        Context.Builder b = Context.newBuilder(id).engine(engine).allowAllAccess(true).allowExperimentalOptions(true)
                .currentWorkingDirectory(dir);
        if (id.equals("js")) {
            b.option("js.commonjs-require", "true").option("js.commonjs-require-cwd", dir.toString());
        } else {
            b.option("python.PythonPath", dir.toString());
        }
        return b.build();
    }
}
