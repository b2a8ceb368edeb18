// Hotvisor's guest-side wrapper for JavaScript functions: parsed once per engine, evaluated first in every
// sandbox. Its members are called by PolyglotSandbox; see PolyglotLanguage for the protocol.
(function () {
    'use strict';
    const g = globalThis;
    const PENDING = Object.freeze({ pending: true });
    const timers = [];
    let nextTimerId = 1;
    let module = null;
    let dirName = null;
    let moduleRequire = null;
    let lookup = null;
    let handler = null;
    let pending = null;

    function describe(e) {
        if (e instanceof Error) {
            const type = (e.constructor && typeof e.constructor.name === 'string' && e.constructor.name) || e.name || 'Error';
            return [type, String(e.message)];
        }
        let message;
        try {
            message = typeof e === 'string' ? e : JSON.stringify(e);
        } catch (ignored) {
            message = undefined;
        }
        return ['Error', message === undefined ? String(e) : message];
    }

    function encode(value) {
        if (value === undefined) {
            return null;
        }
        const type = typeof value;
        if (type === 'function' || type === 'symbol') {
            throw new TypeError(`The handler's result is a ${type}, which JSON cannot encode`);
        }
        let text;
        try {
            text = JSON.stringify(value);
        } catch (e) {
            throw new TypeError(`The handler's result cannot be encoded as JSON: ${e.message}`);
        }
        return text === undefined ? null : text;
    }

    function setTimeout(fn, ms, ...args) {
        if (typeof fn !== 'function') {
            throw new TypeError('The "callback" argument must be of type function');
        }
        const id = nextTimerId++;
        timers.push({ id, due: Date.now() + Math.max(0, Number(ms) || 0), fn, args });
        return id;
    }

    function clearTimeout(id) {
        const i = timers.findIndex(t => t.id === id);
        if (i >= 0) {
            timers.splice(i, 1);
        }
    }

    return {
        init(envJson, mainFile, bundleRoot) {
            const env = JSON.parse(envJson);
            const dir = bundleRoot === '' ? '.' : mainFile.substring(0, mainFile.lastIndexOf('/'));
            // GraalJS has no `process`: functions written for Node read process.env, so give them a minimal one.
            g.process = Object.freeze({
                env,
                argv: [],
                platform: 'linux',
                version: 'v20.0.0',
                versions: Object.freeze({}),
                cwd: () => bundleRoot === '' ? '/' : bundleRoot,
                nextTick: (fn, ...args) => { Promise.resolve().then(() => fn(...args)); },
                exit: () => { throw new Error('process.exit() is not available in a Hotvisor function'); },
            });
            module = { id: '.', filename: mainFile, loaded: false, exports: {} };
            dirName = dir;
            g.setTimeout = setTimeout;
            g.clearTimeout = clearTimeout;
            g.setImmediate = (fn, ...args) => setTimeout(fn, 0, ...args);
            g.clearImmediate = clearTimeout;
            // Bundles get GraalJS's CommonJS require (js.commonjs-require, rooted at the bundle).
            moduleRequire = bundleRoot !== '' ? g.require : function require(name) {
                const e = new Error(`Cannot find module '${name}': a single-file function has no node_modules; deploy a bundle`);
                e.code = 'MODULE_NOT_FOUND';
                throw e;
            };
        },

        // `moduleFunction` is the function's file as JavaScriptRuntime wrapped it: Node's module function, which
        // returns a lookup of the file's top-level bindings (0: the handler's name, 1: main).
        load(moduleFunction) {
            lookup = moduleFunction.call(module.exports, module.exports, moduleRequire, module, module.filename, dirName);
            module.loaded = true;
        },

        resolve(name) {
            const exported = module.exports;
            const hasExport = exported != null && Object.prototype.hasOwnProperty.call(Object(exported), name);
            let fn = hasExport ? exported[name] : undefined;
            if (!hasExport && typeof lookup === 'function') {
                // OpenWhisk's top-level `function main(params)`, not exported.
                fn = lookup(0);
            }
            if (fn === undefined) {
                const names = exported != null && typeof exported === 'object' ? Object.keys(exported) : [];
                if (typeof lookup === 'function' && lookup(1) !== undefined && !names.includes('main')) {
                    names.push('main');
                }
                return 'missing:' + JSON.stringify(names);
            }
            if (typeof fn !== 'function') {
                return 'notfunction:' + (fn === null ? 'null' : typeof fn);
            }
            handler = fn;
            return 'ok';
        },

        invoke(eventJson, invocationId, functionName, version, memoryMb, remainingMs) {
            timers.length = 0;
            pending = null;
            const event = eventJson == null ? null : JSON.parse(eventJson);
            const start = Date.now();
            const context = {
                functionName,
                functionVersion: String(version),
                memoryLimitInMB: String(memoryMb),
                awsRequestId: invocationId,
                invocationId,
                callbackWaitsForEmptyEventLoop: true,
                getRemainingTimeInMillis: () => Math.max(0, remainingMs - (Date.now() - start)),
            };
            let result;
            if (handler.length >= 3) {
                // Lambda's callback style: handler(event, context, callback).
                result = new Promise((resolve, reject) => {
                    const r = handler(event, context, (error, value) => error != null ? reject(error) : resolve(value));
                    if (r != null && typeof r.then === 'function') {
                        r.then(resolve, reject);
                    }
                });
            } else {
                result = handler(event, context);
            }
            if (result == null || (typeof result !== 'object' && typeof result !== 'function') || typeof result.then !== 'function') {
                return encode(result);
            }
            const state = { settled: false, ok: false, value: undefined };
            pending = state;
            Promise.resolve(result).then(
                v => { state.settled = true; state.ok = true; state.value = v; },
                e => { state.settled = true; state.value = e; });
            return PENDING;
        },

        // -1: the pending result is settled; -2: nothing can settle it; else ms until the next timer is due.
        poll() {
            if (pending.settled) {
                return -1;
            }
            if (timers.length === 0) {
                return -2;
            }
            let due = Infinity;
            for (const t of timers) {
                due = Math.min(due, t.due);
            }
            return Math.max(0, due - Date.now());
        },

        runTimers() {
            const now = Date.now();
            const due = timers.filter(t => t.due <= now).sort((a, b) => a.due - b.due || a.id - b.id);
            for (const t of due) {
                clearTimeout(t.id);
                t.fn(...t.args);
            }
        },

        result() {
            const state = pending;
            pending = null;
            timers.length = 0;
            if (!state.ok) {
                throw state.value;
            }
            return encode(state.value);
        },

        describe,
    };
})()
