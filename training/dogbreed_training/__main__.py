"""`python -m dogbreed_training [flags]`: the same as `python train.py [flags]`."""

import sys

from dogbreed_training.cli import main

if __name__ == "__main__":
    sys.exit(main())
