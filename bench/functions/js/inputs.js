// Deterministic inputs, identical in every language (see io.hotvisor.benchfunctions.Inputs): bytes from the LCG
// s = (s * 1103515245 + 12345) mod 2^31, each byte (s >> 16) & 0xff; text maps each byte to one of 17 characters.
'use strict';
const LETTERS = 'abcdefghijklmnop ';

function next(s) {
  // (s * 1103515245 + 12345) mod 2^31 without losing precision: split the multiplier.
  return ((s * 16838 % 2147483648) * 65536 + s * 20077 + 12345) % 2147483648;
}

function data(seed, size) {
  const out = new Uint8Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = next(s);
    out[i] = Math.floor(s / 65536) & 0xff;
  }
  return out;
}

function text(seed, size) {
  const b = data(seed, size);
  let t = '';
  for (let i = 0; i < size; i++) {
    t += LETTERS[b[i] % 17];
  }
  return t;
}

const seed = event => (event && Number.isInteger(event.seed) ? event.seed : 42);
const size = (event, d) => (event && Number.isInteger(event.size) ? event.size : d);

// About size characters of words from a 1000-word vocabulary, joined by single spaces (see Inputs.words).
function words(seed, size) {
  let s = seed;
  const vocabulary = [];
  for (let v = 0; v < 1000; v++) {
    s = next(s);
    const length = 2 + (Math.floor(s / 65536) % 8);
    let w = '';
    for (let j = 0; j < length; j++) {
      s = next(s);
      w += String.fromCharCode(97 + (Math.floor(s / 65536) % 26));
    }
    vocabulary.push(w);
  }
  const out = [];
  let n = 0;
  while (n < size) {
    s = next(s);
    const w = vocabulary[Math.floor(s / 65536) % 1000];
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}

module.exports = { next, data, text, words, seed, size };
