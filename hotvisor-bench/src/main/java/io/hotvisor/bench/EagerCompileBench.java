package io.hotvisor.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hotvisor.runtime.EagerCompileOptions;
import io.hotvisor.runtime.EngineChoice;
import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.FunctionDefinition;
import io.hotvisor.runtime.FunctionRuntime;
import io.hotvisor.runtime.InvocationContext;
import io.hotvisor.runtime.Language;
import io.hotvisor.runtime.LoadedFunction;
import io.hotvisor.runtime.RuntimeOptions;
import io.hotvisor.runtime.Sandbox;
import io.hotvisor.runtime.Ticker;

/**
 * What the eager engine (issue 6, mechanism 3) buys and costs: one JVM runs one function of one language on one
 * engine, the default or the eager one, from its load: {@code wordcount}, CPU-heavy (a word count over
 * {@link BenchFunctions#TEXT}, 50 KB: its loop alone crosses every threshold in the first call), or {@code orders},
 * request-sized (prices an order of 4 items: compilation is driven by the number of calls);
 * With {@code --warm-compiler-s N} the JVM first runs another function for N s, so that the Graal compiler is warm
 * (a node that has run for a while), and the compile figures include that warm-up's stragglers.
 * {@link #FIRST} invocations (spaced by {@code --gap-ms}, default 10 ms, as traffic arrives) are the "first N" of the Ignite paper, then {@link #TAIL} more give the steady state.
 * Compilation is observed in Truffle's own trace ({@code engine.TraceCompilation} into a file, read after every
 * invocation): how many roots were compiled by then, their summed compile time, and at which invocation the
 * handler reached the last tier. CPU: the process's, and that of Truffle's compiler threads, at the end of the first
 * N invocations.
 *
 * <p>Run: {@code bench/eager-compile.sh} (both engines for JavaScript and Python, each in a fresh JVM, then the
 * report), or one run: {@code bench/eager-compile.sh run --function orders --language js --engine eager [--first-tier 50]
 * [--last-tier 500] [--gap-ms 10] [--warm-compiler-s 0] [--out DIR]}; the report alone:
 * {@code bench/eager-compile.sh report [--out DIR]}. An unknown option stops it with exit code 2, naming the option.
 */
public final class EagerCompileBench {
    /** The first invocations, whose latency the eager engine is for. */
    static final int FIRST = 200;
    /** Invocations after the first ones; the median of their last 100 is the steady state. */
    static final int TAIL = 300;

    private static final Pattern OPT_DONE = Pattern.compile("opt done.*?\\|Tier (\\d)\\|Time\\s+(\\d+)\\(");
    private static final Pattern HANDLER_ROOT = Pattern.compile("opt done\\s+engine=\\d+\\s+id=\\d+\\s+"
            + "(?:<bytecode )?handler(?: at [0-9a-f]+>)?\\s+\\|Tier 2\\|");

    private EagerCompileBench() {
    }

    /** One run's options ({@code report} reads only {@code out}); see {@link #parse}. */
    record Args(String mode, Language language, String function, EagerCompileOptions eager, long gapMs,
                int warmCompilerSeconds, Path out) {
    }

    static final String USAGE = "usage: run [--function wordcount|orders] [--language js|python]"
            + " [--engine default|eager] [--first-tier N] [--last-tier N] [--gap-ms MS] [--warm-compiler-s S]"
            + " [--out DIR], or report [--out DIR]";

