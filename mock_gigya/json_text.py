"""JSON text of the mock's documents and answers, from encoders made once instead of once per call.

``json.dumps`` with any non-default option (``separators``, ``ensure_ascii=False``) builds a
``JSONEncoder`` and then the C encoder on every call: for an importFullAccount that is three times
(the stored account, its audit record, the answer), about 3.5 microseconds each of the mock's CPU.
Here the C encoder is made once per style; its output is ``json.dumps``'s, byte for byte.

The encoders keep no record of the containers they are inside (``markers`` None: shared between
threads, a marker table would see one thread's document as another's cycle), so a cyclic value ends
in ``RecursionError`` rather than ``ValueError``; the mock's documents come from JSON and are trees.
"""

from __future__ import annotations

import json
from json import encoder as _encoder
from typing import Any, Callable

__all__ = ["compact", "spaced"]


def _made(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator: json.dumps itself
        return lambda value: json.dumps(value, separators=(item_separator, key_separator), ensure_ascii=False)
    encode = make(None, json.JSONEncoder().default, _encoder.encode_basestring, None, key_separator, item_separator, False, False, True)
    return lambda value: "".join(encode(value, 0))


compact = _made(",", ":")
"""``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``: what the store writes."""

spaced = _made(", ", ": ")
"""``json.dumps(value, ensure_ascii=False)``: what the API answers."""
