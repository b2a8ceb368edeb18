package io.hotvisor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** The frame an AOT cache travels in through the fleet, and how a fetching node verifies it. */
class SharedAotCacheTest {
    private static final byte[] CACHE = "an AOT cache's bytes, as many as there are".getBytes(StandardCharsets.UTF_8);

    @Test
    void gives_back_the_cache_and_its_origin() {
        SharedAotCache back = SharedAotCache.decode("k", new SharedAotCache(CACHE, "node-1").encode());

        assertThat(back.cache()).isEqualTo(CACHE);
        assertThat(back.origin()).isEqualTo("node-1");
    }

    @Test
    void refuses_a_cache_with_one_byte_changed_naming_both_hashes() {
        byte[] blob = new SharedAotCache(CACHE, "node-1").encode();
        blob[blob.length - 3] ^= 1;

        assertThatThrownBy(() -> SharedAotCache.decode("fn-key", blob)).isInstanceOf(AotCacheShareException.class)
                .hasMessageStartingWith("The shared AOT cache 'fn-key' is unusable: SHA-256 ")
                .hasMessageContaining("differs from the");
    }

    @Test
    void refuses_a_truncated_cache_naming_both_sizes() {
        byte[] blob = new SharedAotCache(CACHE, "node-1").encode();
        byte[] cut = Arrays.copyOf(blob, blob.length - 10);

        assertThatThrownBy(() -> SharedAotCache.decode("fn-key", cut)).isInstanceOf(AotCacheShareException.class)
                .hasMessageContaining("the header says " + CACHE.length + " bytes of cache, the frame holds "
                        + (CACHE.length - 10));
    }

    @Test
    void refuses_bytes_that_are_not_a_frame() {
        byte[] raw = "not a frame but long enough to hold a header of fifty bytes".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> SharedAotCache.decode("fn-key", raw)).isInstanceOf(AotCacheShareException.class)
                .hasMessageContaining("not a Hotvisor AOT cache frame (" + raw.length + " bytes, no HVAOT1 header)");
        assertThatThrownBy(() -> SharedAotCache.decode("fn-key", new byte[0]))
                .hasMessageContaining("not a Hotvisor AOT cache frame (0 bytes");
    }
}
