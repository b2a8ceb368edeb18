const greet = require('greeter');
const { upper } = require('./lib/util');

exports.handler = async (event) => ({ message: greet(upper(event.name)) });
