"""AV-MNIST example: train a multimodal classifier from a YAML config.

Run from this folder or the repository root::

    python examples/avmnist_mmdl/main.py --cfg configs/late_fusion.yaml --output AVMNIST-LATE

A relative ``--cfg`` that does not exist in the working directory is looked up
next to this file, so ``configs/<name>.yaml`` works from anywhere. The same
command is installed as ``skmmdl-avmnist``.
"""

import sys
from pathlib import Path

from skmmdl.cli.avmnist import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--cfg" in argv:
        position = argv.index("--cfg") + 1
        if position < len(argv):
            config = Path(argv[position])
            beside_script = Path(__file__).resolve().parent / config
            if not config.is_absolute() and not config.exists() and beside_script.exists():
                argv[position] = str(beside_script)
    sys.exit(main(argv))
