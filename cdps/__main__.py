"""`python -m cdps ...` is the `cdps` command (how `cdps run` and the tests start each process)."""

import sys

from cdps.cli import main

sys.exit(main())
