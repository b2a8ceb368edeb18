package io.hotvisor.cluster;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Everything a cluster shares, in one Redis, under the key prefix {@code hv:<cluster>:}.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li><b>Catalog</b>: a function version's deploy document (the JSON a client PUT, code included) is written once
 *   under an immutable key {@code code:<ns>:<name>:<version>}, and only then is the function's pointer (hash
 *   {@code fn:<ns>}, field = name, value = {@code <version>:<idempotent>}) flipped, by a Lua script that refuses to
 *   move it backwards, together with an increment of {@code catalog-rev}. A reader that sees a pointer always finds
 *   the whole code it points to: no node runs a half-updated function. Versions come from one {@code INCR}
 *   counter, so they increase cluster-wide. A replaced version's code expires an hour later.</li>
 *   <li><b>Keys</b>: {@code tenants} holds the namespaces and key hashes in the node's {@code tenants.json}
 *   format, {@code tenants-rev} counts changes. Last writer wins (see the README's cluster guarantees).</li>
 *   <li><b>Membership</b>: {@code node:<id>} (the heartbeat, with a TTL) and {@code node-last:<id>} (the last
 *   heartbeat, kept so that a dead node is listed as dead), ids in the set {@code nodes}.</li>
 *   <li><b>Async</b>: one stream {@code async} with consumer group {@code nodes}; a submit writes the status
 *   {@code inv:<id>} and XADDs in one MULTI; a result is stored with {@code SET NX} under {@code res:<id>} (the
 *   first result wins: a redelivered entry never produces a second, different answer), then the entry is XACKed
 *   and XDELed.</li>
 *   <li><b>AOT caches</b> of Java worker JVMs: {@code aot:<key>} holds one framed cache (binary), written with
 *   {@code SET NX EX} (the first node's cache stays; a key names one jar, JDK build and class path, so every cache
 *   under it is equivalent) and kept for {@code ttl} after it was last fetched ({@code GETEX EX}). Nothing deletes one
 *   with its function: a deleted function's cache, or one whose jar changed, is simply never fetched again and
 *   expires. Their bytes together are bounded: the sorted set {@code aot-used} holds each stored key by the time it
 *   was last stored or fetched, the hash {@code aot-bytes} its size, and after each store a Lua script drops the
 *   least recently used until the total is within the budget the storing node was given (never the one it just
 *   stored), and forgets the entries whose blob expired. A blob stored before this bookkeeping existed is not
 *   counted; it expires with its TTL.</li>
 * </ul>
 * Every method throws {@link ClusterException} when Redis cannot be reached.
 */
public final class ClusterStore implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String GROUP = "nodes";
    private static final Duration OLD_CODE_TTL = Duration.ofHours(1);
    private static final String FLIP = """
            local old = redis.call('HGET', KEYS[1], ARGV[1])
            if old and tonumber(string.match(old, '^(%d+)')) > tonumber(ARGV[2]) then return 0 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
            redis.call('INCR', KEYS[2])
            if old then return tonumber(string.match(old, '^(%d+)')) end
            return -1
            """;

    /**
     * Records a stored blob (ARGV[2], ARGV[4] bytes, used at ARGV[3]) and keeps the blobs' total within ARGV[5] bytes:
     * drops the least recently used others (the blob keys are ARGV[1] .. member), and the entries of blobs that
     * expired. Returns the members dropped, least recently used first.
     */
    private static final String AOT_BUDGET = """
            redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
            redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
            local live = {}
            local total = 0
            for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
              if redis.call('EXISTS', ARGV[1] .. m) == 1 then
                local size = tonumber(redis.call('HGET', KEYS[2], m) or '0')
                total = total + size
                table.insert(live, {m, size})
              else
                redis.call('ZREM', KEYS[1], m)
                redis.call('HDEL', KEYS[2], m)
              end
            end
            local dropped = {}
            for _, e in ipairs(live) do
              if total <= tonumber(ARGV[5]) then break end
              if e[1] ~= ARGV[2] then
                redis.call('DEL', ARGV[1] .. e[1])
                redis.call('ZREM', KEYS[1], e[1])
                redis.call('HDEL', KEYS[2], e[1])
                total = total - e[2]
                table.insert(dropped, e[1])
              end
            end
            return dropped
            """;

    /** Sets a function's event sample only while the catalog's version is the one the sample was taken of. */
    private static final String SAMPLE = """
            local p = redis.call('HGET', KEYS[1], ARGV[1])
            if not p or string.match(p, '^(%d+)') ~= ARGV[2] then return 0 end
            redis.call('SET', KEYS[2], ARGV[3])
            return 1
            """;

    private final JedisPooled redis;
    private final String prefix;
    private final String cluster;
    private final Clock clock;

    private ClusterStore(JedisPooled redis, String cluster, Clock clock) {
        this.redis = redis;
        this.cluster = cluster;
        this.prefix = "hv:" + cluster + ":";
        this.clock = clock;
    }

    /**
     * Connects to {@code redis://host:port} (no I/O yet: a Redis that is down now is tried again on every call).
     *
     * @param cluster the cluster's name: the key prefix, so several clusters can share one Redis
     */
    public static ClusterStore connect(URI redisUri, String cluster, Clock clock) {
        if (!"redis".equals(redisUri.getScheme()) || redisUri.getHost() == null) {
            throw new ClusterException("Invalid Redis address '" + redisUri + "': use redis://host:port");
        }
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            throw new ClusterException("Invalid cluster name '" + cluster + "': use letters, digits, '-' or '_'");
        }
        int port = redisUri.getPort() < 0 ? 6379 : redisUri.getPort();
        JedisPooled redis = new JedisPooled(new HostAndPort(redisUri.getHost(), port), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(1000).socketTimeoutMillis(3000).clientName("hotvisor").build());
        return new ClusterStore(redis, cluster, clock);
    }

    /** The cluster's name. */
    public String cluster() {
        return cluster;
    }

    /** Whether Redis answers a PING now. */
    public boolean reachable() {
        try {
            return "PONG".equals(redis.ping());
        } catch (JedisException e) {
            return false;
        }
    }

    // ---- catalog

    /** Publishes a new version of a function (see the class notes); returns its version. */
    public long publish(String namespace, String name, String deployJson, boolean idempotent) {
        return call("publish function '" + name + "'", () -> {
            long version = redis.incr(prefix + "fn-seq");
            redis.set(codeKey(namespace, name, version), deployJson);
            Object old = redis.eval(FLIP, List.of(prefix + "fn:" + namespace, prefix + "catalog-rev"),
                    List.of(name, Long.toString(version), new FunctionPointer(version, idempotent).encode()));
            if (old instanceof Long o && o > 0) {
                redis.expire(codeKey(namespace, name, o), OLD_CODE_TTL.toSeconds());
            }
            return version;
        });
    }

    /** Removes a function from the catalog; false if it was not there. */
    public boolean remove(String namespace, String name) {
        return call("remove function '" + name + "'", () -> {
            String old = redis.hget(prefix + "fn:" + namespace, name);
            if (old == null) {
                return false;
            }
            redis.hdel(prefix + "fn:" + namespace, name);
            redis.del(sampleKey(namespace, name));
            redis.incr(prefix + "catalog-rev");
            redis.expire(codeKey(namespace, name, FunctionPointer.parse(old).version()), OLD_CODE_TTL.toSeconds());
            return true;
        });
    }

    /** A counter that changes whenever any function is published or removed. */
    public long catalogRevision() {
        return call("read the catalog revision", () -> parseLong(redis.get(prefix + "catalog-rev")));
    }

    /** The current functions of a namespace, by name. */
    public Map<String, FunctionPointer> functions(String namespace) {
        return call("list functions", () -> {
            Map<String, FunctionPointer> m = new TreeMap<>();
            redis.hgetAll(prefix + "fn:" + namespace).forEach((k, v) -> m.put(k, FunctionPointer.parse(v)));
            return m;
        });
    }

    /** One function's current pointer; empty if the catalog does not have it. */
    public Optional<FunctionPointer> function(String namespace, String name) {
        return call("read function '" + name + "'", () -> Optional.ofNullable(redis.hget(prefix + "fn:" + namespace,
                name)).map(FunctionPointer::parse));
    }

    /** The deploy document of one version; empty if it expired (it was replaced an hour ago). */
    public Optional<String> code(String namespace, String name, long version) {
        return call("read function '" + name + "'", () -> Optional.ofNullable(redis.get(codeKey(namespace, name,
                version))));
    }

    // ---- warm-up samples (issue 6): recent real events of functions that allow sampling

    /**
     * Replaces the sample of recent events of a function (a JSON array, bounded by the caller), unless the catalog's
     * version of the function is no longer {@code version} (replaced, perhaps with sampling turned off, or deleted).
     *
     * @return whether it was stored
     */
    public boolean samples(String namespace, String name, long version, String eventsJson) {
        return call("store the event sample of '" + name + "'", () -> Long.valueOf(1).equals(redis.eval(SAMPLE,
                List.of(prefix + "fn:" + namespace, sampleKey(namespace, name)),
                List.of(name, Long.toString(version), eventsJson))));
    }

    /** The sample of recent events of a function, a JSON array; empty if none is stored. */
    public Optional<String> samples(String namespace, String name) {
        return call("read the event sample of '" + name + "'", () -> Optional.ofNullable(
                redis.get(sampleKey(namespace, name))));
    }

    /** Removes the sample of recent events of a function (sampling was turned off). */
    public void dropSamples(String namespace, String name) {
        call("remove the event sample of '" + name + "'", () -> redis.del(sampleKey(namespace, name)));
    }

    private String sampleKey(String namespace, String name) {
        return prefix + "samples:" + namespace + ":" + name;
    }

    private String codeKey(String namespace, String name, long version) {
        return prefix + "code:" + namespace + ":" + name + ":" + version;
    }

    // ---- AOT caches of Java worker JVMs

    /**
     * The AOT cache stored under {@code key}, its time to live reset to {@code ttl} and its last use (for the budget
     * of {@link #aotCacheIfAbsent}) to now; empty if none.
     */
    public Optional<byte[]> aotCache(String key, Duration ttl) {
        return call("read the AOT cache '" + key + "'", () -> {
            byte[] blob = redis.getEx(aotKey(key), GetExParams.getExParams().ex(ttl.toSeconds()));
            if (blob != null) {
                // Only an entry the budget counts is touched (XX): one stored before it is left to its TTL.
                redis.zadd(prefix + "aot-used", clock.millis(), key, ZAddParams.zAddParams().xx());
            }
            return Optional.ofNullable(blob);
        });
    }

    /** What {@link #aotCacheIfAbsent} did: whether it stored the blob, and the keys it dropped to stay in budget. */
    public record AotStored(boolean stored, List<String> dropped) {
        public AotStored {
            dropped = List.copyOf(dropped);
        }
    }

    /**
     * Stores an AOT cache (or any blob the AOT share carries) under {@code key} for {@code ttl} unless one is stored
     * there, then drops the least recently stored or fetched others until the blobs' total is at most
     * {@code maxTotalBytes} (the one just stored is never dropped).
     *
     * @throws IllegalArgumentException if {@code blob} alone is over {@code maxTotalBytes}
     */
    public AotStored aotCacheIfAbsent(String key, byte[] blob, Duration ttl, long maxTotalBytes) {
        if (blob.length > maxTotalBytes) {
            throw new IllegalArgumentException("The blob '" + key + "' is " + blob.length + " bytes, over the "
                    + maxTotalBytes + " bytes all of them may take");
        }
        return call("store the AOT cache '" + key + "'", () -> {
            if (!"OK".equals(redis.set(aotKey(key), blob, SetParams.setParams().nx().ex(ttl.toSeconds())))) {
                return new AotStored(false, List.of());
            }
            Object dropped = redis.eval(AOT_BUDGET, List.of(prefix + "aot-used", prefix + "aot-bytes"),
                    List.of(prefix + "aot:", key, Long.toString(clock.millis()), Integer.toString(blob.length),
                            Long.toString(maxTotalBytes)));
            List<String> keys = new ArrayList<>();
            if (dropped instanceof List<?> list) {
                list.forEach(k -> keys.add(String.valueOf(k)));
            }
            return new AotStored(true, keys);
        });
    }

    /**
     * The total bytes of the stored blobs the AOT budget counts (those stored with it and not expired since), as the
     * budget's script counts them; for the tests, which check the budget with it.
     */
    long aotBytes() {
        return call("read the AOT caches' sizes", () -> {
            long total = 0;
            for (String key : redis.zrange(prefix + "aot-used", 0, -1)) {
                String size = redis.hget(prefix + "aot-bytes", key);
                if (size != null && redis.exists(aotKey(key))) {
                    total += Long.parseLong(size);
                }
            }
            return total;
        });
    }

    private byte[] aotKey(String key) {
        return (prefix + "aot:" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---- namespaces and keys

    /** The namespaces and key hashes (the node's tenants.json format), if any node has written them. */
    public Optional<String> tenants() {
        return call("read the keys", () -> Optional.ofNullable(redis.get(prefix + "tenants")));
    }

    /** A counter that changes whenever the namespaces or keys change. */
    public long tenantsRevision() {
        return call("read the keys revision", () -> parseLong(redis.get(prefix + "tenants-rev")));
    }

    /** Replaces the namespaces and key hashes; returns the new revision. */
    public long tenants(String json) {
        return call("write the keys", () -> {
            redis.set(prefix + "tenants", json);
            return redis.incr(prefix + "tenants-rev");
        });
    }

    /** Writes the namespaces and keys only if none are stored yet; true if written. */
    public boolean tenantsIfAbsent(String json) {
        return call("write the keys", () -> {
            boolean set = "OK".equals(redis.set(prefix + "tenants", json, SetParams.setParams().nx()));
            if (set) {
                redis.incr(prefix + "tenants-rev");
            }
            return set;
        });
    }

    // ---- membership

    /** Records a node's heartbeat, valid for {@code ttl}. */
    public void heartbeat(NodeInfo node, Duration ttl) {
        String json = nodeJson(node);
        call("send a heartbeat", () -> {
            redis.set(prefix + "node:" + node.id(), json, SetParams.setParams().px(ttl.toMillis()));
            redis.set(prefix + "node-last:" + node.id(), json);
            redis.sadd(prefix + "nodes", node.id());
            return null;
        });
    }

    /** Removes a node that stops cleanly. */
    public void leave(String nodeId) {
        call("leave the cluster", () -> {
            redis.del(prefix + "node:" + nodeId, prefix + "node-last:" + nodeId);
            redis.srem(prefix + "nodes", nodeId);
            return null;
        });
    }

    /** Every node that ever sent a heartbeat and did not leave, alive or not, sorted by id. */
    public List<NodeInfo> nodes() {
        return call("list nodes", () -> {
            List<String> ids = new ArrayList<>(redis.smembers(prefix + "nodes"));
            ids.sort(null);
            List<NodeInfo> out = new ArrayList<>();
            if (ids.isEmpty()) {
                return out;
            }
            List<String> live = redis.mget(ids.stream().map(i -> prefix + "node:" + i).toArray(String[]::new));
            List<String> last = redis.mget(ids.stream().map(i -> prefix + "node-last:" + i).toArray(String[]::new));
            for (int i = 0; i < ids.size(); i++) {
                String json = live.get(i) != null ? live.get(i) : last.get(i);
                if (json != null) {
                    out.add(parseNode(json, live.get(i) != null));
                }
            }
            return out;
        });
    }

    private static String nodeJson(NodeInfo n) {
        ObjectNode o = JSON.createObjectNode().put("id", n.id()).put("url", n.url())
                .put("seenAt", n.seenAt().toString()).put("inflight", n.inflight()).put("ready", n.ready());
        ArrayNode fs = o.putArray("functions");
        n.functions().forEach(fs::add);
        ObjectNode warmth = o.putObject("warmth");
        n.warmth().forEach((f, w) -> warmth.putObject(f).put("state", w.state())
                .put("steadyStateNanos", w.steadyStateNanos()));
        return o.toString();
    }

    private static NodeInfo parseNode(String json, boolean alive) {
        JsonNode o = readTree(json);
        List<String> fs = new ArrayList<>();
        o.path("functions").forEach(f -> fs.add(f.asText()));
        Map<String, NodeInfo.Warmth> warmth = new TreeMap<>();
        o.path("warmth").properties().forEach(e -> warmth.put(e.getKey(), new NodeInfo.Warmth(
                e.getValue().path("state").asText("cold"), e.getValue().path("steadyStateNanos").asLong())));
        return new NodeInfo(o.path("id").asText(), o.path("url").asText(), alive,
                Instant.parse(o.path("seenAt").asText()), o.path("inflight").asInt(), fs, warmth,
                o.path("ready").asBoolean(true));
    }

    // ---- async queue

    /** Queues an async invocation: its status ("queued", kept for {@code retention}) and the stream entry. */
    public void submit(AsyncTask task, Duration retention) {
        ObjectNode status = JSON.createObjectNode().put("id", task.id()).put("namespace", task.namespace())
                .put("function", task.function()).put("status", "queued")
                .put("submittedAt", task.submittedAt().toString());
        Map<String, String> fields = new HashMap<>();
        fields.put("id", task.id());
        fields.put("ns", task.namespace());
        fields.put("fn", task.function());
        fields.put("event", task.event());
        fields.put("at", task.submittedAt().toString());
        call("queue an async invocation", () -> {
            ensureGroup();
            redis.set(prefix + "inv:" + task.id(), status.toString(),
                    SetParams.setParams().ex(retention.toSeconds()));
            redis.xadd(prefix + "async", StreamEntryID.NEW_ENTRY, fields);
            return null;
        });
    }

    /** Creates the consumer group (and the stream) unless it exists. */
    public void ensureGroup() {
        try {
            redis.xgroupCreate(prefix + "async", GROUP, new StreamEntryID(0, 0), true);
        } catch (JedisDataException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    /** Takes up to {@code count} new entries for {@code consumer}, waiting up to {@code block} for one. */
    public List<AsyncTask> take(String consumer, int count, Duration block) {
        return call("read the async queue", () -> {
            List<AsyncTask> out = new ArrayList<>();
            var res = redis.xreadGroup(GROUP, consumer, XReadGroupParams.xReadGroupParams().count(count)
                    .block((int) block.toMillis()), Map.of(prefix + "async", StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            if (res != null) {
                res.forEach(e -> e.getValue().forEach(s -> task(s).ifPresent(out::add)));
            }
            return out;
        });
    }

    /** Claims for {@code consumer} up to {@code count} entries another consumer took but did not finish within {@code minIdle}. */
    public List<AsyncTask> reclaim(String consumer, Duration minIdle, int count) {
        return call("reclaim async invocations", () -> {
            List<AsyncTask> out = new ArrayList<>();
            var res = redis.xautoclaim(prefix + "async", GROUP, consumer, minIdle.toMillis(), new StreamEntryID(0, 0),
                    XAutoClaimParams.xAutoClaimParams().count(count));
            res.getValue().forEach(s -> task(s).ifPresent(out::add));
            return out;
        });
    }

    private static Optional<AsyncTask> task(StreamEntry s) {
        if (s == null || s.getFields() == null || !s.getFields().containsKey("id")) {
            return Optional.empty(); // deleted meanwhile
        }
        Map<String, String> f = s.getFields();
        return Optional.of(new AsyncTask(s.getID().toString(), f.get("id"), f.get("ns"), f.get("fn"),
                f.get("event"), Instant.parse(f.get("at"))));
    }

    /** Whether a result is stored for the invocation already (a redelivered entry then needs no run). */
    public boolean hasResult(String id) {
        return call("read a result", () -> redis.exists(prefix + "res:" + id));
    }

    /**
     * Stores an invocation's result unless one is stored already (SET NX), then acknowledges and deletes its entry.
     *
     * @return whether this result is the one kept
     */
    public boolean complete(AsyncTask task, String resultJson, Duration retention) {
        return call("store a result", () -> {
            boolean first = "OK".equals(redis.set(prefix + "res:" + task.id(), resultJson,
                    SetParams.setParams().nx().ex(retention.toSeconds())));
            if (!task.entryId().isEmpty()) {
                StreamEntryID e = new StreamEntryID(task.entryId());
                redis.xack(prefix + "async", GROUP, e);
                redis.xdel(prefix + "async", e);
            }
            return first;
        });
    }

    /** An invocation's result if it ended, else its queued status; empty if unknown or expired. */
    public Optional<JsonNode> invocation(String id) {
        return call("read an invocation", () -> {
            String r = redis.get(prefix + "res:" + id);
            if (r == null) {
                r = redis.get(prefix + "inv:" + id);
            }
            return Optional.ofNullable(r).map(ClusterStore::readTree);
        });
    }

    /** Entries waiting or running in the async queue. */
    public long queued() {
        return call("read the queue length", () -> redis.xlen(prefix + "async"));
    }

    Instant now() {
        return clock.instant();
    }

    static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ClusterException("Malformed JSON in Redis: " + e.getOriginalMessage());
        }
    }

    private static long parseLong(String s) {
        return s == null ? 0 : Long.parseLong(s);
    }

    private interface RedisCall<T> {
        T run();
    }

    private <T> T call(String what, RedisCall<T> c) {
        try {
            return c.run();
        } catch (JedisException e) {
            throw new ClusterException("Cannot " + what + " in Redis (cluster '" + cluster + "'): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
