"""Lists of ids written as ranges (``0-3``, ``4,5``, ``0-1,5``): which shards a process runs."""

from __future__ import annotations

_RANGES_ALLOWED = "ids and ranges such as 0-3, 4,5 or 0-1,5"


def parse_id_ranges(value: str) -> tuple[int, ...]:
    """``"0-3"``, ``"4,5"``, ``"0-1,5"`` → sorted ids; ValueError (saying what is accepted) on anything else:
    a sign, a word, an empty part, a backwards range or an id given twice."""
    ids: list[int] = []
    parts = value.replace(" ", "").split(",")
    for part in parts:
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()) or not low.isascii() or not high.isascii():
            raise ValueError(f"{part!r} is not an id or a range: {_RANGES_ALLOWED}")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ValueError(f"the range {part} goes backwards: {_RANGES_ALLOWED}")
        if last - first > 65_535:
            raise ValueError(f"the range {part} is too long")
        ids.extend(range(first, last + 1))
    if len(set(ids)) != len(ids):
        raise ValueError(f"an id is given twice: {_RANGES_ALLOWED}")
    return tuple(sorted(ids))
