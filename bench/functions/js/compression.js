'use strict';
const pako = require('pako');
const inputs = require('./inputs.js');

exports.main = event => {
  const text = inputs.text(inputs.seed(event), inputs.size(event, 65536));
  const data = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) data[i] = text.charCodeAt(i);
  return { original: data.length, compressed: pako.deflate(data, { level: 6 }).length };
};
