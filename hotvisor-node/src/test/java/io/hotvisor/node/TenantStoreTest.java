package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys are stored as SHA-256 hashes only, checked against them, revocable, and survive a reopen. */
class TenantStoreTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T21:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path data;

    private List<String> allFileContents() throws IOException {
        try (Stream<Path> files = Files.walk(data)) {
            return files.filter(Files::isRegularFile).map(f -> {
                try {
                    return Files.readString(f, StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void stores_only_the_sha256_of_a_key_never_the_key_or_its_secret() throws IOException {
        TenantStore store = TenantStore.open(data, CLOCK);
        store.createNamespace("team");
        TenantStore.NewKey key = store.createKey("team");

        assertThat(key.key()).matches("hv_[0-9a-f]{12}_[A-Za-z0-9_-]{43}").startsWith("hv_" + key.id() + "_");
        String expectedHash = HexFormat.of().formatHex(TenantStore.sha256(key.key()));
        assertThat(store.keys("team")).singleElement().satisfies(r -> assertThat(r.sha256()).isEqualTo(expectedHash));
        assertThat(allFileContents()).anySatisfy(text -> assertThat(text).contains(expectedHash))
                .noneSatisfy(text -> assertThat(text).contains(key.key().substring(16)));
    }

    @Test
    void authenticates_a_key_to_its_namespace_and_refuses_a_wrong_or_altered_one() {
        TenantStore store = TenantStore.open(data, CLOCK);
        store.createNamespace("team");
        TenantStore.NewKey key = store.createKey("team");
        TenantStore.NewKey admin = store.createKey("");

        assertThat(store.authenticate(key.key())).contains(new TenantStore.Caller(key.id(), "team"));
        assertThat(store.authenticate(admin.key())).hasValueSatisfying(c -> assertThat(c.admin()).isTrue());
        char last = key.key().charAt(key.key().length() - 1);
        String altered = key.key().substring(0, key.key().length() - 1) + (last == 'A' ? 'B' : 'A');
        assertThat(store.authenticate(altered)).isEmpty();
        assertThat(store.authenticate("hv_" + admin.id() + "_" + key.key().substring(16))).isEmpty();
        assertThat(store.authenticate("")).isEmpty();
        assertThat(store.authenticate("hv_")).isEmpty();
    }

    @Test
    void refuses_a_revoked_key_and_keeps_the_revocation_after_a_reopen() {
        TenantStore store = TenantStore.open(data, CLOCK);
        store.createNamespace("team");
        TenantStore.NewKey revoked = store.createKey("team");
        TenantStore.NewKey kept = store.createKey("team");

        assertThat(store.revoke("other", revoked.id())).as("only within its namespace").isFalse();
        assertThat(store.revoke("team", revoked.id())).isTrue();
        assertThat(store.revoke("team", revoked.id())).as("already revoked").isFalse();

        TenantStore reopened = TenantStore.open(data, CLOCK);
        assertThat(reopened.authenticate(revoked.key())).isEmpty();
        assertThat(reopened.authenticate(kept.key())).isPresent();
        assertThat(reopened.keys("team")).extracting(TenantStore.KeyRecord::revokedAt)
                .containsExactly(CLOCK.instant(), null);
    }

    @Test
    void accepts_the_environments_admin_key_without_storing_it() throws IOException {
        TenantStore store = TenantStore.open(data, CLOCK);
        assertThat(store.hasAdminKey()).isFalse();
        store.acceptEnvAdminKey("any-string-the-operator-chose");

        assertThat(store.hasAdminKey()).isTrue();
        assertThat(store.authenticate("any-string-the-operator-chose"))
                .hasValueSatisfying(c -> assertThat(c.admin()).isTrue());
        assertThat(allFileContents()).noneSatisfy(text -> assertThat(text).contains("any-string-the-operator-chose")
                .contains(HexFormat.of().formatHex(TenantStore.sha256("any-string-the-operator-chose"))));
        assertThat(TenantStore.open(data, CLOCK).authenticate("any-string-the-operator-chose")).isEmpty();
    }

    @Test
    void refuses_to_revoke_the_last_working_admin_key() {
        TenantStore store = TenantStore.open(data, CLOCK);
        TenantStore.NewKey only = store.createKey("");
        assertThatThrownBy(() -> store.revoke("", only.id())).isInstanceOf(ApiException.class)
                .hasMessage("Admin key '" + only.id() + "' is the last working admin key; make another"
                        + " (POST /v1/admin-keys) before revoking it");
        TenantStore.NewKey second = store.createKey("");
        assertThat(store.revoke("", only.id())).isTrue();
        assertThat(store.authenticate(second.key())).isPresent();
    }

    @Test
    void replaces_its_file_atomically_with_owner_only_permissions_and_leaves_no_temporary_file() throws IOException {
        TenantStore store = TenantStore.open(data, CLOCK);
        for (int i = 0; i < 5; i++) {
            store.createNamespace("ns-" + i);
            store.createKey("ns-" + i);
        }
        store.deleteNamespace("ns-0");

        Path file = data.resolve(TenantStore.FILE);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Stream<Path> files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(TenantStore.FILE);
        }
        TenantStore reopened = TenantStore.open(data, CLOCK);
        assertThat(reopened.namespaces()).extracting(TenantStore.Namespace::name)
                .containsExactly("default", "ns-1", "ns-2", "ns-3", "ns-4");
        assertThat(reopened.keys("ns-0")).as("a deleted namespace's keys go with it").isEmpty();
    }

    @Test
    void refuses_to_open_a_file_with_a_malformed_hash_naming_the_key() throws IOException {
        Files.writeString(data.resolve(TenantStore.FILE), "{\"format\":1,\"namespaces\":[],\"keys\":[{\"id\":\"abc\","
                + "\"namespace\":\"\",\"sha256\":\"short\",\"createdAt\":\"2026-11-23T21:00:00Z\"}]}");
        assertThatThrownBy(() -> TenantStore.open(data, CLOCK)).hasMessageContaining("Cannot read")
                .cause().hasMessageContaining("[abc]");
    }

    @Test
    void shares_every_change_and_adopts_another_nodes_state_without_echoing_it() throws IOException {
        java.util.List<String> shared = new java.util.ArrayList<>();
        TenantStore a = TenantStore.open(data, CLOCK);
        a.onChange(shared::add);
        a.createNamespace("team-a");
        TenantStore.NewKey key = a.createKey("team-a");
        assertThat(shared).hasSize(2);
        assertThat(shared.get(1)).contains(key.id()).doesNotContain(key.key());

        Path other = data.resolve("other-node");
        TenantStore b = TenantStore.open(other, CLOCK);
        java.util.List<String> echoed = new java.util.ArrayList<>();
        b.onChange(echoed::add);
        b.adopt(shared.get(1));
        assertThat(echoed).isEmpty();
        assertThat(b.authenticate(key.key())).contains(new TenantStore.Caller(key.id(), "team-a"));
        assertThat(TenantStore.open(other, CLOCK).authenticate(key.key())).as("kept on disk").isPresent();
    }

    @Test
    void adopting_a_state_without_namespace_default_keeps_default() {
        TenantStore store = TenantStore.open(data, CLOCK);
        store.adopt("{\"format\":1,\"namespaces\":[],\"keys\":[]}");
        assertThat(store.namespace(TenantStore.DEFAULT_NAMESPACE)).isPresent();
    }
}
