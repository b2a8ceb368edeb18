exports.upper = (s) => String(s).toUpperCase();
