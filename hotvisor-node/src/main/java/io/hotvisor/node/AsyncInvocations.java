package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hotvisor.runtime.InvocationFailure;
import io.hotvisor.runtime.InvocationResult;

/**
 * Asynchronous invocations ({@code ?mode=async}) of a node on its own (in a cluster they are in Redis):
 * accepted at once, run through the function's dispatcher like any other, their outcome kept for {@link #retention}
 * after they end. An async invocation that meets a full queue is retried with back-off rather than refused; only
 * when {@link #maxPending} are waiting is a new one refused.
 *
 * <p>With a journal directory (the node's {@code <data-dir>/async}) each one is kept in a file of its own from the
 * moment it is accepted: its event until it ends, then its outcome until it expires. A node that restarts, or
 * crashed, reads them back before it listens: outcomes are answered as before, and invocations that had not ended
 * run again (at least once, as in a cluster, where an invocation taken by a node that died is run by another).
 * Files are replaced atomically but not forced to disk: they survive the node's crash, not the machine's.
 */
final class AsyncInvocations {
    private static final System.Logger LOG = System.getLogger(AsyncInvocations.class.getName());

    /** The state of an async invocation. */
    enum Status { QUEUED, SUCCEEDED, FAILED }

    /** How an async invocation failed, as its caller reads it. */
    record Failure(InvocationFailure.Kind kind, String type, String message) {
        static Failure of(InvocationFailure f) {
            return new Failure(f.kind(), f.errorType(), f.getMessage());
        }
    }

    /** One async invocation. */
    record Entry(String id, String namespace, String function, Status status, Instant submittedAt, Instant finishedAt,
                 String resultJson, Failure failure, long durationNanos) {
    }

    private static final long FIRST_BACKOFF_MS = 20;
    private static final long MAX_BACKOFF_MS = 2_000;
    private static final String SUFFIX = ".json";

    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Duration retention;
    private final int maxPending;
    /** Where each invocation's file is; null to keep them in memory only. */
    private final Path journal;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** The events of the invocations read back from the journal that have not run again yet, by id. */
    private final Map<String, String> recovered = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean stopping;

    AsyncInvocations(ScheduledExecutorService scheduler, Clock clock, Duration retention, int maxPending) {
        this(scheduler, clock, retention, maxPending, null);
    }

