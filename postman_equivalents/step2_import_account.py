"""Step 2: upsert the hash and salt with accounts.importFullAccount (importPolicy=upsert)."""

import sys

from _collection import main_for

if __name__ == "__main__":
    sys.exit(main_for(2, sys.argv[1:]))
