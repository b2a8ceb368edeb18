// OpenWhisk style: a top-level main, not exported.
function main(params) {
    const text = String(params.text || '');
    const counts = {};
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) || []) {
        counts[word] = (counts[word] || 0) + 1;
    }
    return { words: Object.values(counts).reduce((a, b) => a + b, 0), counts };
}
