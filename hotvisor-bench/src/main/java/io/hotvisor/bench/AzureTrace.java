package io.hotvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sample of the Azure Functions 2019 trace as ../shared/traces/azure2019 holds it: {@code N_inv.csv}
 * (invocations per minute of each function, 1440 minutes), {@code N_run.csv} (execution time per function, ms) and
 * {@code N_mem.csv} (memory allocated per app, MB).
 *
 * <p>Memory is given per app, and an app may have several functions: each function gets an equal share of its app's
 * {@code AverageAllocatedMb}, divided among the app's functions present in this sample's {@code N_inv.csv} (in the
 * vHive samples every app has one function, so the share is the app's whole allocation).
 *
 * @param directory where the files were read
 * @param size      the sample's size, the N in the file names
 * @param minutes   minutes per function row (1440)
 * @param functions every function of the sample, in file order
 */
record AzureTrace(Path directory, int size, int minutes, List<Function> functions) {

    /**
     * One trace function.
     *
     * @param hash          HashFunction
     * @param app           HashApp
     * @param perMinute     invocations in each minute of the day, minute 1 at index 0
     * @param averageMs     average execution time (N_run Average), ms
     * @param appMemoryMb   the app's AverageAllocatedMb
     * @param memoryShareMb {@code appMemoryMb} divided by the app's function count in the sample
     */
    record Function(String hash, String app, int[] perMinute, double averageMs, double appMemoryMb,
                    double memoryShareMb) {

        /** Invocations in minutes {@code first..first+count-1} (1-based, as in the file's minute_N columns). */
        long invocations(int first, int count) {
            long n = 0;
            for (int m = first; m < first + count; m++) {
                n += perMinute[m - 1];
            }
            return n;
        }
    }

    /**
     * Reads the sample of {@code size} functions in {@code directory}.
     *
     * @throws TraceException if a file is missing, a column is not where the README says, or a value is not a number
     */
    static AzureTrace read(Path directory, int size) {
        if (!Files.isDirectory(directory)) {
            throw new TraceException("Trace directory '" + directory + "' does not exist or is not a directory;"
                    + " expected the Azure 2019 samples, e.g. ../shared/traces/azure2019");
        }
        Path invFile = file(directory, size + "_inv.csv");
        Path runFile = file(directory, size + "_run.csv");
        Path memFile = file(directory, size + "_mem.csv");

        List<String[]> inv = rows(invFile, List.of("HashFunction", "HashApp", "HashOwner", "minute_1"));
        String[] invHeader = inv.removeFirst();
        int minutes = invHeader.length - 3;
        if (!invHeader[invHeader.length - 1].equals("minute_" + minutes)) {
            throw new TraceException("Last column of " + invFile + " is '" + invHeader[invHeader.length - 1]
                    + "'; expected 'minute_" + minutes + "'");
        }
        List<String[]> run = rows(runFile, List.of("HashFunction", "HashApp", "HashOwner", "Count", "Average"));
        run.removeFirst();
        List<String[]> mem = rows(memFile, List.of("HashApp", "HashOwner", "SampleCount", "AverageAllocatedMb"));
        mem.removeFirst();

        Map<String, Double> averageMs = new HashMap<>();
        for (String[] r : run) {
            averageMs.put(r[0], number(r[4], runFile, "Average", r[0]));
        }
        Map<String, Double> appMb = new HashMap<>();
        for (String[] r : mem) {
            appMb.put(r[0], number(r[3], memFile, "AverageAllocatedMb", r[0]));
        }
        Map<String, Integer> functionsPerApp = new LinkedHashMap<>();
        inv.forEach(r -> functionsPerApp.merge(r[1], 1, Integer::sum));

        List<Function> functions = new ArrayList<>();
        for (String[] r : inv) {
            if (r.length != invHeader.length) {
                throw new TraceException("Row for function " + r[0] + " in " + invFile + " has " + r.length
                        + " columns; the header has " + invHeader.length);
            }
            int[] perMinute = new int[minutes];
            for (int m = 0; m < minutes; m++) {
                perMinute[m] = (int) number(r[m + 3], invFile, "minute_" + (m + 1), r[0]);
            }
            Double ms = averageMs.get(r[0]);
            if (ms == null) {
                throw new TraceException("Function " + r[0] + " of " + invFile + " has no row in " + runFile);
            }
            Double mb = appMb.get(r[1]);
            if (mb == null) {
                throw new TraceException("App " + r[1] + " of " + invFile + " has no row in " + memFile);
            }
            functions.add(new Function(r[0], r[1], perMinute, ms, mb, mb / functionsPerApp.get(r[1])));
        }
        return new AzureTrace(directory, size, minutes, List.copyOf(functions));
    }

    private static Path file(Path directory, String name) {
        Path f = directory.resolve(name);
        if (!Files.isRegularFile(f)) {
            try (var list = Files.list(directory)) {
                throw new TraceException("Trace file '" + f + "' not found; " + directory + " holds: "
                        + list.map(p -> p.getFileName().toString()).sorted().toList());
            } catch (IOException e) {
                throw new TraceException("Trace file '" + f + "' not found", e);
            }
        }
        return f;
    }

    /** All lines split on commas, the header first, after checking that it starts with {@code expected}. */
    private static List<String[]> rows(Path file, List<String> expected) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new TraceException("Could not read trace file '" + file + "': " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new TraceException("Trace file '" + file + "' is empty; expected a header " + expected);
        }
        String[] header = lines.getFirst().trim().split(",");
        for (int i = 0; i < expected.size(); i++) {
            if (i >= header.length || !header[i].equals(expected.get(i))) {
                throw new TraceException("Trace file '" + file + "' has column " + (i + 1) + " '"
                        + (i < header.length ? header[i] : "") + "'; expected the columns to start with " + expected);
            }
        }
        List<String[]> rows = new ArrayList<>(lines.size());
        rows.add(header);
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(line.trim().split(",", -1));
            }
        }
        return rows;
    }

    private static double number(String text, Path file, String column, String key) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new TraceException("Column " + column + " of " + key + " in " + file + " is '" + text
                    + "', not a number");
        }
    }
}
