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
 * text and answering JSON text (as a node's sandbox does). Several modules (comma-separated) run one after the other
 * in the same context, e.g. {@code compression,graph} measures graph with a compiler warmed by another function. Prints the latency of chosen calls, so the curve can be
 * compared with the same function called through a node (see {@code bench/results/notes-js-speed.md}).
 *
 * <p>Run: {@code bench/sandbox.sh GuestLoopBench <js|python> <module>[,<module>...] [calls]}, e.g. {@code GuestLoopBench js graph 300}.
 */
public final class GuestLoopBench {

    private GuestLoopBench() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("Usage: GuestLoopBench <js|python> <module> [calls]");
        }
        String id = args[0];
        List<String> modules = List.of(args[1].split(","));
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Path dir = Path.of("bench/functions", id.equals("js") ? "js" : "python").toAbsolutePath();
        try (Engine engine = Engine.newBuilder(id).out(OutputStream.nullOutputStream()).build();
             Context context = context(id, engine, dir)) {
            for (String module : modules) {
                run(engine, context, id, module, calls);
            }
        }
    }

    private static void run(Engine engine, Context context, String id, String module, int calls) {
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
        StringBuilder sb = new StringBuilder(id + " " + module + " (" + engine.getImplementationName() + "): ");
        for (int i = 1; i <= calls; i++) {
            if (i <= 10 || i % 25 == 0) {
                sb.append(i).append(':').append(String.format("%.1f", ms.get(i - 1))).append(' ');
            }
        }
        System.out.println(sb.append("ms; answer ").append(answer));
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
