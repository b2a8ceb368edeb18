# The Ignite paper's word count: the words of a 256 KB text, counted into a dictionary on every call. The text is
# the bundle's words.js (bench/functions/data: one JSON string behind `module.exports = `, the same bytes for every
# language, made from seed 42 by inputs.words), read once per sandbox at load.
import json
import os


def data(name):
    """The JSON text of a data file: what follows `module.exports = `, without the final `;`."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), encoding="utf-8") as f:
        text = f.read()
    return text[text.index("=") + 1:].strip().rstrip(";")


TEXT = json.loads(data("words.js"))


def main(event):
    counts = {}
    total = 0
    for w in TEXT.split(" "):
        if w:
            total += 1
            counts[w] = counts.get(w, 0) + 1
    return {"words": total, "distinct": len(counts)}
