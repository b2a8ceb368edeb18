# The Ignite paper's word count: the words of a 256 KB text (generated once per sandbox, at module load, from the
# fixed seed 42 and a 1000-word vocabulary: see inputs.words), counted into a dictionary on every call.
import inputs

TEXT = inputs.words(42, 256 * 1024)


def main(event):
    counts = {}
    total = 0
    for w in TEXT.split(" "):
        if w:
            total += 1
            counts[w] = counts.get(w, 0) + 1
    return {"words": total, "distinct": len(counts)}
