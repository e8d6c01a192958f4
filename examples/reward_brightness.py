#!/usr/bin/env python3
"""An external reward for varrl: the mean brightness of each image, in [0, 1].

It speaks varrl's external-reward protocol (docs/rewards.md): one JSON request per line on stdin,
    {"ids": [3, 4], "prompts": ["...", "..."], "images": ["/tmp/.../3.png", "/tmp/.../4.png"]}
one JSON reply per line on stdout, flushed,
    {"ids": [3, 4], "rewards": [0.42, 0.57], "boxes": [[[x0, y0, x1, y1]], []]}
and exits when stdin closes. Only the Python standard library is used (PNG decoded with zlib), so it runs
with any python3. Usage:  varrl reward --reward external --set reward.external.command="python3 THIS_FILE" ...

Options: --dark  reward darkness (1 - brightness) instead.
"""
import json
import struct
import sys
import zlib


def read_png(path):
    """Returns (width, height, channels, rows) of an 8-bit PNG (grey, grey+alpha, RGB, RGBA; not interlaced)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(path + ": not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, color_type, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color_type)
    if depth != 8 or channels is None or interlace:
        raise ValueError(path + ": only 8-bit non-interlaced grey/RGB(A) PNGs are supported")
    raw = zlib.decompress(b"".join(idat))
    stride, bpp = width * channels, channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 255
            elif kind == 4:
                upleft = prev[i - bpp] if i >= bpp else 0
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upleft)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def brightness(path):
    width, height, channels, rows = read_png(path)
    colour = 3 if channels >= 3 else 1
    total = 0
    for line in rows:
        for x in range(width):
            px = line[x * channels:x * channels + colour]
            total += sum(px) / colour
    return total / (255.0 * width * height)


def main():
    dark = "--dark" in sys.argv[1:]
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        rewards = []
        for path in req["images"]:
            b = brightness(path)
            rewards.append(1.0 - b if dark else b)
        # No attribution boxes: an empty list per image means "the whole image".
        reply = {"ids": req["ids"], "rewards": rewards, "boxes": [[] for _ in rewards]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