    /**
     * @param journal the directory of the invocations' files, read back here; null to keep them in memory only
     */
    AsyncInvocations(ScheduledExecutorService scheduler, Clock clock, Duration retention, int maxPending,
                     Path journal) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.retention = retention;
        this.maxPending = maxPending;
        this.journal = journal;
        if (journal != null) {
            readJournal();
        }
        scheduler.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.MINUTES);
    }

    /**
     * Accepts an invocation.
     *
     * @throws ApiException 404 for an unknown function, 429 when too many async invocations are pending, 503 when
     *                      it cannot be written to the journal
     */
    String submit(FunctionRegistry registry, String function, String eventJson, String id) {
        if (registry.get(function).isEmpty()) {
            throw registry.unknown(function);
        }
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            throw new ApiException(429, "Overloaded", "Too many asynchronous invocations pending (limit "
                    + maxPending + "); retry later");
        }
        Entry queued = new Entry(id, registry.namespace(), function, Status.QUEUED, clock.instant(), null, null,
                null, 0);
        try {
            write(queued, eventJson);
        } catch (IOException | UncheckedIOException e) {
            pending.decrementAndGet();
            LOG.log(Level.ERROR, "Cannot keep async invocation " + id + " in " + journal, e);
            // The node's log names the file and the error; the caller learns nothing of the node's disk.
            throw new ApiException(503, "StorageFailed", "The node cannot store the invocation on its disk; nothing"
                    + " was queued, retry later");
        }
        entries.put(id, queued);
        attempt(registry, function, eventJson, id, FIRST_BACKOFF_MS);
        return id;
    }

    /**
     * Runs again the invocations read back from the journal that had not ended, each in its namespace's registry
     * ({@code registries}); one whose namespace or function is gone fails as cancelled. Called once the stored
     * functions are loaded.
     */
    void resume(Function<String, Optional<FunctionRegistry>> registries) {
        List<Entry> again = recovered.keySet().stream().map(entries::get).filter(Objects::nonNull)
                .sorted(Comparator.comparing(Entry::submittedAt)).toList();
        for (Entry e : again) { // in the order they were accepted
            String id = e.id();
            String event = recovered.remove(id);
            Optional<FunctionRegistry> registry = registries.apply(e.namespace());
            if (registry.isEmpty()) {
                finish(id, null, InvocationFailure.of(InvocationFailure.Kind.CANCELLED, "Namespace '"
                        + e.namespace() + "' no longer exists"));
                continue;
            }
            LOG.log(Level.INFO, "Running async invocation " + id + " of '" + e.function() + "' again: the node"
                    + " stopped before it ended");
            attempt(registry.get(), e.function(), event, id, FIRST_BACKOFF_MS);
        }
    }

    private void attempt(FunctionRegistry registry, String function, String eventJson, String id, long backoffMs) {
        try {
            registry.invoke(function, eventJson, id).whenComplete((result, error) -> {
                if (error == null) {
                    finish(id, result, null);
                    return;
                }
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (cause instanceof InvocationFailure f && f.kind() == InvocationFailure.Kind.OVERLOADED) {
                    scheduler.schedule(() -> attempt(registry, function, eventJson, id,
                                    Math.min(backoffMs * 2, MAX_BACKOFF_MS)),
                            backoffMs, TimeUnit.MILLISECONDS);
                } else if (cause instanceof InvocationFailure f) {
                    finish(id, null, f);
                } else {
                    finish(id, null, InvocationFailure.of(InvocationFailure.Kind.PLATFORM_FAULT,
                            "The invocation failed inside the platform", cause));
                }
            });
        } catch (ApiException e) {
            // deleted meanwhile
            finish(id, null, InvocationFailure.of(InvocationFailure.Kind.CANCELLED, e.getMessage()));
        }
    }

    /**
     * Says the node is stopping: an invocation cancelled from now on keeps its journal file as it was accepted, so
     * that the next start runs it again instead of reporting the stop as its outcome.
     */
    void stopping() {
        stopping = true;
    }

    private void finish(String id, InvocationResult result, InvocationFailure failure) {
        pending.decrementAndGet();
        if (stopping && failure != null && failure.kind() == InvocationFailure.Kind.CANCELLED && journal != null) {
            return;
        }
        Entry done = entries.computeIfPresent(id, (k, e) -> new Entry(id, e.namespace(), e.function(),
                failure == null ? Status.SUCCEEDED : Status.FAILED, e.submittedAt(), clock.instant(),
                result == null ? null : result.json(), failure == null ? null : Failure.of(failure),
                result == null ? 0 : result.durationNanos()));
        if (done != null) {
            try {
                write(done, null);
            } catch (IOException | UncheckedIOException e) {
                // Answered from memory all the same; after a restart it would run again.
                LOG.log(Level.WARNING, "Cannot write the outcome of async invocation " + id + " to " + journal, e);
            }
        }
    }

    /** An invocation of {@code namespace}: one of another namespace is as unknown as a missing one. */
    Optional<Entry> get(String namespace, String id) {
        return Optional.ofNullable(entries.get(id)).filter(e -> e.namespace().equals(namespace));
    }

    private void expire() {
        Instant cutoff = clock.instant().minus(retention);
        entries.values().removeIf(e -> {
            boolean expired = e.finishedAt() != null && e.finishedAt().isBefore(cutoff);
            if (expired && journal != null) {
                try {
                    Files.deleteIfExists(file(e.id()));
                } catch (IOException ex) {
                    LOG.log(Level.WARNING, "Cannot delete the expired async invocation " + e.id(), ex);
                }
            }
            return expired;
        });
    }

    // ---- the journal: one file per invocation, {"id", "namespace", "function", "status", "submittedAt",
    // "event"?, "finishedAt"?, "result"? (JSON text), "durationNanos"?, "error"?: {"kind", "type", "message"}}

    private Path file(String id) {
        return journal.resolve(id + SUFFIX);
    }

    private void write(Entry e, String eventJson) throws IOException {
        if (journal == null) {
            return;
        }
        ObjectNode o = Json.object().put("id", e.id()).put("namespace", e.namespace()).put("function", e.function())
                .put("status", e.status().name()).put("submittedAt", e.submittedAt().toString());
        if (eventJson != null) {
            o.put("event", eventJson);
        }
        if (e.finishedAt() != null) {
            o.put("finishedAt", e.finishedAt().toString()).put("durationNanos", e.durationNanos());
        }
        if (e.resultJson() != null) {
            o.put("result", e.resultJson());
        }
        if (e.failure() != null) {
            o.putObject("error").put("kind", e.failure().kind().name()).put("type", e.failure().type())
                    .put("message", e.failure().message());
        }
        Files.createDirectories(journal);
        Files2.replaceAtomically(file(e.id()), Json.bytes(o), false);
    }

    /**
     * Reads every invocation's file: outcomes within the retention are kept, older ones deleted, unfinished ones
     * kept to {@link #resume}. A file that cannot be read is set aside as {@code <name>.unreadable}, never deleted.
     */
    private void readJournal() {
        if (!Files.isDirectory(journal)) {
            return;
        }
        Instant cutoff = clock.instant().minus(retention);
        List<Path> files;
        try (Stream<Path> list = Files.list(journal)) {
            files = list.filter(p -> {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX + ".tmp")) { // a replace the node did not finish: the file before it holds
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        LOG.log(Level.WARNING, "Cannot delete " + p, e);
                    }
                }
                return name.endsWith(SUFFIX);
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the async invocations in " + journal, e);
        }
        int finished = 0;
        for (Path p : files) {
            try {
                JsonNode o = Json.MAPPER.readTree(Files.readAllBytes(p));
                Entry e = entry(o);
                if (e.finishedAt() != null && e.finishedAt().isBefore(cutoff)) {
                    Files.deleteIfExists(p);
                    continue;
                }
                entries.put(e.id(), e);
                if (e.status() == Status.QUEUED) {
                    recovered.put(e.id(), o.path("event").asText("{}"));
                    pending.incrementAndGet();
                } else {
                    finished++;
                }
            } catch (IOException | RuntimeException ex) {
                Path aside = p.resolveSibling(p.getFileName() + ".unreadable");
                LOG.log(Level.WARNING, "Async invocation file " + p + " cannot be read (" + ex + "); set aside as "
                        + aside.getFileName());
                try {
                    Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException moveFailed) {
                    LOG.log(Level.WARNING, "Cannot set " + p + " aside", moveFailed);
                }
            }
        }
        if (!entries.isEmpty()) {
            LOG.log(Level.INFO, "Async invocations read back from " + journal + ": " + finished + " ended, "
                    + recovered.size() + " to run again");
        }
    }

    private static Entry entry(JsonNode o) {
        String id = text(o, "id");
        if (!id.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("bad id '" + id + "'");
        }
        Status status = Status.valueOf(text(o, "status"));
        JsonNode err = o.path("error");
        Failure failure = err.isObject() ? new Failure(InvocationFailure.Kind.valueOf(text(err, "kind")),
                text(err, "type"), text(err, "message")) : null;
        if (status == Status.FAILED && failure == null || status == Status.QUEUED && !o.path("event").isTextual()) {
            throw new IllegalArgumentException("status " + status + " without its " + (failure == null
                    && status == Status.FAILED ? "error" : "event"));
        }
        return new Entry(id, text(o, "namespace"), text(o, "function"), status, Instant.parse(text(o, "submittedAt")),
                o.hasNonNull("finishedAt") ? Instant.parse(text(o, "finishedAt")) : null,
                o.hasNonNull("result") ? text(o, "result") : null, failure, o.path("durationNanos").asLong());
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' missing or not a string");
        }
        return v.asText();
    }
}
