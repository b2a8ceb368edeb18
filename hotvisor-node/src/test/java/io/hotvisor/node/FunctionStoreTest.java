package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hotvisor.runtime.FunctionCode;
import io.hotvisor.runtime.FunctionConfig;
import io.hotvisor.runtime.Language;

/** The store leaves the old version or the new one wherever a deploy dies, never a broken one. */
class FunctionStoreTest {
    @TempDir
    Path data;

    private static DeployRequest source(String name, String code) {
        return new DeployRequest(FunctionConfig.builder(name, Language.JAVASCRIPT, "index.handler").build(), code,
                null);
    }

    private static String code(StoredFunction f) {
        return ((FunctionCode.SourceText) f.definition().code()).text();
    }

    @Test
    void keeps_a_sample_and_a_steady_state_beside_the_versions_until_the_function_is_deleted() throws Exception {
        FunctionStore store = FunctionStore.open(data);
        store.samples("f", List.of("{\"a\":1}")); // no such function: ignored
        assertThat(store.samples("f")).isEmpty();
        store.commit(store.stage(source("f", "v1"), Instant.now()));
        store.samples("f", List.of("{\"a\":1}", "[2]"));
        store.steadyState("f", 1, 1234);

        store.commit(store.stage(source("f", "v2"), Instant.now()));
        FunctionStore reopened = FunctionStore.open(data); // cleans up: the two files stay
        assertThat(reopened.samples("f")).containsExactly("{\"a\":1}", "[2]");
        assertThat(reopened.steadyState("f", 1)).isEqualTo(1234);
        assertThat(reopened.steadyState("f", 2)).as("another version's").isZero();

        reopened.dropSamples("f");
        assertThat(reopened.samples("f")).isEmpty();
        reopened.samples("f", List.of("3"));
        assertThat(reopened.delete("f")).isTrue();
        assertThat(reopened.samples("f")).isEmpty();
        assertThat(reopened.steadyState("f", 1)).isZero();
    }

    @Test
    void keeps_the_old_version_when_a_deploy_dies_after_staging_the_new_one() {
        FunctionStore store = FunctionStore.open(data);
        store.commit(store.stage(source("f", "v1"), Instant.now()));
        store.stage(source("f", "v2"), Instant.now()); // written beside, never made live: the node dies here

        FunctionStore reopened = FunctionStore.open(data);
        assertThat(reopened.get("f")).hasValueSatisfying(f -> {
            assertThat(f.version()).isEqualTo(1);
            assertThat(code(f)).isEqualTo("v1");
        });
        assertThat(data.resolve("functions/f/v2")).doesNotExist();
        reopened.commit(reopened.stage(source("f", "v2 again"), Instant.now()));
        assertThat(code(FunctionStore.open(data).get("f").orElseThrow())).isEqualTo("v2 again");
    }

    @Test
    void replaces_a_copy_whose_description_a_crash_left_unreadable() throws IOException {
        FunctionStore store = FunctionStore.open(data);
        store.commit(store.stage(source("f", "v1"), Instant.now(), false), false);
        Files.writeString(data.resolve("functions/f/v1/function.json"), ""); // not on disk yet when the machine died

        FunctionStore reopened = FunctionStore.open(data);
        assertThat(reopened.list()).isEmpty();
        reopened.commit(reopened.stage(source("f", "v1 again"), Instant.now(), false), false);
        assertThat(FunctionStore.open(data).get("f")).hasValueSatisfying(f -> {
            assertThat(f.version()).isEqualTo(2);
            assertThat(code(f)).isEqualTo("v1 again");
        });
    }

    @Test
    void keeps_a_functions_isolation_across_a_reopen_and_reads_older_metadata_as_node() throws IOException {
        FunctionStore store = FunctionStore.open(data);
        store.commit(store.stage(new DeployRequest(FunctionConfig.builder("p", Language.JAVA, "a.B")
                .isolation(io.hotvisor.runtime.Isolation.PROCESS).build(), "class B {}", null), Instant.now()));
        store.commit(store.stage(source("old", "x"), Instant.now()));
        Path meta = data.resolve("functions/old/v1/function.json");
        Files.writeString(meta, Files.readString(meta).replace("\"isolation\":\"node\",", ""));

        FunctionStore reopened = FunctionStore.open(data);
        assertThat(reopened.get("p").orElseThrow().config().isolation()).isEqualTo(io.hotvisor.runtime.Isolation.PROCESS);
        assertThat(reopened.get("old").orElseThrow().config().isolation()).isEqualTo(io.hotvisor.runtime.Isolation.NODE);
        assertThat(Files.readString(meta)).doesNotContain("isolation");
    }

