package io.hotvisor.cluster;

/**
 * The current version of a function in the cluster catalog.
 *
 * @param version    the cluster-wide version number (increasing; never reused)
 * @param idempotent whether the function was deployed with {@code "idempotent": true}: the gateway may then retry
 *                   an invocation on another node even after a node may have run it
 */
public record FunctionPointer(long version, boolean idempotent) {

    static FunctionPointer parse(String value) {
        int colon = value.indexOf(':');
        try {
            return new FunctionPointer(Long.parseLong(colon < 0 ? value : value.substring(0, colon)),
                    colon >= 0 && "1".equals(value.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new ClusterException("Malformed function pointer '" + value + "' in Redis");
        }
    }

    String encode() {
        return version + ":" + (idempotent ? "1" : "0");
    }
}
