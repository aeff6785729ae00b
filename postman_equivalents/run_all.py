"""The whole collection, steps 1 to 5, printing each: against a local mock with no arguments,
against a real site with GIGYA_API_KEY / GIGYA_USER_KEY / GIGYA_SECRET (see _collection.py)."""

import sys

from _collection import STEPS, main_for

if __name__ == "__main__":
    sys.exit(main_for(len(STEPS), sys.argv[1:], show_all=True))
