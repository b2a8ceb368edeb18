// A JSON transform: parse a document of 2000 order records (about 190 KB), keep the active ones, reshape each, total
// them per region, and serialize the result. The document is the bundle's orders.js (bench/functions/data: JSON
// behind `module.exports = `, the same bytes for every language), read once per sandbox at load; the same steps and
// output bytes in every language (json_transform.py, io.hotvisor.benchfunctions.JsonTransform).
'use strict';

const DOCUMENT = JSON.stringify(require('./orders.js'));

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
