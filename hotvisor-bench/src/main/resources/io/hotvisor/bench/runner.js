// Baseline runner for Node.js: one process per function instance, one request at a time, in the style of
// OpenWhisk's action proxy. POST /init {"dir","module","entry","name"} loads the function; POST /run with the event
// JSON as body answers the result JSON (200) or {"error":{"type","message"}} (502). Usage: node runner.js PORT_FILE
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

let fn = null;
let name = 'function';

function describe(e) {
  if (e instanceof Error) {
    return { type: (e.constructor && e.constructor.name) || e.name || 'Error', message: String(e.message) };
  }
  return { type: 'Error', message: typeof e === 'string' ? e : JSON.stringify(e) };
}

function reply(res, status, value) {
  const body = value === undefined ? 'null' : JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req, body) {
  if (req.url === '/init') {
    const init = JSON.parse(body);
    name = init.name;
    const mod = require(path.join(init.dir, init.module));
    const f = mod[init.entry] || (init.entry === 'main' && typeof mod === 'function' ? mod : undefined);
    if (typeof f !== 'function') {
      throw Object.assign(new Error(`Handler '${init.entry}' not found in ${init.module}.js; exported: [${Object.keys(mod)}]`),
        { name: 'HandlerNotFound' });
    }
    fn = f;
    return { ok: true };
  }
  if (req.url === '/run') {
    const event = body.length === 0 ? {} : JSON.parse(body);
    const started = Date.now();
    const context = {
      functionName: name, awsRequestId: String(started), getRemainingTimeInMillis: () => 60000 - (Date.now() - started),
    };
    return await fn(event, context);
  }
  throw new Error(`unknown path ${req.url}`);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    handle(req, Buffer.concat(chunks).toString('utf8'))
      .then(v => reply(res, 200, v), e => reply(res, 502, { error: describe(e) }));
  });
});
server.keepAliveTimeout = 0;
// Ends with the server that started it, however that one ended.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();
server.listen(0, '127.0.0.1', () => {
  const tmp = process.argv[2] + '.tmp';
  fs.writeFileSync(tmp, String(server.address().port));
  fs.renameSync(tmp, process.argv[2]);
});
