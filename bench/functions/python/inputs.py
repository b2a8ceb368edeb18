# Deterministic inputs, identical in every language (see io.hotvisor.benchfunctions.Inputs): bytes from the LCG
# s = (s * 1103515245 + 12345) mod 2^31, each byte (s >> 16) & 0xff; text maps each byte to one of 17 characters.
LETTERS = "abcdefghijklmnop "


def data(seed, size):
    out = bytearray(size)
    s = seed
    for i in range(size):
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (s >> 16) & 0xFF
    return bytes(out)


def text(seed, size):
    return "".join(LETTERS[b % 17] for b in data(seed, size))


def seed(event):
    s = event.get("seed") if isinstance(event, dict) else None
    return s if isinstance(s, int) else 42


def size(event, default):
    s = event.get("size") if isinstance(event, dict) else None
    return s if isinstance(s, int) else default


def words(seed, size):
    """About size characters of words from a 1000-word vocabulary, joined by single spaces (see Inputs.words)."""
    s = seed
    vocabulary = []
    for _ in range(1000):
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        length = 2 + (s >> 16) % 8
        w = []
        for _ in range(length):
            s = (s * 1103515245 + 12345) & 0x7FFFFFFF
            w.append(chr(97 + (s >> 16) % 26))
        vocabulary.append("".join(w))
    out = []
    n = 0
    while n < size:
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        w = vocabulary[(s >> 16) % 1000]
        out.append(w)
        n += len(w) + 1
    return " ".join(out)
