# OpenWhisk style: main(args) returns a dict.
def main(args):
    records = args.get("records", [])
    return {
        "count": len(records),
        "records": [{k.lower(): v for k, v in r.items()} for r in records if isinstance(r, dict)],
    }
