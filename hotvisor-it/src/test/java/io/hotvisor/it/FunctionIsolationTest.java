package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one function can see of another, and of earlier invocations: files (each bundle read-only, nothing outside
 * it), globals and module caches, and with {@code "sandbox": "fresh"} nothing an earlier invocation left behind.
 */
class FunctionIsolationTest {
    private static NodeProcess node;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        node = NodeProcess.start();
        http = node.http();
        Probe.deploy(http);
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static byte[] zip(Map<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static final String PY_FILES = """
            import os
            def handler(event, context):
                out = {}
                def attempt(key, action):
                    try:
                        out[key] = 'read ' + str(action())[:40]
                    except BaseException as e:
                        out[key] = 'refused ' + type(e).__name__
                here = os.getcwd()
                functions = os.path.dirname(os.path.dirname(os.path.dirname(here)))
                attempt('own', lambda: open('secret.txt').read())
                attempt('writeOwn', lambda: open('secret.txt', 'w').write('x'))
                attempt('createOwn', lambda: open('new.txt', 'w').write('x'))
                attempt('deleteOwn', lambda: os.remove('secret.txt'))
                attempt('mkdirOwn', lambda: os.mkdir('d'))
                attempt('other', lambda: open(functions + '/files-js/v1/code/secret.txt').read())
                attempt('listOther', lambda: os.listdir(functions + '/files-js/v1/code'))
                attempt('metadata', lambda: open(here + '/../function.json').read())
                attempt('dataDir', lambda: os.listdir(functions))
                attempt('symlink', lambda: os.symlink('/etc/passwd', 'passwd'))
                return out
            """;

    private static final String JS_FILES = """
            exports.handler = async () => {
              const out = {};
              const attempt = (key, action) => {
                try { out[key] = 'read ' + String(action()).slice(0, 40); } catch (e) { out[key] = 'refused ' + e.name; }
              };
              const functions = __dirname.split('/').slice(0, -3).join('/');
              attempt('own', () => require('./secret.json').secret);
              attempt('ownByLoad', () => load(__dirname + '/plain.js'));
              attempt('other', () => load(functions + '/files-py/v1/code/secret.txt'));
              attempt('otherByRequire', () => require(functions + '/files-py/v1/code/app.py'));
              attempt('metadata', () => require(__dirname + '/../function.json'));
              attempt('passwd', () => load('/etc/passwd'));
              attempt('requireUp', () => require('../../../../../../../../etc/passwd'));
              attempt('fsModule', () => require('fs'));
              return out;
            };
            """;

    @Test
    void lets_a_bundle_read_only_its_own_files_and_write_none() {
        http.deployArchive("files-js", "javascript", "index.handler", zip(Map.of("index.js", JS_FILES,
                "secret.json", "{\"secret\":\"js-secret\"}", "plain.js", "'plain'")), Map.of());
        http.deployArchive("files-py", "python", "app.handler", zip(Map.of("app.py", PY_FILES,
                "secret.txt", "py-secret")), Map.of());

        JsonNode py = http.invoke("files-py", "{}").json();
        assertThat(py.path("own").asText()).isEqualTo("read py-secret");
        for (String refused : new String[] {"writeOwn", "createOwn", "deleteOwn", "mkdirOwn"}) {
            assertThat(py.path(refused).asText()).as(refused).isEqualTo("refused PermissionError");
        }
        for (String outside : new String[] {"other", "listOther", "metadata", "dataDir"}) {
            assertThat(py.path(outside).asText()).as(outside).isEqualTo("refused PermissionError");
        }
        assertThat(py.path("symlink").asText()).startsWith("refused");

        JsonNode js = http.invoke("files-js", "{}").json();
        assertThat(js.path("own").asText()).isEqualTo("read js-secret");
        assertThat(js.path("ownByLoad").asText()).isEqualTo("read plain");
        for (String outside : new String[] {"other", "otherByRequire", "metadata", "passwd", "requireUp", "fsModule"}) {
            assertThat(js.path(outside).asText()).as(outside).startsWith("refused");
        }
        // The bundle is unchanged: still readable, as deployed.
        assertThat(http.invoke("files-py", "{}").json().path("own").asText()).isEqualTo("read py-secret");
        Probe.assertServes(http);
    }

    @Test
    void keeps_globals_prototypes_and_module_caches_apart_between_functions() {
        http.deploySource("polluter-js", "javascript", "index.handler", """
                exports.handler = async () => {
                  globalThis.shared = 'polluter';
                  Object.prototype.polluted = 'yes';
                  JSON.stringify = () => '"hijacked"';
                  return 1;
                };""", Map.of());
        http.deploySource("victim-js", "javascript", "index.handler",
                "exports.handler = async () => ({ shared: typeof shared, polluted: ({}).polluted === undefined });",
                Map.of());
        http.deploySource("polluter-py", "python", "app.handler", """
                import builtins, sys, json, types
                def handler(event, context):
                    builtins.shared = 'polluter'
                    sys.modules['injected'] = types.ModuleType('injected')
                    json.dumps = lambda *a, **k: '"hijacked"'
                    return 1
                """, Map.of());
        http.deploySource("victim-py", "python", "app.handler", """
                import builtins, sys
                def handler(event, context):
                    return {'shared': hasattr(builtins, 'shared'), 'injected': 'injected' in sys.modules}
                """, Map.of());
        assertThat(http.invoke("polluter-js", "{}").status()).isEqualTo(200);
        assertThat(http.invoke("polluter-py", "{}").status()).isEqualTo(200);

        JsonNode js = http.invoke("victim-js", "{}").json();
        assertThat(js.path("shared").asText()).isEqualTo("undefined");
        assertThat(js.path("polluted").asBoolean()).isTrue();
        JsonNode py = http.invoke("victim-py", "{}").json();
        assertThat(py.path("shared").asBoolean()).isFalse();
        assertThat(py.path("injected").asBoolean()).isFalse();
        Probe.assertServes(http);
    }

    @Test
    void leaves_nothing_behind_for_the_next_invocation_with_a_fresh_sandbox() {
        http.deploySource("fresh-js", "javascript", "index.handler", """
                exports.handler = async () => {
                  const seen = { mark: typeof globalThis.mark, polluted: ({}).polluted === undefined ? 'clean' : 'dirty',
                                 late: typeof globalThis.late, array: typeof Array.prototype.evil };
                  globalThis.mark = 1;
                  Object.prototype.polluted = 1;
                  Array.prototype.evil = () => 1;
                  setTimeout(() => { globalThis.late = 1; }, 0);
                  return seen;
                };""", Map.of("sandbox", "fresh", "concurrency", 1));
        for (int i = 0; i < 3; i++) {
            JsonNode seen = http.invoke("fresh-js", "{}").json();
            assertThat(seen.path("mark").asText()).isEqualTo("undefined");
            assertThat(seen.path("polluted").asText()).isEqualTo("clean");
            assertThat(seen.path("late").asText()).isEqualTo("undefined");
            assertThat(seen.path("array").asText()).isEqualTo("undefined");
        }
        http.deployArchive("fresh-java", "java", "counter.Counter::main",
                Fixtures.compileJar(Fixtures.dir("java-counter")), Map.of("sandbox", "fresh", "concurrency", 1));
        for (int i = 0; i < 3; i++) {
            assertThat(http.invoke("fresh-java", "{}").json().path("n").asInt()).isEqualTo(1);
        }
        Probe.assertServes(http);
    }

    @Test
    void never_runs_a_timer_after_its_invocation_has_answered() {
        http.deploySource("timers-js", "javascript", "index.handler", """
                exports.handler = async () => {
                  const before = globalThis.late || 0;
                  setTimeout(() => { globalThis.late = (globalThis.late || 0) + 1; }, 0);
                  return { late: before };
                };""", Map.of("concurrency", 1));
        for (int i = 0; i < 3; i++) {
            assertThat(http.invoke("timers-js", "{}").json().path("late").asInt()).isZero();
        }
        Probe.assertServes(http);
    }
}
