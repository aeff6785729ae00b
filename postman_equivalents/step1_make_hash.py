"""Step 1: make the pbkdf2_sha512 hash and salt of the test password, as the article's Node code does."""

import sys

from _collection import main_for

if __name__ == "__main__":
    sys.exit(main_for(1, sys.argv[1:]))
