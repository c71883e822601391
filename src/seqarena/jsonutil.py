"""`plain`: the one conversion of results to strict JSON: NaN and ±infinity become null (json.dumps
would write `NaN` / `Infinity`, which no JSON parser must accept), tuples become lists, recursively."""

from __future__ import annotations

import math
from typing import Any


def plain(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {str(k): plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [plain(v) for v in o]
    return o
