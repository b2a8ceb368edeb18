package io.hotvisor.node;

import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * Who may do what: reads a request's {@code Authorization: Bearer <key>} and its {@code X-Hotvisor-Namespace}.
 *
 * <ul>
 *   <li>No key, a malformed header, an unknown or a revoked key: 401, the same for every route but
 *       {@code /healthz} and {@code /readyz}, before the route looks at anything else (so it tells nothing about what exists).</li>
 *   <li>A namespace key on an admin route, or naming another namespace: 403.</li>
 *   <li>An admin key acts on namespace {@code default} unless {@code X-Hotvisor-Namespace} names another.</li>
 * </ul>
 */
final class Access {
    static final String NAMESPACE_HEADER = "X-Hotvisor-Namespace";
    private static final io.helidon.http.HeaderName NAMESPACE = HeaderNames.create(NAMESPACE_HEADER);

    private final TenantStore tenants;
    private final Namespaces namespaces;

    Access(TenantStore tenants, Namespaces namespaces) {
        this.tenants = tenants;
        this.namespaces = namespaces;
    }

    /**
     * The caller of a request.
     *
     * @throws ApiException 401 without a valid key
     */
    TenantStore.Caller caller(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty()) {
            throw unauthorized("This call needs an API key: send 'Authorization: Bearer <key>'");
        }
        String h = header.get().strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
            throw unauthorized("The Authorization header must be 'Bearer <key>'");
        }
        return tenants.authenticate(h.substring(7).strip())
                .orElseThrow(() -> unauthorized("The API key is not valid (unknown or revoked)"));
    }

    /**
     * The caller of an admin call.
     *
     * @throws ApiException 401 without a valid key, 403 for a namespace key
     */
    TenantStore.Caller admin(ServerRequest req) {
        TenantStore.Caller c = caller(req);
        if (!c.admin()) {
            throw new ApiException(403, "Forbidden", "This call needs an admin key; key '" + c.keyId()
                    + "' belongs to namespace '" + c.namespace() + "'");
        }
        return c;
    }

    /**
     * The registry a function call acts on.
     *
     * @throws ApiException 401 without a valid key; 403 when a namespace key names another namespace; 400 for a
     *                      malformed namespace name; 404 when an admin names a namespace that does not exist
     */
    FunctionRegistry functions(ServerRequest req) {
        TenantStore.Caller c = caller(req);
        Optional<String> asked = req.headers().first(NAMESPACE).map(String::strip);
        asked.ifPresent(Access::checkName);
        if (!c.admin()) {
            if (asked.isPresent() && !asked.get().equals(c.namespace())) {
                throw new ApiException(403, "Forbidden", "Key '" + c.keyId() + "' belongs to namespace '"
                        + c.namespace() + "'; it cannot act on namespace '" + asked.get() + "'");
            }
            return namespaces.get(c.namespace()).orElseThrow(() -> unauthorized(
                    "The API key is not valid (unknown or revoked)"));
        }
        String ns = asked.orElse(TenantStore.DEFAULT_NAMESPACE);
        return namespaces.get(ns).orElseThrow(() -> unknownNamespace(ns));
    }

    ApiException unknownNamespace(String ns) {
        return ApiException.notFound("Namespace '" + DeployRequest.printable(ns) + "' not found; namespaces: "
                + tenants.namespaces().stream().map(TenantStore.Namespace::name).toList());
    }

    /** Namespace names follow the rules of function names. */
    static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            throw ApiException.badRequest("Invalid namespace name '" + DeployRequest.printable(name) + "': use 1 to"
                    + " 64 ASCII letters, digits, '-' or '_', starting with a letter or digit");
        }
        return name;
    }

    static ApiException unauthorized(String message) {
        return new ApiException(401, "Unauthorized", message);
    }
}
