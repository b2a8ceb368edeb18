package io.hotvisor.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;

/**
 * One closed-loop wrk run (each connection sends its next request when the previous answer arrives) POSTing an event
 * with the admin key; wrk is the Debian package, on the same machine as the servers it loads.
 *
 * @param errors connect + read + write + timeout + non-2xx answers
 */
record Wrk(long requests, double seconds, double rps, double p50Ms, double p99Ms, long errors) {

    private static final String SCRIPT = """
            wrk.method = "POST"
            wrk.body = io.open(os.getenv("WRK_BODY_FILE")):read("*a")
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["Authorization"] = "Bearer " .. os.getenv("WRK_KEY")
            done = function(summary, latency, requests)
              local e = summary.errors
              local seconds = summary.duration / 1e6
              io.write(string.format("WRKRESULT,%d,%.3f,%.2f,%.3f,%.3f,%d\\n", summary.requests, seconds,
                summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
                e.connect + e.read + e.write + e.status + e.timeout))
            end
            """;

    static Wrk run(URI url, String event, String key, int connections, int seconds, Path tmp)
            throws IOException, InterruptedException {
        Path script = tmp.resolve("post.lua");
        Path body = tmp.resolve("event.json");
        Files.writeString(script, SCRIPT);
        Files.writeString(body, event);
        ProcessBuilder pb = new ProcessBuilder("wrk", "-t" + Math.min(2, connections), "-c" + connections,
                "-d" + seconds + "s", "--timeout", "30s", "-s", script.toString(), url.toString())
                .redirectErrorStream(true);
        pb.environment().put("WRK_BODY_FILE", body.toString());
        pb.environment().put("WRK_KEY", key);
        Process p = ChildProcesses.BENCH.start(pb);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        for (String line : out.split("\n")) {
            if (line.startsWith("WRKRESULT,")) {
                String[] v = line.split(",");
                return new Wrk(Long.parseLong(v[1]), Double.parseDouble(v[2]), Double.parseDouble(v[3]),
                        Double.parseDouble(v[4]), Double.parseDouble(v[5]), Long.parseLong(v[6].trim()));
            }
        }
        throw new IllegalStateException("wrk (exit " + rc + ") printed no result for " + url + ":\n" + out);
    }
}
