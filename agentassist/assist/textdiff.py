"""Line diffs of two script texts, and a three-way merge of two edits of one version.

Pure, on :mod:`difflib`. A diff is what the editor page shows: hunks of rows, each row one line with
its number on the old side, the new side or both; the unified text beside it for a copy or a patch.
A merge takes the version both edits started from: where only one side changed a stretch of lines,
that change is kept; where both changed it differently, both are kept between conflict markers
(which are not YAML, so the editor shows them as errors until they are resolved).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

CONTEXT_LINES = 3  # unchanged lines shown around each change, as `diff -u` does
MINE_MARK, SPLIT_MARK, THEIRS_MARK = "<<<<<<<", "=======", ">>>>>>>"


@dataclass(frozen=True, slots=True)
class Merged:
    text: str
    conflicts: int  # stretches both sides changed differently, each between conflict markers


def diff(old: str, new: str, old_name: str = "old", new_name: str = "new") -> dict[str, Any]:
    """``{"added", "removed", "hunks": [{"old_start", "old_lines", "new_start", "new_lines", "rows"}],
    "unified"}``; a row is ``{"op": "same"|"del"|"add", "old": n|None, "new": n|None, "text"}``
    (1-based line numbers)."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)  # autojunk would skip common YAML lines
    hunks: list[dict[str, Any]] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if all(tag == "equal" for tag, *_ in group):
            continue
        rows: list[dict[str, Any]] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [
                    {"op": "same", "old": i + 1, "new": j + 1, "text": a[i]}
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            rows += [{"op": "del", "old": i + 1, "new": None, "text": a[i]} for i in range(i1, i2)]
            rows += [{"op": "add", "old": None, "new": j + 1, "text": b[j]} for j in range(j1, j2)]
            removed += i2 - i1
            added += j2 - j1
        first, last = group[0], group[-1]
        hunks.append(
            {
                "old_start": first[1] + 1,
                "old_lines": last[2] - first[1],
                "new_start": first[3] + 1,
                "new_lines": last[4] - first[3],
                "rows": rows,
            }
        )
    unified = "".join(
        line if line.endswith("\n") else line + "\n"
        for line in difflib.unified_diff(a, b, old_name, new_name, n=CONTEXT_LINES, lineterm="")
    )
    return {"added": added, "removed": removed, "hunks": hunks, "unified": unified}


def merge(base: str, mine: str, theirs: str, mine_name: str = "yours", theirs_name: str = "theirs") -> Merged:
    """Both edits of ``base`` in one text. Lines of ``base`` that both sides kept are the fixed points;
    between two of them, a side that left the base alone takes the other side's change."""
    b, m, t = base.splitlines(), mine.splitlines(), theirs.splitlines()
    in_mine, in_theirs = _kept(b, m), _kept(b, t)
    anchors = [i for i in range(len(b)) if i in in_mine and i in in_theirs]
    out: list[str] = []
    conflicts = 0
    bi = mi = ti = 0
    for i, mj, tj in [*((i, in_mine[i], in_theirs[i]) for i in anchors), (len(b), len(m), len(t))]:
        old, ours, other = b[bi:i], m[mi:mj], t[ti:tj]
        if ours == other or other == old:
            out += ours
        elif ours == old:
            out += other
        else:
            conflicts += 1
            out += [f"{MINE_MARK} {mine_name}", *ours, SPLIT_MARK, *other, f"{THEIRS_MARK} {theirs_name}"]
        if i < len(b):
            out.append(b[i])
        bi, mi, ti = i + 1, mj + 1, tj + 1
    ends = mine.endswith("\n") or theirs.endswith("\n")
    return Merged("\n".join(out) + ("\n" if ends and out else ""), conflicts)


def _kept(base: list[str], other: list[str]) -> dict[int, int]:
    """Line index in ``base`` -> its index in ``other``, for the lines a diff finds unchanged (both rising)."""
    kept: dict[int, int] = {}
    for i, j, size in difflib.SequenceMatcher(None, base, other, autojunk=False).get_matching_blocks():
        kept.update(zip(range(i, i + size), range(j, j + size), strict=True))
    return kept
