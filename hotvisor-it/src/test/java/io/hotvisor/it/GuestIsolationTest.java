package io.hotvisor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guest code trying to get out of its sandbox, one attack per row, on a real node: host classes, reflection,
 * native code, processes, threads, the network, the environment and files. Each guest tries the attack inside
 * {@code try}; the row says how it must be refused: the guest sees its own language's error (200 with
 * {@code escaped: false} and the error's text), or the invocation fails as {@code SandboxViolation} (502) when the
 * refusal cannot be caught by the guest. After each, a probe function still answers correctly.
 *
 * <p>Files and isolation between functions and invocations are in {@link FunctionIsolationTest}.
 */
class GuestIsolationTest {
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

    /** A JavaScript handler that evaluates {@code attack} (statements ending in {@code v = ...}) and says what happened. */
    private static String js(String attack) {
        return "exports.handler = async () => { let v; try { " + attack + "; return { escaped: true, v: String(v) }; }"
                + " catch (e) { return { escaped: false, error: String(e) }; } };";
    }

    /** The same in Python: {@code attack} is lines that assign {@code v}. */
    private static String py(String attack) {
        StringBuilder b = new StringBuilder("def handler(event, context):\n    try:\n");
        for (String line : attack.split("\n")) {
            b.append("        ").append(line).append('\n');
        }
        return b.append("        return {'escaped': True, 'v': str(v)[:200]}\n")
                .append("    except BaseException as e:\n")
                .append("        return {'escaped': False, 'error': type(e).__name__ + ': ' + str(e)}\n").toString();
    }

