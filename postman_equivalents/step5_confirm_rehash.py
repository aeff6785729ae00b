"""Step 5: search again and confirm the first login re-hashed the password with the site's algorithm."""

import sys

from _collection import main_for

if __name__ == "__main__":
    sys.exit(main_for(5, sys.argv[1:]))
