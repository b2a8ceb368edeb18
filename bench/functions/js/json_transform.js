// A JSON transform: parse a document of 2000 order records (about 190 KB, generated once per sandbox from seed 42),
// keep the active ones, reshape each, total them per region, and serialize the result. The same document, steps and
// output bytes in every language (json_transform.py, io.hotvisor.benchfunctions.JsonTransform).
'use strict';
const inputs = require('./inputs.js');

const REGIONS = ['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-south', 'ap-east', 'sa-east', 'af-south'];

function document(seed, n) {
  let s = seed;
  const nxt = () => {
    s = inputs.next(s);
    return Math.floor(s / 65536);
  };
  const records = [];
  for (let i = 0; i < n; i++) {
    const user = 'user' + (nxt() % 500);
    const region = REGIONS[nxt() % 8];
    const amount = nxt() % 100000;
    const active = nxt() % 4 !== 0;
    const tags = ['t' + (nxt() % 20), 't' + (nxt() % 20)];
    records.push({ id: i, user, region, amount, active, tags });
  }
  return JSON.stringify({ orders: records });
}

const DOCUMENT = document(42, 2000);

exports.main = event => {
  const orders = JSON.parse(DOCUMENT).orders;
  const items = [];
  const regions = {};
  let total = 0;
  for (const o of orders) {
    if (!o.active) {
      continue;
    }
    items.push({ id: o.id, user: o.user, region: o.region, amountCents: o.amount, tagCount: o.tags.length,
      big: o.amount > 50000 });
    let g = regions[o.region];
    if (g === undefined) {
      g = regions[o.region] = { count: 0, sum: 0, max: 0 };
    }
    g.count++;
    g.sum += o.amount;
    g.max = Math.max(g.max, o.amount);
    total += o.amount;
  }
  const out = JSON.stringify({ items, regions });
  return { items: items.length, regions: Object.keys(regions).length, total, bytes: out.length };
};
