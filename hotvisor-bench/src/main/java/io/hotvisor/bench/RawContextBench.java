package io.hotvisor.bench;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * A baseline for {@link SandboxCreationBench}: what a sandbox costs at the bottom, in plain GraalVM polyglot without
 * Hotvisor. Per guest language, on one shared {@link Engine}, each sample times three phases of one new
 * {@link Context}: {@code build()} (a bare context), {@code initialize(language)} (the language's global
 * environment: JS built-ins, the Python runtime) and {@code eval} of a cached hello-world source; the total is
 * comparable with Hotvisor's {@code newSandbox()}, which also evaluates its wrapper and resolves the handler.
 *
 * <p>Run: {@code bench/sandbox.sh RawContextBench [--smoke] [--out DIR] [--languages js,python]}.
 * Writes {@code raw-context.json} and {@code .csv} to {@code bench/results/}.
 */
public final class RawContextBench {

    private RawContextBench() {
    }

    public static void main(String[] args) {
        BenchArgs options = BenchArgs.parse(args);
        List<Map<String, Object>> rows = new ArrayList<>();
        String implementation = "unknown";
        for (var language : options.languages()) {
            if (language.graalId().isEmpty()) {
                continue; // Java has no polyglot context
            }
            String id = language.graalId().orElseThrow();
            var plan = SandboxCreationBench.plan(language, options.smoke());
            String code = id.equals("js") ? "(function handler(event) { return {hello: event.name}; })"
                    : "def handler(event, context):\n    return {'hello': event['name']}\nhandler";
            try (Engine engine = Engine.newBuilder(id).out(OutputStream.nullOutputStream())
                    .option("engine.WarnInterpreterOnly", "false").build()) {
                implementation = engine.getImplementationName();
                Source source = Source.create(id, code);
                Samples build = new Samples(plan.samples());
                Samples init = new Samples(plan.samples());
                Samples eval = new Samples(plan.samples());
                Samples total = new Samples(plan.samples());
                for (int i = 0; i < plan.warmup() + plan.samples(); i++) {
                    long t0 = System.nanoTime();
                    Context context = Context.newBuilder(id).engine(engine).build();
                    long t1 = System.nanoTime();
                    context.initialize(id);
                    long t2 = System.nanoTime();
                    context.eval(source);
                    long t3 = System.nanoTime();
                    context.close();
                    if (i >= plan.warmup()) {
                        build.add(t1 - t0);
                        init.add(t2 - t1);
                        eval.add(t3 - t2);
                        total.add(t3 - t0);
                    }
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("language", BenchArgs.shortName(language));
                row.put("warmup", plan.warmup());
                row.put("samples", total.size());
                row.put("build_median_ms", Samples.round(build.medianMs()));
                row.put("initialize_median_ms", Samples.round(init.medianMs()));
                row.put("eval_median_ms", Samples.round(eval.medianMs()));
                row.putAll(total.summary("total_"));
                rows.add(row);
                System.out.printf("%-7s raw context: build %.4f ms + initialize %.4f ms + eval %.4f ms; total median %.4f,"
                                + " p99 %.4f ms%n", row.get("language"), build.medianMs(), init.medianMs(),
                        eval.medianMs(), total.medianMs(), total.percentileMs(99));
            }
        }
        String notes = "plain GraalVM polyglot, no Hotvisor: new Context on a shared Engine, default context options;"
                + " phases build / initialize(language) / eval of a cached hello source; medians; each context closed"
                + " before the next";
        Path json = Results.write(options.out(), "raw-context",
                Results.header("raw-context", implementation, options.smoke(), notes, Map.of()), rows);
        System.out.println("Wrote " + json);
    }
}