    /**
     * label, language, code, and the refusal: "caught:<text>" (the guest caught an error containing text) or
     * "violation:<text>" (502 SandboxViolation whose message contains text).
     */
    static Stream<Arguments> attacks() {
        return Stream.of(
                // Host Java classes and other languages
                Arguments.of("js host class through Java.type", "javascript",
                        js("v = Java.type('java.lang.System')"), "caught:Access to host class java.lang.System is not allowed"),
                Arguments.of("js host class through Packages", "javascript",
                        js("v = Packages.java.lang.Runtime.getRuntime()"), "caught:TypeError"),
                Arguments.of("js host class through the Function constructor's global", "javascript",
                        js("v = (function () {}).constructor('return this')().Java.type('java.lang.Runtime')"),
                        "caught:Access to host class java.lang.Runtime is not allowed"),
                Arguments.of("js class loading through Java.addToClasspath", "javascript",
                        js("Java.addToClasspath('/tmp'); v = 1"), "caught:Error"),
                Arguments.of("js Polyglot.eval of another language", "javascript",
                        js("v = Polyglot.eval('python', '1 + 1')"), "caught:Polyglot is not defined"),
                Arguments.of("python import java", "python",
                        py("import java\nv = java.type('java.lang.System')"), "caught:access has been denied"),
                Arguments.of("python polyglot.eval of another language", "python",
                        py("import polyglot\nv = polyglot.eval(language='js', string='1 + 1')"),
                        "caught:polyglot access is not allowed"),
                Arguments.of("python polyglot.import_value", "python",
                        py("import polyglot\nv = polyglot.import_value('anything')"), "caught:polyglot access is not allowed"),
                // Native code
                Arguments.of("python ctypes", "python",
                        py("import ctypes\nv = ctypes.CDLL(None)"), "caught:ImportError"),
                Arguments.of("python _ctypes.dlopen", "python",
                        py("import _ctypes\nv = _ctypes.dlopen('libc.so.6')"), "violation:loading native code"),
                // Processes
                Arguments.of("js require child_process", "javascript",
                        js("v = require('child_process').execSync('id')"), "caught:Cannot find module 'child_process'"),
                Arguments.of("js process.exit", "javascript",
                        js("process.exit(1); v = 1"), "caught:process.exit() is not available"),
                Arguments.of("python os.system", "python",
                        py("import os\nv = os.system('id')"), "violation:creating a process"),
                Arguments.of("python posix.system", "python",
                        py("import posix\nv = posix.system('id')"), "violation:creating a process"),
                Arguments.of("python subprocess", "python",
                        py("import subprocess\nv = subprocess.run(['id'], capture_output=True)"),
                        "caught:PermissionError"),
                Arguments.of("python os.fork", "python",
                        py("import os\nv = os.fork()"), "caught:has no attribute 'fork'"),
                Arguments.of("python os.kill of the node", "python",
                        py("import os\nos.kill(os.getpid(), 9)\nv = 1"), "caught:ProcessLookupError"),
                Arguments.of("python os._exit", "python",
                        py("import os\nos._exit(3)\nv = 1"), "violation:exiting the process"),
                // Signals: GraalPy's reach the node's JVM (before 2026-11-26 this stopped the node)
                Arguments.of("python raise_signal SIGTERM at the node", "python",
                        py("import signal\nsignal.raise_signal(signal.SIGTERM)\nv = 1"),
                        "caught:PermissionError: signal.raise_signal is not available"),
                Arguments.of("python the node's SIGTERM handler replaced", "python",
                        py("import signal\nv = signal.signal(signal.SIGTERM, signal.SIG_IGN)"),
                        "caught:PermissionError: signal.signal is not available"),
                Arguments.of("python _signal imported afresh", "python",
                        py("import sys\nsys.modules.pop('_signal', None)\nimport _signal\n"
                                + "v = _signal.raise_signal(15)"),
                        "caught:PermissionError: signal.raise_signal is not available"),
                // Threads
                Arguments.of("js Worker", "javascript",
                        js("v = new Worker('x.js')"), "caught:Worker is not defined"),
                Arguments.of("python threading", "python",
                        py("import threading\nt = threading.Thread(target=print)\nt.start()\nv = t"),
                        "violation:creating a thread"),
                Arguments.of("python _thread", "python",
                        py("import _thread\nv = _thread.start_new_thread(print, ())"), "violation:creating a thread"),
                // Network
                Arguments.of("js fetch", "javascript",
                        js("v = fetch('http://127.0.0.1/')"), "caught:fetch is not defined"),
                Arguments.of("js XMLHttpRequest", "javascript",
                        js("v = new XMLHttpRequest()"), "caught:XMLHttpRequest is not defined"),
                Arguments.of("python socket to the node", "python",
                        py("import socket\nv = socket.create_connection(('127.0.0.1', " + node.port() + "))"),
                        "violation:network"),
                Arguments.of("python urllib", "python",
                        py("import urllib.request\nv = urllib.request.urlopen('http://127.0.0.1:" + node.port()
                                + "/healthz').read()"), "violation:network"),
                // Files outside the bundle (a single-file function has none)
                Arguments.of("js load /etc/passwd", "javascript",
                        js("v = load('/etc/passwd')"), "caught:Error"),
                Arguments.of("python read /etc/passwd", "python",
                        py("v = open('/etc/passwd').read()"), "caught:PermissionError"),
                Arguments.of("python read the node's environment in /proc", "python",
                        py("v = open('/proc/self/environ').read()"), "caught:PermissionError"),
                Arguments.of("python write /tmp", "python",
                        py("v = open('/tmp/hotvisor-escaped', 'w').write('x')"), "caught:PermissionError"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void refuses_the_attack_and_keeps_serving(String label, String language, String code, String refusal) {
        String name = "atk-" + Integer.toHexString(label.hashCode());
        // A long timeout: importing urllib or subprocess in a new GraalPy context takes tens of seconds on a loaded
        // machine, and the timeout is not what is tested here.
        http.deploySource(name, language, language.equals("python") ? "app.handler" : "index.handler", code,
                Map.of("timeoutMs", 100_000));
        Http.Response r = http.invoke(name, "{}");
        String expected = refusal.substring(refusal.indexOf(':') + 1);
        if (refusal.startsWith("caught:")) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("escaped").asBoolean()).as(r.toString()).isFalse();
            assertThat(r.json().path("error").asText()).contains(expected);
        } else {
            assertThat(r.status()).as(r.toString()).isEqualTo(502);
            JsonNode e = r.json().path("error");
            assertThat(e.path("type").asText()).isEqualTo("SandboxViolation");
            assertThat(e.path("class").asText()).isEqualTo("function_error");
            assertThat(e.path("message").asText()).contains("'" + name + "'", expected);
            // Refused again on the next invocation, in a new sandbox: nothing was left half-done.
            assertThat(http.invoke(name, "{}").status()).isEqualTo(502);
        }
        Probe.assertServes(http);
        assertThat(node.isAlive()).isTrue();
    }

    static Stream<Arguments> environments() {
        return Stream.of(
                Arguments.of("javascript", "exports.handler = async () => process.env;"),
                Arguments.of("python", "import os\ndef handler(event, context):\n    return dict(os.environ)\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("environments")
    void shows_a_guest_only_its_own_environment(String language, String code) {
        String name = "env-" + language;
        http.deploySource(name, language, language.equals("python") ? "app.handler" : "index.handler", code,
                Map.of("env", Map.of("MINE", "yes")));
        JsonNode env = http.invoke(name, "{}").json();
        assertThat(env.path("MINE").asText()).isEqualTo("yes");
        assertThat(env.has("PATH")).isFalse();
        assertThat(env.has("HOME")).isFalse();
        assertThat(env.has("HOTVISOR_BUILD_DIR")).isFalse();
        assertThat(env.has("HOTVISOR_ADMIN_KEY")).isFalse();
        // GraalPy sets this one in every context it makes; it is its own, not the host's.
        assertThat(env.properties()).extracting(Map.Entry::getKey)
                .isSubsetOf("MINE", "UNSAFE_PYO3_SKIP_VERSION_CHECK");
        Probe.assertServes(http);
    }

    /**
     * Java sees its {@code env} through {@code System.getenv()} in both isolations: in a worker JVM that is its whole
     * process environment; in the node, woven redirects answer with it instead of the node's (which holds
     * HOTVISOR_ADMIN_KEY). System properties naming the node's paths or command line read as unset in the node.
     */
    @ParameterizedTest(name = "java, isolation {0}")
    @ValueSource(strings = {"node", "process"})
    void shows_a_java_function_only_its_own_environment(String isolation) {
        String name = "env-java-" + isolation;
        http.deployArchive(name, "java", "attacks.Attacks::env",
                Fixtures.compileJar(Fixtures.dir("java-attacks")),
                Map.of("env", Map.of("MINE", "yes"), "isolation", isolation, "timeoutMs", 100_000));
        Http.Response r = http.invoke(name, "{}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode seen = r.json();
        assertThat(seen.path("env").toString()).isEqualTo("{\"MINE\":\"yes\"}");
        assertThat(seen.path("adminKey").asText()).isEqualTo("null");
        assertThat(seen.path("path").asText()).isEqualTo("null");
        if (isolation.equals("node")) {
            assertThat(seen.path("userDir").asText()).isEqualTo("null");
            assertThat(seen.path("command").asText()).isEqualTo("null");
        }
        assertThat(r.body()).doesNotContain(NodeProcess.ADMIN_KEY);
        Probe.assertServes(http);
    }
}
