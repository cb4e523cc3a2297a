"""Build the AV-MNIST sample shipped in skmmdl/datasets/data/.

The sample is a real, small AV-MNIST build. It runs make_avmnist with its
default recipe (4 PCA components, background noise at 0 dB SNR, seed 0) on
the original MNIST idx files, FSDD v1.0.10 and the noise clips, for a
stratified subset of pairs. The arrays are stored as uint8 in a compressed
.npz together with the build's metadata.json, and the file must stay under
--max-bytes so that the package stays small.

Usage, from the repository root::

    python scripts/build_embedded_sample.py --data-dir DATA_DIR

DATA_DIR must contain mnist/ (the four idx files), fsdd/recordings/ (the
FSDD WAV files) and noise/ (16-bit PCM mono 8000 Hz clips).
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from skmmdl.datasets import load_avmnist, make_avmnist

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "skmmdl/datasets/data/avmnist_sample.npz"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="folder with mnist/, fsdd/recordings/ and noise/")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="the .npz file to write (default: %(default)s)")
    parser.add_argument("--n-train", type=int, default=1230,
                        help="training pairs (default: %(default)s)")
    parser.add_argument("--n-test", type=int, default=410,
                        help="test pairs (default: %(default)s)")
    parser.add_argument("--max-bytes", type=int, default=8_990_000,
                        help="largest allowed size of the .npz in bytes (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()
    output = args.output.resolve()

    with tempfile.TemporaryDirectory() as scratch:
        # Relative input paths keep this machine's folders out of the metadata.
        os.chdir(data_dir)
        build = make_avmnist(
            "mnist", "fsdd/recordings", Path(scratch) / "avmnist", noise_dir="noise",
            n_train=args.n_train, n_test=args.n_test, verbose=1,
        )
        data = load_avmnist(build, dtype=None)

    arrays = {}
    for part in ("train", "test"):
        images, audio = data[f"X_{part}"]
        arrays[f"image_{part}"] = images.reshape(images.shape[0], 28 * 28)
        arrays[f"audio_{part}"] = audio.reshape(audio.shape[0], 112, 112)
        arrays[f"y_{part}"] = data[f"y_{part}"]
    metadata = dict(data.metadata)
    metadata["sample_built_with"] = (
        f"python scripts/build_embedded_sample.py --data-dir DATA_DIR "
        f"--n-train {args.n_train} --n-test {args.n_test}"
    )

    output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(output, metadata=np.array(json.dumps(metadata)), **arrays)

    size = output.stat().st_size
    for part in ("train", "test"):
        counts = np.bincount(arrays[f"y_{part}"], minlength=10).tolist()
        print(f"{part}: {arrays[f'y_{part}'].shape[0]} pairs, per class {counts}")
    print(f"Wrote {output}: {size} bytes")
    if size > args.max_bytes:
        output.unlink()
        sys.exit(
            f"The sample takes {size} bytes, more than --max-bytes={args.max_bytes}; "
            "it was deleted. Lower --n-train or --n-test."
        )


if __name__ == "__main__":
    main()
