package io.hotvisor.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An AOT cache as it travels through an {@link AotCacheShare}: framed with its SHA-256, its size and the node that
 * trained it, so that a node that fetches it can tell a whole, intact cache from a truncated or altered one before it
 * hands the file to a JVM.
 *
 * <p>Frame: the magic {@code HVAOT1\n}, the SHA-256 of the cache (32 bytes), its size (8 bytes, big-endian), the
 * origin's length (2 bytes) and UTF-8 bytes, then the cache itself.
 *
 * @param cache  the AOT cache file's bytes
 * @param origin the id of the node that trained it
 */
record SharedAotCache(byte[] cache, String origin) {
    private static final byte[] MAGIC = "HVAOT1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ORIGIN = 255;

    SharedAotCache {
        if (origin.getBytes(StandardCharsets.UTF_8).length > MAX_ORIGIN) {
            throw new IllegalArgumentException("Origin longer than " + MAX_ORIGIN + " bytes: " + origin);
        }
    }

    /** The framed bytes to store. */
    byte[] encode() {
        byte[] o = origin.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 32 + 8 + 2 + o.length + cache.length);
        b.put(MAGIC).put(sha256(cache)).putLong(cache.length).putShort((short) o.length).put(o).put(cache);
        return b.array();
    }

    /**
     * Reads and verifies a framed cache.
     *
     * @throws AotCacheShareException naming what is wrong: not a frame, truncated, a size or SHA-256 that does not
     *                                match the bytes
     */
    static SharedAotCache decode(String key, byte[] blob) {
        int header = MAGIC.length + 32 + 8 + 2;
        if (blob.length < header || !Arrays.equals(blob, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw invalid(key, "not a Hotvisor AOT cache frame (" + blob.length + " bytes, no HVAOT1 header)");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).position(MAGIC.length);
        byte[] expected = new byte[32];
        b.get(expected);
        long size = b.getLong();
        int originLength = Short.toUnsignedInt(b.getShort());
        if (originLength > MAX_ORIGIN || b.remaining() < originLength) {
            throw invalid(key, "truncated header");
        }
        byte[] o = new byte[originLength];
        b.get(o);
        if (size != b.remaining()) {
            throw invalid(key, "the header says " + size + " bytes of cache, the frame holds " + b.remaining());
        }
        byte[] cache = Arrays.copyOfRange(blob, b.position(), blob.length);
        byte[] actual = sha256(cache);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw invalid(key, "SHA-256 " + HexFormat.of().formatHex(actual) + " of the cache differs from the "
                    + HexFormat.of().formatHex(expected) + " it was stored with");
        }
        return new SharedAotCache(cache, new String(o, StandardCharsets.UTF_8));
    }

    private static AotCacheShareException invalid(String key, String why) {
        return AotCacheShareException.of("The shared AOT cache '" + key + "' is unusable: " + why, null);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
