'use strict';
const inputs = require('./inputs.js');

exports.main = event => {
  const n = inputs.size(event, 5000);
  let s = inputs.seed(event);
  const edges = new Int32Array(n * 4);
  for (let i = 0; i < edges.length; i++) {
    s = inputs.next(s);
    edges[i] = s % n;
  }
  const depth = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let head = 0, tail = 0, visited = 0, depthSum = 0;
  depth[0] = 0;
  queue[tail++] = 0;
  while (head < tail) {
    const v = queue[head++];
    visited++;
    depthSum += depth[v];
    for (let e = v * 4; e < v * 4 + 4; e++) {
      const w = edges[e];
      if (depth[w] < 0) {
        depth[w] = depth[v] + 1;
        queue[tail++] = w;
      }
    }
  }
  return { visited, depthSum };
};
