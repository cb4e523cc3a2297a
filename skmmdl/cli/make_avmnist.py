"""Command line for building AV-MNIST: ``skmmdl-make-avmnist``."""

import argparse
import logging
import sys

from ..datasets import make_avmnist

__all__ = ["main"]

DESCRIPTION = """\
Build AV-MNIST: MNIST images reduced to their leading principal components,
each paired with a 112 x 112 log-power spectrogram of a spoken recording of
the same digit from the Free Spoken Digit Dataset, optionally mixed with
background noise. Writes image/, audio/, train_labels.npy, test_labels.npy
and metadata.json (uint8 arrays, about 0.8 GB for 60,000 + 10,000 pairs).
"""

EPILOG = """\
example:
  skmmdl-make-avmnist --mnist-dir mnist --fsdd-dir free-spoken-digit-dataset/recordings \\
      --noise-dir noise --output-dir avmnist
Load the result with skmmdl.datasets.load_avmnist("avmnist").
"""


def build_parser():
    """Return the argument parser of ``skmmdl-make-avmnist``."""
    parser = argparse.ArgumentParser(
        prog="skmmdl-make-avmnist",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    folders = parser.add_argument_group("folders")
    folders.add_argument(
        "--mnist-dir", required=True,
        help="folder with the four MNIST idx files (.gz or uncompressed)",
    )
    folders.add_argument(
        "--fsdd-dir", required=True,
        help="folder of FSDD WAV files named {digit}_{speaker}_{take}.wav "
        "(16-bit PCM, mono, 8000 Hz), or an FSDD checkout with recordings/",
    )
    folders.add_argument(
        "--output-dir", required=True,
        help="folder to create; it must not exist or be empty unless --overwrite",
    )
    folders.add_argument(
        "--noise-dir", default=None,
        help="folder of background-noise WAV files (16-bit PCM, mono, 8000 Hz); "
        "omit for clean audio",
    )

    recipe = parser.add_argument_group("recipe")
    recipe.add_argument(
        "--n-train", type=int, metavar="N", default=60000,
        help="number of training pairs (default: %(default)s, all MNIST training images)",
    )
    recipe.add_argument(
        "--n-test", type=int, metavar="N", default=10000,
        help="number of test pairs (default: %(default)s, all MNIST test images)",
    )
    recipe.add_argument(
        "--pca-variance", type=float, metavar="FRACTION", default=0.25,
        help="fraction in (0, 1] of the image variance kept by the PCA; 1 keeps "
        "the original images (default: %(default)s, 4 components)",
    )
    recipe.add_argument(
        "--snr-db", type=float, metavar="DB", default=0.0,
        help="signal-to-noise ratio of the mixed audio in decibels; lower is "
        "noisier; used only with --noise-dir (default: %(default)s)",
    )
    recipe.add_argument(
        "--random-state", type=int, metavar="SEED", default=0,
        help="seed of every random choice (default: %(default)s)",
    )

    behaviour = parser.add_argument_group("behaviour")
    behaviour.add_argument(
        "--overwrite", action="store_true",
        help="replace an earlier build in --output-dir",
    )
    behaviour.add_argument(
        "-v", "--verbose", action="count", default=1,
        help="print more progress: -v prints every chunk of 1024 pairs",
    )
    behaviour.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors",
    )
    return parser


def main(argv=None):
    """Run ``skmmdl-make-avmnist`` with ``argv`` (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 1 when the build failed; the error is printed to stderr.
    """
    args = build_parser().parse_args(argv)
    verbose = 0 if args.quiet else args.verbose
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        output_dir = make_avmnist(
            args.mnist_dir,
            args.fsdd_dir,
            args.output_dir,
            args.noise_dir,
            n_train=args.n_train,
            n_test=args.n_test,
            pca_variance=args.pca_variance,
            snr_db=args.snr_db,
            random_state=args.random_state,
            overwrite=args.overwrite,
            verbose=verbose,
        )
    except (OSError, ValueError, TypeError) as exc:
        print(f"skmmdl-make-avmnist: error: {exc}", file=sys.stderr)
        return 1

    if verbose:
        print(output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
