"""Call scripts: YAML files validated with errors that name file and line.

The format is in docs/scripts.md. Parsing keeps YAML node marks so every
problem points at its line; all problems of a file are reported at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from agentassist.errors import ScriptError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    say: tuple[str, ...]
    mandatory: bool = False
    compliance: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    title: str
    triggers: tuple[str, ...]
    body: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    version: int
    language: str
    steps: tuple[Step, ...]
    forbidden: tuple[str, ...] = ()
    cards: tuple[Card, ...] = ()
    handle_time_s: float | None = None
    source: str = ""


_TOP_KEYS = {"id", "version", "language", "handle_time_s", "steps", "forbidden", "cards"}
_STEP_KEYS = {"id", "say", "mandatory", "compliance"}
_CARD_KEYS = {"id", "title", "triggers", "body"}


class _Checker:
    """Walks the YAML node tree, collecting every problem with its line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def error(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(f"{self.source}:{line}: {message}")

    def mapping(self, node: Node, allowed: set[str], where: str) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            self.error(node, f"{where}: expected a mapping, got {_kind(node)}")
            return {}
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed:
                self.error(key_node, f"unknown key {key!r} in {where} (expected one of: {', '.join(sorted(allowed))})")
                continue
            if key in out:
                self.error(key_node, f"key {key!r} given twice in {where}")
            out[key] = (key_node, value_node)
        return out

    def string(self, node: Node, where: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag.endswith((":null", ":bool", ":int", ":float")):
            self.error(node, f"{where}: expected text, got {_kind(node)}")
            return None
        text = str(node.value).strip()
        if not text:
            self.error(node, f"{where}: must not be empty")
            return None
        return text

    def strings(self, node: Node, where: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode):
            s = self.string(node, where)
            return (s,) if s else ()
        if not isinstance(node, SequenceNode):
            self.error(node, f"{where}: expected text or a list of texts, got {_kind(node)}")
            return ()
        items = [self.string(item, where) for item in node.value]
        return tuple(s for s in items if s)

    def scalar(self, node: Node, kind: type, where: str) -> Any:
        try:
            value = yaml.safe_load(yaml.serialize(node))
        except yaml.YAMLError:
            value = None
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.error(node, f"{where}: expected {kind.__name__}, got {value!r}")
            return None
        return value


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return repr(node.value) if isinstance(node, ScalarNode) else "nothing"


def parse_script(text: str, source: str = "<script>") -> Script:
    """Parse and validate a script; raises ScriptError listing every problem with file and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScriptError([f"{source}:{line}: invalid YAML: {exc.problem}"]) from None
    c = _Checker(source)
    if root is None:
        raise ScriptError([f"{source}:1: empty script"])
    top = c.mapping(root, _TOP_KEYS, "script")
    for required in ("id", "steps"):
        if required not in top and isinstance(root, MappingNode):
            c.error(root, f"missing required key {required!r}")
    script_id = c.string(top["id"][1], "id") if "id" in top else None
    version = c.scalar(top["version"][1], int, "version") if "version" in top else 1
    language = c.string(top["language"][1], "language") if "language" in top else "auto"
    handle = c.scalar(top["handle_time_s"][1], float, "handle_time_s") if "handle_time_s" in top else None
    if handle is not None and handle <= 0:
        c.error(top["handle_time_s"][1], f"handle_time_s: expected a number above 0, got {handle}")
    steps = _steps(c, top["steps"][1]) if "steps" in top else ()
    forbidden = c.strings(top["forbidden"][1], "forbidden") if "forbidden" in top else ()
    cards = _cards(c, top["cards"][1]) if "cards" in top else ()
    if c.errors:
        raise ScriptError(c.errors)
    assert script_id is not None
    return Script(
        id=script_id,
        version=int(version or 1),
        language=language or "auto",
        steps=steps,
        forbidden=forbidden,
        cards=cards,
        handle_time_s=handle,
        source=source,
    )


def _steps(c: _Checker, node: Node) -> tuple[Step, ...]:
    if not isinstance(node, SequenceNode) or not node.value:
        c.error(node, "steps: expected a non-empty list of steps")
        return ()
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for item in node.value:
        fields = c.mapping(item, _STEP_KEYS, "step")
        if not fields:
            continue
        line = item.start_mark.line + 1
        step_id = c.string(fields["id"][1], "step id") if "id" in fields else None
        if "id" not in fields:
            c.error(item, "step without 'id'")
        if "say" not in fields:
            c.error(item, f"step {step_id or '?'!r} has no 'say'")
        say = c.strings(fields["say"][1], f"say of step {step_id!r}") if "say" in fields else ()
        mandatory = c.scalar(fields["mandatory"][1], bool, "mandatory") if "mandatory" in fields else False
        compliance = c.scalar(fields["compliance"][1], bool, "compliance") if "compliance" in fields else False
        if step_id is None:
            continue
        if step_id in seen:
            c.error(fields["id"][1], f"duplicate step id {step_id!r} (first at line {seen[step_id]})")
            continue
        seen[step_id] = line
        steps.append(Step(step_id, say, bool(mandatory), bool(compliance), line))
    return tuple(steps)


def _cards(c: _Checker, node: Node) -> tuple[Card, ...]:
    if not isinstance(node, SequenceNode):
        c.error(node, f"cards: expected a list, got {_kind(node)}")
        return ()
    cards: list[Card] = []
    seen: dict[str, int] = {}
    for item in node.value:
        fields = c.mapping(item, _CARD_KEYS, "card")
        if not fields:
            continue
        line = item.start_mark.line + 1
        for required in ("id", "triggers", "body"):
            if required not in fields:
                c.error(item, f"card without {required!r}")
        card_id = c.string(fields["id"][1], "card id") if "id" in fields else None
        title = c.string(fields["title"][1], "card title") if "title" in fields else card_id
        triggers = c.strings(fields["triggers"][1], "card triggers") if "triggers" in fields else ()
        body = c.string(fields["body"][1], "card body") if "body" in fields else None
        if card_id is None or body is None:
            continue
        if card_id in seen:
            c.error(fields["id"][1], f"duplicate card id {card_id!r} (first at line {seen[card_id]})")
            continue
        seen[card_id] = line
        cards.append(Card(card_id, title or card_id, triggers, body, line))
    return tuple(cards)


def load_script(path: Path) -> Script:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError([f"{path}: script file not found"]) from None
    except UnicodeDecodeError as exc:
        raise ScriptError([f"{path}: not UTF-8 text ({exc.reason})"]) from None
    return parse_script(text, str(path))


class ScriptLibrary:
    """The scripts of a directory, by id. Bad files are skipped and listed in ``errors``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._scripts: dict[str, Script] = {}
        self.errors: list[str] = []
        self.reload()

    def reload(self) -> None:
        scripts: dict[str, Script] = {}
        errors: list[str] = []
        if self.directory.is_dir():
            for path in sorted([*self.directory.glob("*.yaml"), *self.directory.glob("*.yml")]):
                try:
                    script = load_script(path)
                except ScriptError as exc:
                    errors.extend(exc.errors)
                    continue
                if script.id in scripts:
                    errors.append(f"{path}:1: script id {script.id!r} also used by {scripts[script.id].source}")
                    continue
                scripts[script.id] = script
        for e in errors:
            log.error("%s", e)
        self._scripts, self.errors = scripts, errors

    def ids(self) -> list[str]:
        return sorted(self._scripts)

    def get(self, script_id: str) -> Script:
        script = self._scripts.get(script_id)
        if script is None:
            self.reload()  # a script saved since the last look
            script = self._scripts.get(script_id)
        if script is None:
            raise ScriptError([f"{self.directory}: no script with id {script_id!r} (have: {', '.join(self.ids())})"])
        return script
