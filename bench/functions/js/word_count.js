// The Ignite paper's word count: the words of a 256 KB text (generated once per sandbox, at module load, from the
// fixed seed 42 and a 1000-word vocabulary: see inputs.words), counted into a Map on every call.
'use strict';
const inputs = require('./inputs.js');

const TEXT = inputs.words(42, 256 * 1024);

exports.main = event => {
  const counts = new Map();
  let total = 0;
  for (const w of TEXT.split(' ')) {
    if (w.length > 0) {
      total++;
      counts.set(w, (counts.get(w) || 0) + 1);
    }
  }
  return { words: total, distinct: counts.size };
};
