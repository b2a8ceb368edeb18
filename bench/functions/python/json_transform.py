# A JSON transform: parse a document of 2000 order records (about 190 KB, generated once per sandbox from seed 42),
# keep the active ones, reshape each, total them per region, and serialize the result (see json_transform.js).
import json

REGIONS = ["eu-west", "eu-north", "us-east", "us-west", "ap-south", "ap-east", "sa-east", "af-south"]


def document(seed, n):
    s = seed
    records = []

    def nxt():
        nonlocal s
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        return s >> 16

    for i in range(n):
        records.append({"id": i, "user": "user" + str(nxt() % 500), "region": REGIONS[nxt() % 8],
                        "amount": nxt() % 100000, "active": nxt() % 4 != 0,
                        "tags": ["t" + str(nxt() % 20), "t" + str(nxt() % 20)]})
    return json.dumps({"orders": records}, separators=(",", ":"))


DOCUMENT = document(42, 2000)


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
