"""PNG corpus for the native grayscale PNG decoder's differential test (test/image/png-gray.test.ts).

    png_corpus.py OUT_DIR   -> prints a JSON list of {file, width, height, depth, pixels, writer}

Each case is written by an independent writer: this file's own PNG writer (PNG 1.2: zlib level 0-9 by
Python's zlib, each row's filter type chosen per case - None, Sub, Up, Average, Paeth, or a mix - IDAT split
into chunks of a given size, zero-length IDATs, text chunks), OpenCV's cv2.imwrite (libpng, every
IMWRITE_PNG_COMPRESSION level) and Pillow (libpng-free zlib writer). `pixels` names a raw file with the
expected samples from numpy (uint8, or uint16 little-endian), the truth both decoders must give.
"""
import json
import os
import struct
import sys
import zlib

import cv2
import numpy as np
from PIL import Image


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_rows(img: np.ndarray, filters) -> bytes:
    """The filtered scanlines of img (uint8 or big-endian uint16 bytes), row r with filter filters(r)."""
    h = img.shape[0]
    bpp = 2 if img.dtype == np.uint16 else 1
    rows = [bytes(img[r].astype(">u2").tobytes() if bpp == 2 else img[r].tobytes()) for r in range(h)]
    out = bytearray()
    prev = bytes(len(rows[0]))
    for r, row in enumerate(rows):
        f = filters(r)
        out.append(f)
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            out.append((x - pred) & 0xFF)
        prev = row
    return bytes(out)


def own_png(img: np.ndarray, level: int, filters, split: int, extra: bool) -> bytes:
    h, w = img.shape
    depth = 16 if img.dtype == np.uint16 else 8
    stream = zlib.compress(filter_rows(img, filters), level)
    parts = [stream[i:i + split] for i in range(0, len(stream), split)] if split else [stream]
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 0, 0, 0, 0))
    if extra:
        out += chunk(b"tEXt", b"Software\x00png_corpus.py") + chunk(b"pHYs", struct.pack(">IIB", 3937, 3937, 1))
        out += chunk(b"IDAT", b"")
    for p in parts:
        out += chunk(b"IDAT", p)
    if extra:
        out += chunk(b"IDAT", b"") + chunk(b"tIME", struct.pack(">HBBBBB", 2026, 12, 1, 23, 0, 0))
    return out + chunk(b"IEND", b"")


def main() -> None:
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(17)
    cases = []

    def add(name: str, data: bytes, img: np.ndarray, writer: str) -> None:
        path = os.path.join(out_dir, name + ".png")
        with open(path, "wb") as f:
            f.write(data)
        raw = path[:-4] + ".raw"
        with open(raw, "wb") as f:
            f.write(img.astype("<u2").tobytes() if img.dtype == np.uint16 else img.tobytes())
        cases.append({"file": path, "width": int(img.shape[1]), "height": int(img.shape[0]),
                      "depth": 16 if img.dtype == np.uint16 else 8, "pixels": raw, "writer": writer})

    def image(h: int, w: int, dtype) -> np.ndarray:
        top = 65536 if dtype == np.uint16 else 256
        # Smooth texture plus noise: every filter predicts something, and the values use the whole range.
        y, x = np.mgrid[0:h, 0:w]
        smooth = (np.sin(x / 5.0) + np.cos(y / 7.0) + 2) / 4 * (top - 1)
        noisy = smooth + rng.normal(0, top / 40, (h, w))
        return np.clip(noisy, 0, top - 1).astype(dtype)

    sizes = [(1, 1), (1, 7), (7, 1), (13, 17), (3, 255), (64, 64), (33, 130)]
    mixes = {"none": lambda r: 0, "sub": lambda r: 1, "up": lambda r: 2, "avg": lambda r: 3, "paeth": lambda r: 4,
             "mixed": lambda r: r % 5}
    for dtype, tag in ((np.uint8, "8"), (np.uint16, "16")):
        for h, w in sizes:
            img = image(h, w, dtype)
            for fname, filters in mixes.items():
                add(f"own-{tag}-{w}x{h}-{fname}", own_png(img, 6, filters, 0, False), img, f"own writer, filter {fname}")
        img = image(45, 61, dtype)
        for level in range(10):
            add(f"own-{tag}-level{level}", own_png(img, level, mixes["mixed"], 0, False), img, f"own writer, zlib level {level}")
        for split in (1, 7, 100):
            add(f"own-{tag}-split{split}", own_png(img, 9, mixes["mixed"], split, True), img, f"own writer, IDATs of {split} bytes, text chunks, empty IDATs")
        for level in range(10):
            ok, enc = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, level])
            assert ok
            add(f"cv2-{tag}-level{level}", enc.tobytes(), img, f"cv2.imwrite, compression {level}")
        big = image(512, 384, dtype)
        ok, enc = cv2.imencode(".png", big, [cv2.IMWRITE_PNG_COMPRESSION, 3])
        add(f"cv2-{tag}-384x512", enc.tobytes(), big, "cv2.imwrite, 384x512")
        for optimize in (False, True):
            path = os.path.join(out_dir, f"pil-{tag}-{optimize}.png")
            Image.fromarray(big).save(path, optimize=optimize)
            with open(path, "rb") as f:
                add(f"pil-{tag}-{optimize}", f.read(), big, f"Pillow, optimize={optimize}")
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
