# Run by PythonRuntime in a few throw-away contexts when the GraalPy engine starts (RuntimeOptions#pythonEnginePrime):
# what the wrapper, the import machinery and the standard library do in every context, so that the engine's shared
# call sites have seen several contexts before any function's code is compiled. Its results are discarded.
import json
import re

WORD = re.compile(r"[a-z']+")


def handler(event, context):
    text = event.get('text', '')
    counts = {}
    for word in WORD.findall(text.lower()):
        counts[word] = counts.get(word, 0) + 1
    rows = [{'word': w, 'count': c, 'share': c / max(1, len(counts))} for w, c in sorted(counts.items())]
    found = re.search(r'(\w+) (\w+)', text)
    return {'distinct': len(counts), 'rows': rows[:3], 'pair': found.group(2) if found else None,
            'echo': json.loads(json.dumps(event)), 'joined': ','.join(str(r['count']) for r in rows)}
