"""Step 4: log in with the cleartext password (accounts.login answers errorCode 0 with the account)."""

import sys

from _collection import main_for

if __name__ == "__main__":
    sys.exit(main_for(4, sys.argv[1:]))
