"""SageMaker entry point (`entry_point="train.py"`, `source_dir="training"`); also runs locally and on EC2.

Thin on purpose: everything lives in the `dogbreed_training` package next to this file.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dogbreed_training.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
