"""The trainer's eval preprocessing on a list of image files, dumped as raw bytes: the reference the model server's
parity test compares its own decode + resize + crop against (apps/model-server/tests/integration/parity.test.ts).

Usage: python -m dogbreed_training.pixels LIST_FILE OUT_FILE [--image-size 224]
LIST_FILE has one image path per line; OUT_FILE gets, per image in order, image_size² × 3 uint8 RGB (HWC) bytes of
`eval_pixels` after `load_rgb` (EXIF orientation applied) — exactly what training and evaluation feed the model
before (x/255 - mean) / std.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dogbreed_training.data import eval_pixels, load_rgb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("list_file", type=Path)
    ap.add_argument("out_file", type=Path)
    ap.add_argument("--image-size", type=int, default=224)
    a = ap.parse_args(argv)
    transform = eval_pixels(a.image_size)
    paths = [ln.strip() for ln in a.list_file.read_text().splitlines() if ln.strip()]
    with a.out_file.open("wb") as out:
        for p in paths:
            out.write(transform(load_rgb(Path(p))).permute(1, 2, 0).contiguous().numpy().tobytes())
    print(f"wrote {len(paths)} images to {a.out_file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
