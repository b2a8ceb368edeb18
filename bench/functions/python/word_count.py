# The Ignite paper's word count: the words of a 256 KB text, counted into a dictionary on every call. The text is
# the bundle's words.json (bench/functions/data: one JSON string, the same bytes for every language, made from seed
# 42 by inputs.words), read once per sandbox at load.
import json
import os

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "words.json"), encoding="utf-8") as f:
    TEXT = json.load(f)


def main(event):
    counts = {}
    total = 0
    for w in TEXT.split(" "):
        if w:
            total += 1
            counts[w] = counts.get(w, 0) + 1
    return {"words": total, "distinct": len(counts)}
