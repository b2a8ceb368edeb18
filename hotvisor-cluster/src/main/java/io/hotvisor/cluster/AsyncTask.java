package io.hotvisor.cluster;

import java.time.Instant;

/**
 * An async invocation on the cluster's queue.
 *
 * @param entryId     its Redis Stream entry id (empty before it is queued)
 * @param id          the invocation id the client got
 * @param namespace   the namespace of the function
 * @param function    the function's name
 * @param event       the event, JSON text
 * @param submittedAt when the client submitted it
 */
public record AsyncTask(String entryId, String id, String namespace, String function, String event,
                        Instant submittedAt) {
}
