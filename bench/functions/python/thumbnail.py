import io

import png

import inputs

SIZE = 256
THUMB = 64


def _image(seed):
    noise = inputs.data(seed, SIZE * SIZE)
    rows = []
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            n = noise[y * SIZE + x] & 31
            row.extend(((x + n) & 0xFF, (y + n) & 0xFF, ((x + y) // 2 + n) & 0xFF))
        rows.append(row)
    return rows


def _encode(rows, width, height):
    out = io.BytesIO()
    png.Writer(width, height, greyscale=False, bitdepth=8).write(out, rows)
    return out.getvalue()


INPUT = _encode(_image(42), SIZE, SIZE)


def main(event):
    width, height, rows, _ = png.Reader(bytes=INPUT).asRGB8()
    rows = [bytes(r) for r in rows]
    thumb = []
    total = 0
    for y in range(THUMB):
        src = rows[y * SIZE // THUMB]
        row = []
        for x in range(THUMB):
            i = (x * SIZE // THUMB) * 3
            r, g, b = src[i], src[i + 1], src[i + 2]
            row.extend((r, g, b))
            total += r + g + b
        thumb.append(row)
    return {"width": THUMB, "height": THUMB, "pngBytes": len(_encode(thumb, THUMB, THUMB)), "pixelSum": total}