    /**
     * {@code run} (the default) or {@code report}, then options: {@code --function} (defaults to wordcount),
     * {@code --language} (js), {@code --engine} (default), {@code --first-tier} and {@code --last-tier} (the eager
     * engine's thresholds, defaulting to {@link EagerCompileOptions}'), {@code --gap-ms} (10), {@code --warm-compiler-s}
     * (0) and {@code --out} (bench/results). An unknown mode, option or value is refused, naming it.
     */
    static Args parse(String... args) {
        String mode = args.length > 0 ? args[0] : "run";
        if (!mode.equals("run") && !mode.equals("report")) {
            throw new IllegalArgumentException("Unknown mode '" + mode + "'; " + USAGE);
        }
        Language language = Language.JAVASCRIPT;
        String function = "wordcount";
        boolean eager = false;
        int firstTier = EagerCompileOptions.DEFAULT_FIRST_TIER_THRESHOLD;
        int lastTier = EagerCompileOptions.DEFAULT_LAST_TIER_THRESHOLD;
        long gapMs = 10;
        int warmCompilerSeconds = 0;
        Path out = Path.of("bench", "results");
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            if (mode.equals("report") && !option.equals("--out")) {
                throw new IllegalArgumentException("Unknown option '" + option + "' for report; " + USAGE);
            }
            switch (option) {
                case "--out" -> out = Path.of(value(args, ++i, option));
                case "--function" -> function = oneOf(option, value(args, ++i, option), "wordcount", "orders");
                case "--language" -> language = oneOf(option, value(args, ++i, option), "js", "python")
                        .equals("python") ? Language.PYTHON : Language.JAVASCRIPT;
                case "--engine" -> eager = oneOf(option, value(args, ++i, option), "default", "eager").equals("eager");
                case "--first-tier" -> firstTier = PresetArgs.positive(option, value(args, ++i, option));
                case "--last-tier" -> lastTier = PresetArgs.positive(option, value(args, ++i, option));
                case "--gap-ms" -> gapMs = PresetArgs.whole(option, value(args, ++i, option), 0, 60_000);
                case "--warm-compiler-s" -> warmCompilerSeconds = PresetArgs.whole(option, value(args, ++i, option),
                        0, 3600);
                default -> throw new IllegalArgumentException("Unknown option '" + option + "' for run; " + USAGE);
            }
        }
        if (lastTier < firstTier) {
            throw new IllegalArgumentException("--last-tier (" + lastTier + ") must be at least --first-tier ("
                    + firstTier + ")");
        }
        return new Args(mode, language, function, new EagerCompileOptions(eager, Set.of(language), firstTier,
                lastTier), gapMs, warmCompilerSeconds, out);
    }

    private static String value(String[] args, int i, String option) {
        return PresetArgs.value(args, i, option, USAGE);
    }

    private static String oneOf(String option, String value, String... known) {
        if (!List.of(known).contains(value)) {
            throw new IllegalArgumentException(option + " must be one of " + String.join(", ", known) + "; got '"
                    + value + "'");
        }
        return value;
    }

    public static void main(String[] args) throws Exception {
        Args a = PresetArgs.orExit("EagerCompileBench", () -> parse(args));
        if (a.mode().equals("report")) {
            System.out.println("Wrote " + EagerCompileReport.write(a.out()));
            return;
        }
        Path row = run(a.language(), a.function(), a.eager(), a.gapMs(), a.warmCompilerSeconds(), a.out());
        System.out.println("Wrote " + row);
    }

    static Path run(Language language, String function, EagerCompileOptions eager, long gapMs,
                    int warmCompilerSeconds, Path out) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("hotvisor-eager-bench-");
        Path trace = work.resolve("trace.log");
        String lang = BenchArgs.shortName(language);
        String engine = eager.enabled() ? "eager" : "default";
        String label = warmCompilerSeconds > 0 ? function + "_warmjit" : function;
        String id = label + "-" + lang + "-" + engine;
        String event = "orders".equals(function) ? ORDERS_EVENT : BenchFunctions.EVENT;
        RuntimeOptions options = RuntimeOptions.builder()
                .engineOption("engine.TraceCompilation", "true")
                .engineOption("log.file", trace.toString())
                .eagerCompile(eager).build();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, Object> row = new LinkedHashMap<>();
        try (FunctionRuntime runtime = FunctionRuntime.create(options)) {
            if (warmCompilerSeconds > 0) {
                warmCompiler(runtime, language, warmCompilerSeconds);
            }
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            EngineChoice asked = eager.enabled() ? EngineChoice.eager("benchmark") : EngineChoice.standard("benchmark");
            try (LoadedFunction fn = runtime.load("orders".equals(function) ? orders(language) : wordCount(language),
                    asked);
                 Sandbox sandbox = fn.newSandbox();
                 TraceReader reader = new TraceReader(trace)) {
                long loadNanos = System.nanoTime() - wall0;
                List<Double> ms = new ArrayList<>();
                List<Integer> compiledSoFar = new ArrayList<>();
                int handlerLastTierAt = -1;
                Map<String, Object> atFirst = null;
                for (int i = 0; i < FIRST + TAIL; i++) {
                    if (gapMs > 0 && i > 0) {
                        Thread.sleep(gapMs); // requests arrive spaced out, as traffic does: compilations can land
                    }
                    ms.add(invoke(sandbox, event, i) / 1e6);
                    reader.poll();
                    compiledSoFar.add(reader.compilations);
                    if (handlerLastTierAt < 0 && reader.handlerLastTier) {
                        handlerLastTierAt = i + 1;
                    }
                    if (i == FIRST - 1) {
                        atFirst = new LinkedHashMap<>();
                        atFirst.put("wall_ms", Samples.round((System.nanoTime() - wall0) / 1e6));
                        atFirst.put("process_cpu_ms", Samples.round((os.getProcessCpuTime() - cpu0) / 1e6));
                        atFirst.put("truffle_compiler_threads_cpu_ms", Samples.round(compilerThreadsCpu(threads) / 1e6));
                        atFirst.put("compilations", reader.compilations);
                        atFirst.put("last_tier_compilations", reader.lastTier);
                        atFirst.put("compile_time_ms", reader.compileMillis);
                    }
                }
                row.put("function", label);
                row.put("warm_compiler_s", warmCompilerSeconds);
                row.put("language", lang);
                row.put("engine", engine);
                row.put("engine_placed", fn.engine().kind().id());
                row.put("first_tier_threshold", eager.enabled() ? eager.firstTierThreshold()
                        : EagerCompileOptions.GRAAL_FIRST_TIER_THRESHOLD);
                row.put("last_tier_threshold", eager.enabled() ? eager.lastTierThreshold()
                        : EagerCompileOptions.GRAAL_LAST_TIER_THRESHOLD);
                row.put("gap_ms", gapMs);
                row.put("load_ms", Samples.round(loadNanos / 1e6));
                row.put("handler_last_tier_at_invocation", handlerLastTierAt);
                row.put("first_" + FIRST, atFirst);
                row.put("all_compilations", reader.compilations);
                row.put("all_compile_time_ms", reader.compileMillis);
                row.put("latencies_ms", ms);
                row.put("compilations_after_invocation", compiledSoFar);
            }
        } finally {
            if (Files.exists(trace)) {
                Files.createDirectories(out);
                Files.copy(trace, out.resolve("eager-compile-" + id + "-trace.log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            SandboxCreationBench.deleteTree(work);
        }
        Map<String, Object> header = Results.header("eager-compile-run", "see truffle runtime of the report", false,
                "one JVM, one engine, one function", Map.of());
        header.putAll(row);
        Files.createDirectories(out);
        Path file = out.resolve("eager-compile-" + id + ".json");
        Results.JSON.writeValue(file.toFile(), header);
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) row.get("first_" + FIRST);
        System.out.printf("%s on the %s engine: handler in its last tier at invocation %s; first %d invocations: %s%n",
                function + "-" + lang, engine, row.get("handler_last_tier_at_invocation"), FIRST, first);
        return file;
    }

    /** The word count, its handler a root named {@code handler} in both languages (found in the trace by name). */
    static FunctionDefinition wordCount(Language language) {
        String code = BenchFunctions.wordCountSource(language);
        String handler = language == Language.JAVASCRIPT ? "index.handler" : "main.handler";
        FunctionConfig config = FunctionConfig.builder("wordcount", language, handler).memoryMb(512).build();
        return new FunctionDefinition(config, new FunctionCode.SourceText(code), 1);
    }

    /** A small order: a handful of items, little looping per call, so compilation is driven by calls. */
    static final String ORDERS_EVENT = "{\"items\":[{\"name\":\"apple\",\"price\":3,\"qty\":2},"
            + "{\"name\":\"pear\",\"price\":4,\"qty\":1},{\"name\":\"fig\",\"price\":7,\"qty\":5},"
            + "{\"name\":\"kiwi\",\"price\":2,\"qty\":9}]}";

    /** A request-sized handler: prices an order of a few items (little looping: compilation is driven by calls). */
    static FunctionDefinition orders(Language language) {
        String code = language == Language.JAVASCRIPT ? """
                function handler(event, context) {
                  let total = 0;
                  const names = [];
                  for (const it of event.items) {
                    total += it.price * it.qty;
                    names.push(it.name.toUpperCase());
                  }
                  return {distinct: names.length, total, names: names.join(',')};
                }
                """ : """
                def handler(event, context):
                    total = 0
                    names = []
                    for it in event['items']:
                        total += it['price'] * it['qty']
                        names.append(it['name'].upper())
                    return {"distinct": len(names), "total": total, "names": ",".join(names)}
                """;
        String handler = language == Language.JAVASCRIPT ? "index.handler" : "main.handler";
        FunctionConfig config = FunctionConfig.builder("orders", language, handler).memoryMb(512).build();
        return new FunctionDefinition(config, new FunctionCode.SourceText(code), 1);
    }

    private static long invoke(Sandbox sandbox, String event, int i) {
        Ticker ticker = Ticker.system();
        long start = ticker.read();
        String result = sandbox.invoke(event, new InvocationContext("bench-" + i, "wordcount", 1, 512,
                start + Duration.ofSeconds(60).toNanos(), ticker));
        long took = ticker.read() - start;
        if (result == null || !result.contains("distinct")) {
            throw new IllegalStateException("The function returned " + result);
        }
        return took;
    }

    /**
     * A node that has run other functions for a while: the Graal compiler (Java code itself, compiled by HotSpot's
     * JIT) is warm. Runs the word count on the default engine for {@code seconds}, then waits for the compile queue
     * to drain a little; the measured function's own compilations then start with a warm compiler. (Its roots share
     * the default engine's compiled builtins too, which the eager engine does not have.)
     */
    private static void warmCompiler(FunctionRuntime runtime, Language language, int seconds)
            throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        FunctionDefinition wc = wordCount(language);
        String code = ((FunctionCode.SourceText) wc.code()).text()
                .replace("exports.handler = function handler(", "exports.warmup = function warmup(")
                .replace("def handler(", "def warmup(");
        FunctionConfig config = FunctionConfig.builder("warmup", language,
                language == Language.JAVASCRIPT ? "index.warmup" : "main.warmup").memoryMb(512).build();
        // Its root is named warmup, so that the trace's "handler" lines are the measured function's only.
        try (LoadedFunction other = runtime.load(new FunctionDefinition(config, new FunctionCode.SourceText(code), 1),
                EngineChoice.standard("compiler warm-up"));
             Sandbox sandbox = other.newSandbox()) {
            for (int i = 0; System.nanoTime() < end; i++) {
                invoke(sandbox, BenchFunctions.EVENT, i);
            }
        }
        Thread.sleep(2_000);
    }

    /** CPU time of the live Truffle compiler threads (named {@code TruffleCompilerThread-*}). */
    private static long compilerThreadsCpu(ThreadMXBean threads) {
        long sum = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().contains("TruffleCompilerThread")) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    /** Follows Truffle's trace file as it grows. */
    private static final class TraceReader implements AutoCloseable {
        private final Path file;
        private RandomAccessFile in;
        private final StringBuilder partial = new StringBuilder();
        int compilations;
        int lastTier;
        long compileMillis;
        boolean handlerLastTier;

        /** Reads {@code file} from its current end: what was traced before (a compiler warm-up) is not counted. */
        TraceReader(Path file) throws IOException {
            this.file = file;
            if (Files.exists(file)) {
                in = new RandomAccessFile(file.toFile(), "r");
                in.seek(in.length());
            }
        }

        void poll() throws IOException {
            if (in == null) {
                if (!Files.exists(file)) {
                    return;
                }
                in = new RandomAccessFile(file.toFile(), "r");
            }
            long length = in.length();
            if (length <= in.getFilePointer()) {
                return;
            }
            byte[] bytes = new byte[(int) (length - in.getFilePointer())];
            in.readFully(bytes);
            partial.append(new String(bytes, StandardCharsets.UTF_8));
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                line(partial.substring(0, nl));
                partial.delete(0, nl + 1);
            }
        }

        private void line(String line) {
            Matcher m = OPT_DONE.matcher(line);
            if (m.find()) {
                compilations++;
                if ("2".equals(m.group(1))) {
                    lastTier++;
                }
                compileMillis += Long.parseLong(m.group(2));
            }
            if (HANDLER_ROOT.matcher(line).find()) {
                handlerLastTier = true;
            }
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
