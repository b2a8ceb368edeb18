import zlib

import inputs


def main(event):
    data = inputs.text(inputs.seed(event), inputs.size(event, 65536)).encode("ascii")
    return {"original": len(data), "compressed": len(zlib.compress(data, 6))}
