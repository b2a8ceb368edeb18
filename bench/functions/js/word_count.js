// The Ignite paper's word count: the words of a 256 KB text, counted into a Map on every call. The text is the
// bundle's words.js (bench/functions/data: one JSON string behind `module.exports = `, the same bytes for every
// language, made from seed 42 by inputs.words), read once per sandbox at load.
'use strict';

const TEXT = require('./words.js');

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
