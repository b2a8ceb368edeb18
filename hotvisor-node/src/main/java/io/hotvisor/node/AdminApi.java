package io.hotvisor.node;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.hotvisor.cluster.Endpoints;

/**
 * The admin API: namespaces and keys. Every call needs an admin key. A key's secret is in the answer that made it
 * and nowhere else; listings show ids.
 *
 * <pre>
 * POST   /v1/namespaces {"name"}             201 {"name", "createdAt", "key": {"id", "key"}}; 409 if it exists
 * GET    /v1/namespaces                      {"namespaces": [{"name", "createdAt", "functions", "keys"}]}
 * GET    /v1/namespaces/{ns}                 one of those
 * DELETE /v1/namespaces/{ns}                 revokes its keys; 409 while it has functions, and for "default"
 * POST   /v1/namespaces/{ns}/keys            201 {"id", "key", "namespace"}
 * GET    /v1/namespaces/{ns}/keys            {"keys": [{"id", "createdAt", "revokedAt"?}]}
 * DELETE /v1/namespaces/{ns}/keys/{id}       revokes it
 * POST   /v1/admin-keys, GET /v1/admin-keys, DELETE /v1/admin-keys/{id}: the same for admin keys; the last working
 *                                            admin key cannot be revoked (409)
 * </pre>
 */
final class AdminApi {
    private final Access access;
    private final TenantStore tenants;
    private final Namespaces namespaces;

    AdminApi(Access access, TenantStore tenants, Namespaces namespaces) {
        this.access = access;
        this.tenants = tenants;
        this.namespaces = namespaces;
    }

    void routes(Endpoints r) {
        r.post("/v1/namespaces", (req, res) -> create(req, res))
                .get("/v1/namespaces", (req, res) -> {
                    access.admin(req);
                    ObjectNode root = Json.object();
                    ArrayNode arr = root.putArray("namespaces");
                    tenants.namespaces().forEach(n -> arr.add(describe(n)));
                    json(res, 200, root);
                })
                .get("/v1/namespaces/{ns}", (req, res) -> {
                    access.admin(req);
                    json(res, 200, describe(existing(req)));
                })
                .delete("/v1/namespaces/{ns}", (req, res) -> delete(req, res))
                .post("/v1/namespaces/{ns}/keys", (req, res) -> {
                    access.admin(req);
                    TenantStore.NewKey k = tenants.createKey(existing(req).name());
                    json(res, 201, newKey(k));
                })
                .get("/v1/namespaces/{ns}/keys", (req, res) -> {
                    access.admin(req);
                    json(res, 200, keys(existing(req).name()));
                })
                .delete("/v1/namespaces/{ns}/keys/{id}", (req, res) -> {
                    access.admin(req);
                    revoke(existing(req).name(), req.path().pathParameters().get("id"), res);
                })
                .post("/v1/admin-keys", (req, res) -> {
                    access.admin(req);
                    json(res, 201, newKey(tenants.createKey("")));
                })
                .get("/v1/admin-keys", (req, res) -> {
                    access.admin(req);
                    json(res, 200, keys(""));
                })
                .delete("/v1/admin-keys/{id}", (req, res) -> {
                    access.admin(req);
                    String id = req.path().pathParameters().get("id");
                    revoke("", id, res);
                });
    }

    private void create(ServerRequest req, ServerResponse res) {
        access.admin(req);
        JsonNode body = Json.parse(body(req), "{\"name\": \"<namespace>\"}");
        JsonNode name = body.get("name");
        if (!body.isObject() || name == null || !name.isTextual()) {
            throw ApiException.badRequest("The body must be {\"name\": \"<namespace>\"}; field 'name' is missing or"
                    + " not a string");
        }
        String ns = Access.checkName(name.textValue());
        TenantStore.NewKey key = namespaces.create(ns).orElseThrow(() -> new ApiException(409, "Conflict",
                "Namespace '" + ns + "' exists already"));
        ObjectNode n = describe(tenants.namespace(ns).orElseThrow());
        n.set("key", newKey(key));
        json(res, 201, n);
    }

    private void delete(ServerRequest req, ServerResponse res) {
        access.admin(req);
        String ns = existing(req).name();
        if (ns.equals(TenantStore.DEFAULT_NAMESPACE)) {
            throw new ApiException(409, "Conflict", "Namespace 'default' cannot be deleted: admin calls act on it");
        }
        switch (namespaces.delete(ns)) {
            case NOT_FOUND -> throw access.unknownNamespace(ns);
            case HAS_FUNCTIONS -> throw new ApiException(409, "Conflict", "Namespace '" + ns + "' still has"
                    + " functions " + namespaces.functionNames(ns) + "; delete them first");
            case DELETED -> json(res, 200, Json.object().put("deleted", ns));
        }
    }

    private TenantStore.Namespace existing(ServerRequest req) {
        String ns = Access.checkName(req.path().pathParameters().get("ns"));
        return tenants.namespace(ns).orElseThrow(() -> access.unknownNamespace(ns));
    }

    private ObjectNode describe(TenantStore.Namespace n) {
        return Json.object().put("name", n.name()).put("createdAt", n.createdAt().toString())
                .put("functions", namespaces.functionNames(n.name()).size())
                .put("keys", tenants.keys(n.name()).stream().filter(TenantStore.KeyRecord::active).count());
    }

    private ObjectNode keys(String ns) {
        ObjectNode root = Json.object();
        ArrayNode arr = root.putArray("keys");
        for (TenantStore.KeyRecord k : tenants.keys(ns)) {
            ObjectNode o = arr.addObject().put("id", k.id()).put("createdAt", k.createdAt().toString());
            if (k.revokedAt() != null) {
                o.put("revokedAt", k.revokedAt().toString());
            }
        }
        return root;
    }

    private void revoke(String ns, String id, ServerResponse res) {
        if (!tenants.revoke(ns, id)) {
            throw ApiException.notFound("No active key '" + DeployRequest.printable(id) + "' in "
                    + (ns.isEmpty() ? "the admin keys" : "namespace '" + ns + "'") + "; keys: "
                    + tenants.keys(ns).stream().filter(TenantStore.KeyRecord::active)
                    .map(TenantStore.KeyRecord::id).toList());
        }
        json(res, 200, Json.object().put("revoked", id));
    }

    private static ObjectNode newKey(TenantStore.NewKey k) {
        ObjectNode o = Json.object().put("id", k.id()).put("key", k.key());
        if (!k.namespace().isEmpty()) {
            o.put("namespace", k.namespace());
        }
        return o;
    }

    private static byte[] body(ServerRequest req) {
        try {
            return req.content().inputStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void json(ServerResponse res, int status, JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.status(status).send(Json.bytes(body));
    }
}
