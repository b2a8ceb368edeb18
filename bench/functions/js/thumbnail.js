'use strict';
// PNG decode/encode with UPNG.js (pure JavaScript over pako): Node.js and GraalJS run the same code.
const UPNG = require('upng-js');
const inputs = require('./inputs.js');

const SIZE = 256;
const THUMB = 64;

function encode(rgb, width, height) {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++) {
    rgba[j++] = rgb[i * 3]; rgba[j++] = rgb[i * 3 + 1]; rgba[j++] = rgb[i * 3 + 2]; rgba[j++] = 255;
  }
  return new Uint8Array(UPNG.encode([rgba.buffer], width, height, 0));
}

const INPUT = (() => {
  const noise = inputs.data(42, SIZE * SIZE);
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const n = noise[y * SIZE + x] & 31, p = (y * SIZE + x) * 3;
      rgb[p] = (x + n) & 0xff; rgb[p + 1] = (y + n) & 0xff; rgb[p + 2] = (((x + y) >> 1) + n) & 0xff;
    }
  }
  return encode(rgb, SIZE, SIZE);
})();

exports.main = () => {
  const img = UPNG.decode(INPUT.buffer);
  const rgba = new Uint8Array(UPNG.toRGBA8(img)[0]);
  const thumb = new Uint8Array(THUMB * THUMB * 3);
  let pixelSum = 0;
  for (let y = 0; y < THUMB; y++) {
    for (let x = 0; x < THUMB; x++) {
      const src = (Math.floor(y * SIZE / THUMB) * SIZE + Math.floor(x * SIZE / THUMB)) * 4, dst = (y * THUMB + x) * 3;
      for (let c = 0; c < 3; c++) {
        thumb[dst + c] = rgba[src + c];
        pixelSum += rgba[src + c];
      }
    }
  }
  return { width: THUMB, height: THUMB, pngBytes: encode(thumb, THUMB, THUMB).length, pixelSum };
};
