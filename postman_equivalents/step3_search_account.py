"""Step 3: search the account and confirm the imported password settings (pbkdf2_sha512)."""

import sys

from _collection import main_for

if __name__ == "__main__":
    sys.exit(main_for(3, sys.argv[1:]))