    @Test
    void keeps_a_snapshot_opt_out_across_a_reopen_and_reads_older_metadata_as_snapshots_allowed() throws IOException {
        FunctionStore store = FunctionStore.open(data);
        store.commit(store.stage(new DeployRequest(FunctionConfig.builder("p", Language.JAVA, "a.B")
                .isolation(io.hotvisor.runtime.Isolation.PROCESS).snapshots(false).build(), "class B {}", null),
                Instant.now()));
        store.commit(store.stage(source("old", "x"), Instant.now()));
        Path meta = data.resolve("functions/old/v1/function.json");
        Files.writeString(meta, Files.readString(meta).replace(",\"snapshots\":true", ""));

        FunctionStore reopened = FunctionStore.open(data);
        assertThat(reopened.get("p").orElseThrow().config().snapshots()).isFalse();
        assertThat(FunctionStore.toJson(reopened.get("p").orElseThrow()).path("snapshots").asBoolean(true)).isFalse();
        assertThat(reopened.get("old").orElseThrow().config().snapshots()).isTrue();
        assertThat(Files.readString(meta)).doesNotContain("snapshots");
    }

    @Test
    void has_the_new_version_once_it_is_committed_even_if_the_old_one_was_never_removed() {
        FunctionStore store = FunctionStore.open(data);
        store.commit(store.stage(source("f", "v1"), Instant.now()));
        store.commit(store.stage(source("f", "v2"), Instant.now())); // dies before removing v1

        FunctionStore reopened = FunctionStore.open(data);
        assertThat(code(reopened.get("f").orElseThrow())).isEqualTo("v2");
        assertThat(data.resolve("functions/f/v1")).doesNotExist();
    }

    @Test
    void forgets_a_first_deploy_that_died_before_it_was_committed_and_half_written_files() throws IOException {
        FunctionStore store = FunctionStore.open(data);
        store.stage(source("never", "x"), Instant.now());
        store.commit(store.stage(source("kept", "k"), Instant.now()));
        Files.createDirectories(data.resolve("functions/kept/v2.staging/code"));
        Files.writeString(data.resolve("functions/kept/current.tmp"), "9");

        FunctionStore reopened = FunctionStore.open(data);
        assertThat(reopened.get("never")).isEmpty();
        assertThat(data.resolve("functions/never")).doesNotExist();
        assertThat(reopened.list()).extracting(StoredFunction::name).containsExactly("kept");
        assertThat(data.resolve("functions/kept/v2.staging")).doesNotExist();
        assertThat(code(reopened.get("kept").orElseThrow())).isEqualTo("k");
    }

    @Test
    void refuses_a_bundle_entry_that_leaves_the_bundle_and_keeps_nothing_of_it() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("index.js"));
            zip.write("exports.handler = () => 1;".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("../../escaped.js"));
            zip.write("x".getBytes(StandardCharsets.UTF_8));
        }
        FunctionStore store = FunctionStore.open(data);
        DeployRequest slip = new DeployRequest(
                FunctionConfig.builder("slip", Language.JAVASCRIPT, "index.handler").build(), null, bytes.toByteArray());
        assertThatThrownBy(() -> store.stage(slip, Instant.now())).isInstanceOf(ApiException.class)
                .hasMessageContaining("'../../escaped.js' whose path leaves the bundle");
        assertThat(data.resolve("escaped.js")).doesNotExist();
        assertThat(FunctionStore.open(data).get("slip")).isEmpty();
    }

    @Test
    void deletes_a_function_atomically() {
        FunctionStore store = FunctionStore.open(data);
        store.commit(store.stage(source("gone", "x"), Instant.now()));
        assertThat(store.delete("gone")).isTrue();
        assertThat(store.delete("gone")).isFalse();
        assertThat(FunctionStore.open(data).list()).isEmpty();
    }
}
