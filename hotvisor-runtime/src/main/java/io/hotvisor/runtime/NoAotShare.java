package io.hotvisor.runtime;

import java.util.Optional;

/** {@link AotCacheShare#none()}: each node keeps its caches to itself. */
enum NoAotShare implements AotCacheShare {
    INSTANCE;

    @Override
    public Optional<byte[]> fetch(String key) {
        return Optional.empty();
    }

    @Override
    public boolean offer(String key, byte[] blob) {
        return false;
    }

    @Override
    public boolean enabled() {
        return false;
    }
}
