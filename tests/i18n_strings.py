"""The English texts the pages show, found in their files: what every dictionary of static/i18n/ must hold.

- the HTML's text (spaces folded, as i18n.js folds them) and its placeholder, title and aria-label
  attributes, outside what i18n.js leaves alone (script, style, textarea, kbd, translate="no");
- every key given to t("...") in the pages' JS (a plural key "one|other" included);
- literal texts the JS puts on a page as they are (the observer translates them): el("tag", {...}, "Text"),
  `x.textContent = "Text"`, a choice of two texts `? "Hold" : "Resume"` (one with a space or a capital),
  the messages given to the pages' fail / notAllowed / showError / signOut / setStatus, the rows of
  replaytools' shortcut list, common.js's page titles and wall.js's STATES;
- VALUES: words the API sends that the pages translate with t(value): call statuses, end reasons,
  roles, the wall's states, evaluation statuses.

A text without two letters in a row ("?", "0:00", "−5 s") is not language.

tr() and fixed() say what a page shows in a language, for the browser tests that run in Russian.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent.parent / "agentassist" / "api" / "static"
ATTRS = ("placeholder", "title", "aria-label")
SKIP_TAGS = {"script", "style", "textarea", "kbd"}
WORDS = re.compile(r"[A-Za-z]{2,}")
NOT_TEXT = {"agentassist"}  # the product's name
PLACEHOLDER = re.compile(r"\{\w+\}")

VALUES = {
    # call statuses and end reasons (docs/call-control.md)
    "active", "ringing", "ended", "failed",
    "hangup", "transferred", "busy", "not found", "cancelled", "declined", "no answer", "rtp timeout",
    "hold timeout", "shutdown", "abnormal",
    # roles
    "agent", "team_leader", "quality_checker", "supervisor", "admin",
    # the wall's states (wall.js STATES)
    "in call", "on hold", "wrap-up", "idle", "offline",
    # checklist steps and evaluations
    "done", "missed", "pending", "submitted", "acknowledged", "disputed", "resolved",
    # step marks offered to the script's editors
    "accepted", "rejected",
}  # fmt: skip

T_CALL = re.compile(r'\bt\(\s*"((?:[^"\\]|\\.)+)"')
JS_LITERALS = [
    re.compile(r'\bel\("[a-z0-9]+",\s*\{[^{}]*\},\s*"((?:[^"\\]|\\.)+)"[,)]'),
    re.compile(r'\.textContent\s*=\s*"((?:[^"\\]|\\.)+)"'),
    re.compile(r'\.textContent\s*=[^;\n]*\?\s*"((?:[^"\\]|\\.)+)"\s*:\s*"((?:[^"\\]|\\.)+)"'),
    re.compile(r'\b(?:fail|notAllowed|showError|signOut|setStatus)\(\s*"((?:[^"\\]|\\.)+)"'),
    re.compile(r'\.textContent\s*=[^;\n]*:\s*"((?:[^"\\]|\\.)+)";'),  # the text after a choice of a value
    re.compile(r'^\s*\["[^"]*",\s*"[^"]+",\s*"((?:[^"\\]|\\.)+)"', re.M),  # replaytools' SHORTCUTS rows
    re.compile(r'\["(?:ctrl\+enter|esc)",\s*"((?:[^"\\]|\\.)+)"\]'),  # its MORE_KEYS
    re.compile(r'\btitle:\s*"((?:[^"\\]|\\.)+)"'),  # common.js PAGES
    re.compile(r"^const STATES = \{([^}]*)\}", re.M),  # wall.js STATES: its values, below
]
# a choice of two texts, `? "Rejected" : "Dismissed"`, where one has a space or a capital (`? "wss" : "ws"` is not)
CHOICE = re.compile(r'\?\s*"((?:[^"\\]|\\.)+)"\s*:\s*"((?:[^"\\]|\\.)+)"')
IDENTIFIER = re.compile(r"^[a-z]+(?:_[a-z]+)+$")  # forbidden_phrase: a value to search by, not words


def fold(text: str) -> str:
    return " ".join(text.split())


def is_text(text: str) -> bool:
    if IDENTIFIER.match(text) and text not in VALUES:
        return False
    return bool(WORDS.search(text)) and text not in NOT_TEXT


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skipped = tag in SKIP_TAGS or values.get("translate") == "no" or bool(self.stack and self.stack[-1][1])
        if tag not in ("meta", "link", "input", "br", "img", "source", "hr"):
            self.stack.append((tag, skipped))
        if skipped:
            return
        for name in ATTRS:
            if values.get(name):
                self.found.add(fold(values[name] or ""))
        if tag == "input" and values.get("type") in ("button", "submit", "reset") and values.get("value"):
            self.found.add(fold(values["value"] or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]) and data.strip():
            self.found.add(fold(data))


def html_strings(path: Path) -> set[str]:
    parser = _PageText()
    parser.feed(path.read_text(encoding="utf-8"))
    return {s for s in parser.found if is_text(s)}


def _unescape(text: str) -> str:
    return text.encode().decode("unicode_escape").encode("latin-1").decode() if "\\" in text else text


def js_strings(path: Path) -> tuple[set[str], set[str]]:
    """(the keys given to t(), the literal texts) of one JS file."""
    code = path.read_text(encoding="utf-8")
    keys = {_unescape(m) for m in T_CALL.findall(code)}
    literals: set[str] = set()
    for pattern in JS_LITERALS:
        for m in pattern.findall(code):
            for text in m if isinstance(m, tuple) else (m,):
                if text.lstrip().startswith("in_call"):  # STATES' object: its values
                    literals.update(re.findall(r':\s*"([^"]+)"', text))
                else:
                    literals.add(_unescape(text))
    for pair in CHOICE.findall(code):
        if any(" " in s or s[:1].isupper() for s in pair):
            literals.update(_unescape(s) for s in pair)
    return keys, {fold(s) for s in literals if is_text(s)}


def page_strings() -> dict[str, set[str]]:
    """Every text a dictionary must hold -> the files that show it (VALUES: 'API values')."""
    where: dict[str, set[str]] = {}
    for html in sorted(STATIC.glob("*.html")):
        for s in html_strings(html):
            where.setdefault(s, set()).add(html.name)
    for js in sorted(STATIC.glob("*.js")):
        if js.name == "i18n.js":
            continue
        keys, literals = js_strings(js)
        for s in keys | literals:
            if is_text(s):
                where.setdefault(s, set()).add(js.name)
    for s in VALUES:
        where.setdefault(s, set()).add("API values")
    return where


# ---- what a page shows in a language -------------------------------------------------------------
@cache
def dictionary(lang: str) -> dict[str, Any]:
    return dict(json.loads((STATIC / "i18n" / f"{lang}.json").read_text(encoding="utf-8")))


def tr(lang: str, text: str, n: int | None = None, **params: Any) -> str:
    """What t(text, params) shows in ``lang`` (i18n.js), for the tests that read the pages."""
    entry: Any = text if lang == "en" else dictionary(lang).get(text, text)
    if "|" in text:
        if lang == "en":
            one, other = text.split("|")
            entry = one if n == 1 else other
        else:
            entry = entry[category(lang, n or 0)]
    return str(entry).format(n=n, **params) if (params or n is not None) else str(entry)


def category(lang: str, n: int) -> str:
    """CLDR's integer plural category for ru, uk and pl (Intl.PluralRules)."""
    if n % 10 == 1 and n % 100 != 11 and lang != "pl":
        return "one"
    if lang == "pl" and n == 1:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


def fixed(lang: str, text: str) -> str:
    """The longest piece of ``text``'s translation that no value fills: what is surely on the page."""
    return max((p.strip() for p in PLACEHOLDER.split(tr(lang, text)) if p.strip()), key=len)
