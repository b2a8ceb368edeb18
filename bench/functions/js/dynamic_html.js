'use strict';
const Mustache = require('mustache');
const inputs = require('./inputs.js');

const TEMPLATE = '<html><head><title>{{title}}</title></head><body><h1>{{title}}</h1><table>'
  + '{{#rows}}<tr><td>{{id}}</td><td>{{name}}</td><td>{{value}}</td></tr>{{/rows}}</table></body></html>';
Mustache.parse(TEMPLATE);

exports.main = event => {
  const n = inputs.size(event, 200);
  const names = inputs.text(inputs.seed(event), n * 8);
  const values = inputs.data(inputs.seed(event) + 1, n);
  const rows = [];
  for (let i = 0; i < n; i++) rows.push({ id: i, name: names.substring(i * 8, i * 8 + 8), value: values[i] });
  const html = Mustache.render(TEMPLATE, { title: `Report <${n}>`, rows });
  return { length: html.length, rows: n };
};
