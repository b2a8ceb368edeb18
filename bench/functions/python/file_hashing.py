import hashlib

import inputs


def main(event):
    data = inputs.data(inputs.seed(event), inputs.size(event, 65536))
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
