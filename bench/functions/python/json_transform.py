# A JSON transform: parse a document of 2000 order records (about 190 KB), keep the active ones, reshape each, total
# them per region, and serialize the result (see json_transform.js). The document is the bundle's orders.js
# (bench/functions/data: JSON behind `module.exports = `, the same bytes for every language), read once per sandbox
# at load.
import json
import os


def data(name):
    """The JSON text of a data file: what follows `module.exports = `, without the final `;`."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), encoding="utf-8") as f:
        text = f.read()
    return text[text.index("=") + 1:].strip().rstrip(";")


DOCUMENT = data("orders.js")


def main(event):
    orders = json.loads(DOCUMENT)["orders"]
    items = []
    regions = {}
    total = 0
    for o in orders:
        if not o["active"]:
            continue
        items.append({"id": o["id"], "user": o["user"], "region": o["region"], "amountCents": o["amount"],
                      "tagCount": len(o["tags"]), "big": o["amount"] > 50000})
        g = regions.get(o["region"])
        if g is None:
            g = regions[o["region"]] = {"count": 0, "sum": 0, "max": 0}
        g["count"] += 1
        g["sum"] += o["amount"]
        g["max"] = max(g["max"], o["amount"])
        total += o["amount"]
    out = json.dumps({"items": items, "regions": regions}, separators=(",", ":"))
    return {"items": len(items), "regions": len(regions), "total": total, "bytes": len(out)}
