# What the Python bench scripts (bench/steady-mix.py, bench/settle.py) share: a node started from bin/hotvisor with an
# admin key, its HTTP API, and the hot-start bench's functions (bench/functions, the bench-functions jar) as deploy
# bodies. Imported from the script's own directory; not a script itself.
import base64, io, json, os, subprocess, sys, time, urllib.error, urllib.request, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def deploy_body(who, kind, lang, build):
    """The PUT /v1/functions body of the hot-start bench's KIND (word-count, json-transform) in LANG (js, python,
    java); WHO names the script in errors."""
    module = kind.replace("-", "_")
    if lang == "java":
        jar = "%s/examples/bench-functions/%s/hotvisor-bench-functions.jar" % (ROOT, build)
        if not os.path.isfile(jar):
            sys.exit("%s: %s is missing: build first (./mvnw -B -q install -DskipTests)" % (who, jar))
        return {"language": "java", "isolation": "process", "timeoutMs": 30000,
                "handler": "io.hotvisor.benchfunctions.%s::main" % ("WordCount" if kind == "word-count"
                                                                     else "JsonTransform"),
                "archive": base64.b64encode(open(jar, "rb").read()).decode()}
    folder, ext = ("js", ".js") if lang == "js" else ("python", ".py")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.write("%s/bench/functions/%s/%s%s" % (ROOT, folder, module, ext), module + ext)
        for data in ("words.js", "orders.js"):
            z.write("%s/bench/functions/data/%s" % (ROOT, data), data)
    return {"language": "javascript" if lang == "js" else "python", "handler": module + ".main",
            "archive": base64.b64encode(zipped.getvalue()).decode(), "timeoutMs": 30000}


class Node:
    """A node on 127.0.0.1:PORT with its data in DATA_DIR and its output in LOG_PATH, started at once; WHO names the
    script in errors (each exits the script)."""

    def __init__(self, who, port, key, build, data_dir, cli_config, log_path, args=(), java_opts=None):
        self.who, self.key, self.build, self.log_path = who, key, build, log_path
        self.url = "http://127.0.0.1:%d" % port
        env = dict(os.environ, HOTVISOR_ADMIN_KEY=key, HOTVISOR_BUILD_DIR=build)
        if java_opts is not None:
            env["HOTVISOR_JAVA_OPTS"] = java_opts
        with open(log_path, "w") as log:
            self.process = subprocess.Popen([ROOT + "/bin/hotvisor", "node", "--port", str(port), "--data-dir",
                                             data_dir, "--cli-config", cli_config] + list(args),
                                            env=env, stdout=log, stderr=log)

    def req(self, method, path, body=None):
        """(status, body bytes, headers) of one request with the admin key; HTTP errors are answers too."""
        r = urllib.request.Request(self.url + path, method=method, data=None if body is None else body.encode(),
                                   headers={"Authorization": "Bearer " + self.key,
                                            "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(r, timeout=120) as resp:
                return resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def wait_ready(self):
        for _ in range(900):
            try:
                if self.req("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                sys.exit("%s: the node exited; see %s" % (self.who, self.log_path))
            time.sleep(0.2)

    def deploy(self, kind, lang):
        """Deploys the bench function KIND in LANG as KIND-LANG; returns that name."""
        name = kind + "-" + lang
        status, body, _ = self.req("PUT", "/v1/functions/" + name,
                                   json.dumps(deploy_body(self.who, kind, lang, self.build)))
        if status != 201:
            sys.exit("%s: deploy of %s answered %d: %s" % (self.who, name, status, body[:300]))
        return name

    def invoke(self, name):
        """Invokes NAME with the benches' event; returns the answer's headers."""
        status, body, headers = self.req("POST", "/v1/functions/%s/invoke" % name, '{"seed":42}')
        if status != 200:
            sys.exit("%s: %s answered %d: %s" % (self.who, name, status, body[:300]))
        return headers

    def stop(self):
        self.process.terminate()
        self.process.wait()
