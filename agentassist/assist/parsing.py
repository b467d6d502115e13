"""Script YAML parsed and validated, with errors that name file and line.

The format is in docs/scripts.md. Parsing keeps YAML node marks so every
problem points at its line; all problems of a file are reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from agentassist.assist.script import BUILTIN_VARIABLES, Card, Intent, Script, Step
from agentassist.errors import ScriptError
from agentassist.privacy.detect import KINDS as CARD_KINDS
from agentassist.privacy.kinds import OPTIONAL_KINDS, ORIGINAL_ROLES, PATTERN_NAME

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_ALERT_KEYS = {
    "silence_s": "customer and agent both silent this long",
    "overtalk_s": "agent speaking over the customer this long",
    "talk_ratio_max": "agent's share of talk time above this",
    "talk_ratio_min": "agent's share of talk time below this",
    "compliance_warn_s": "this long before the handle-time budget, warn about unsaid compliance steps",
}

_TOP_KEYS = {
    "id",
    "title",
    "version",
    "language",
    "handle_time_s",
    "steps",
    "forbidden",
    "cards",
    "campaign",
    "variables",
    "intents",
    "dispositions",
    "alerts",
    "redact",
    "keep_originals",
}
_STEP_KEYS = {"id", "say", "mandatory", "compliance", "after", "time_budget_s", "say_within_s", "must_hear"}
_STEP_KEYS |= {"pause_recording"}
PAUSE_TIMEOUT_S = 180.0  # a card read aloud and checked takes a minute or two; then the recording resumes
_CARD_KEYS = {"id", "title", "triggers", "body"}
_INTENT_KEYS = {"id", "triggers", "goto", "card"}


class _Checker:
    """Walks the YAML node tree, collecting every problem with its line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []
        self.columns: list[int | None] = []  # of each error, 1-based, where a node gave it (the editor's marks)
        self.after_lines: dict[str, int] = {}  # step id -> line of its 'after'
        self.ref_lines: dict[tuple[str, str], int] = {}  # (kind, intent id) -> line of the reference

    def error_at(self, line: int, message: str) -> None:
        self.errors.append(f"{self.source}:{line}: {message}")
        self.columns.append(None)

    def error(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(f"{self.source}:{line}: {message}")
        self.columns.append(node.start_mark.column + 1 if node is not None else None)

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

    def items(self, node: Node, allowed: set[str], kind: str) -> Iterator[tuple[Node, dict[str, tuple[Node, Node]]]]:
        """The mappings of a list section (steps, intents, cards) and their fields, checked against ``allowed``."""
        if not isinstance(node, SequenceNode):
            self.error(node, f"{kind}s: expected a list, got {_kind(node)}")
            return
        for item in node.value:
            fields = self.mapping(item, allowed, kind)
            if fields:
                yield item, fields

    def first(
        self, seen: dict[str, int], item: Node, fields: dict[str, tuple[Node, Node]], item_id: str, kind: str
    ) -> bool:
        """Whether this is the first item of its kind with this id; a later one is an error naming the first's line."""
        if item_id in seen:
            self.error(fields["id"][1], f"duplicate {kind} id {item_id!r} (first at line {seen[item_id]})")
            return False
        seen[item_id] = item.start_mark.line + 1
        return True

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
        column = mark.column + 1 if mark is not None else None
        raise ScriptError([f"{source}:{line}: invalid YAML: {exc.problem}"], [column]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control code)
        line = text[: exc.position].count("\n") + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ScriptError([f"{source}:{line}: invalid YAML: character U+{code:04X} is not allowed"], [column]) from None
    except yaml.YAMLError as exc:
        raise ScriptError([f"{source}:1: invalid YAML: {exc}"]) from None
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
    campaign = c.string(top["campaign"][1], "campaign") if "campaign" in top else ""
    title = c.string(top["title"][1], "title") if "title" in top else ""
    variables = _variables(c, top["variables"][1]) if "variables" in top else {}
    steps = _steps(c, top["steps"][1]) if "steps" in top else ()
    forbidden = c.strings(top["forbidden"][1], "forbidden") if "forbidden" in top else ()
    cards = _cards(c, top["cards"][1]) if "cards" in top else ()
    intents = _intents(c, top["intents"][1]) if "intents" in top else ()
    dispositions = _dispositions(c, top["dispositions"][1]) if "dispositions" in top else ()
    alerts = _alerts(c, top["alerts"][1]) if "alerts" in top else ()
    redact, patterns = _redact(c, top["redact"][1]) if "redact" in top else ((), ())
    originals = _keep_originals(c, top["keep_originals"][1]) if "keep_originals" in top else ()
    _check_references(c, steps, cards, intents, variables)
    if c.errors:
        raise ScriptError(c.errors, c.columns)
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
        campaign=campaign or "",
        variables=tuple(variables.items()),
        intents=intents,
        dispositions=dispositions,
        alerts=alerts,
        title=title or "",
        redact=redact,
        redact_patterns=patterns,
        original_roles=originals,
    )


def _steps(c: _Checker, node: Node) -> tuple[Step, ...]:
    if not isinstance(node, SequenceNode) or not node.value:
        c.error(node, "steps: expected a non-empty list of steps")
        return ()
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for item, fields in c.items(node, _STEP_KEYS, "step"):
        line = item.start_mark.line + 1
        step_id = c.string(fields["id"][1], "step id") if "id" in fields else None
        if "id" not in fields:
            c.error(item, "step without 'id'")
        if "say" not in fields:
            c.error(item, f"step {step_id or '?'!r} has no 'say'")
        say = c.strings(fields["say"][1], f"say of step {step_id!r}") if "say" in fields else ()
        mandatory = c.scalar(fields["mandatory"][1], bool, "mandatory") if "mandatory" in fields else False
        compliance = c.scalar(fields["compliance"][1], bool, "compliance") if "compliance" in fields else False
        after = c.strings(fields["after"][1], f"after of step {step_id!r}") if "after" in fields else ()
        budget, within = (_positive(c, fields, key) for key in ("time_budget_s", "say_within_s"))
        must = c.strings(fields["must_hear"][1], f"must_hear of step {step_id!r}") if "must_hear" in fields else ()
        pause_s = _pause_recording(c, fields["pause_recording"][1]) if "pause_recording" in fields else None
        if step_id is None or not c.first(seen, item, fields, step_id, "step"):
            continue
        after_line = fields["after"][1].start_mark.line + 1 if "after" in fields else line
        steps.append(Step(step_id, say, bool(mandatory), bool(compliance), line, after, budget, within, must, pause_s))
        c.after_lines[step_id] = after_line
    return tuple(steps)


def _pause_recording(c: _Checker, node: Node) -> float | None:
    """``pause_recording: true`` (for PAUSE_TIMEOUT_S at most) or ``{timeout_s: N}``; false: None."""
    if isinstance(node, MappingNode):
        fields = c.mapping(node, {"timeout_s"}, "pause_recording")
        return _positive(c, fields, "timeout_s") if "timeout_s" in fields else PAUSE_TIMEOUT_S
    if not isinstance(node, ScalarNode) or not node.tag.endswith(":bool"):
        c.error(node, f"pause_recording: expected true, false or {{timeout_s: seconds}}, got {_kind(node)}")
        return None
    return PAUSE_TIMEOUT_S if c.scalar(node, bool, "pause_recording") else None


def _positive(c: _Checker, fields: dict[str, tuple[Node, Node]], key: str) -> float | None:
    """A step's optional number of seconds, above 0."""
    if key not in fields:
        return None
    value: float | None = c.scalar(fields[key][1], float, key)
    if value is not None and value <= 0:
        c.error(fields[key][1], f"{key}: expected a number above 0, got {value}")
    return value


def _variables(c: _Checker, node: Node) -> dict[str, str]:
    if not isinstance(node, MappingNode):
        c.error(node, f"variables: expected a mapping of name: default text, got {_kind(node)}")
        return {}
    out: dict[str, str] = {}
    for key_node, value_node in node.value:
        name = str(key_node.value)
        if not re.fullmatch(r"\w+", name):
            c.error(key_node, f"variable name {name!r}: expected letters, digits and _ only")
            continue
        if name in out:
            c.error(key_node, f"variable {name!r} declared twice")
            continue
        if isinstance(value_node, ScalarNode) and value_node.tag.endswith(":null"):
            out[name] = ""
            continue
        if not isinstance(value_node, ScalarNode) or value_node.tag.endswith((":bool", ":int", ":float")):
            c.error(value_node, f"variable {name!r}: expected default text, got {_kind(value_node)}")
            continue
        out[name] = str(value_node.value)
    return out


def _intents(c: _Checker, node: Node) -> tuple[Intent, ...]:
    intents: list[Intent] = []
    seen: dict[str, int] = {}
    for item, fields in c.items(node, _INTENT_KEYS, "intent"):
        line = item.start_mark.line + 1
        for required in ("id", "triggers"):
            if required not in fields:
                c.error(item, f"intent without {required!r}")
        if "goto" not in fields and "card" not in fields:
            c.error(item, "intent without 'goto' or 'card': expected at least one")
        intent_id = c.string(fields["id"][1], "intent id") if "id" in fields else None
        triggers = c.strings(fields["triggers"][1], "intent triggers") if "triggers" in fields else ()
        goto = c.string(fields["goto"][1], "intent goto") if "goto" in fields else None
        card = c.string(fields["card"][1], "intent card") if "card" in fields else None
        if intent_id is None or not c.first(seen, item, fields, intent_id, "intent"):
            continue
        if goto:
            c.ref_lines[("goto", intent_id)] = fields["goto"][1].start_mark.line + 1
        if card:
            c.ref_lines[("card", intent_id)] = fields["card"][1].start_mark.line + 1
        intents.append(Intent(intent_id, triggers, goto, card, line))
    return tuple(intents)


def _dispositions(c: _Checker, node: Node) -> tuple[str, ...]:
    codes = c.strings(node, "dispositions")
    seen: set[str] = set()
    for code in codes:
        if not re.fullmatch(r"[\w-]+", code):
            c.error(node, f"disposition {code!r}: expected a code of letters, digits, '-' and '_'")
        if code in seen:
            c.error(node, f"disposition {code!r} listed twice")
        seen.add(code)
    return codes


def _alerts(c: _Checker, node: Node) -> tuple[tuple[str, float], ...]:
    fields = c.mapping(node, set(_ALERT_KEYS), "alerts")
    out: list[tuple[str, float]] = []
    for key, (_, value_node) in fields.items():
        value = c.scalar(value_node, float, f"alerts.{key}")
        if value is None:
            continue
        if value < 0 or (key.startswith("talk_ratio") and value > 1):
            c.error(
                value_node, f"alerts.{key}: expected {'0..1' if key.startswith('talk_ratio') else '>= 0'}, got {value}"
            )
            continue
        out.append((key, float(value)))
    return tuple(out)


def _redact(c: _Checker, node: Node) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """``redact``: a list of kinds (iban, phone, email) and ``name: regex`` patterns of the script's own."""
    if not isinstance(node, SequenceNode):
        c.error(
            node, f"redact: expected a list of kinds ({', '.join(OPTIONAL_KINDS)}) or name: regex, got {_kind(node)}"
        )
        return (), ()
    kinds: list[str] = []
    patterns: list[tuple[str, str]] = []
    for item in node.value:
        if isinstance(item, MappingNode):
            for key_node, value_node in item.value:
                name, regex = str(key_node.value), c.string(value_node, f"redact pattern {key_node.value!r}")
                if not PATTERN_NAME.fullmatch(name) or name in OPTIONAL_KINDS + CARD_KINDS:
                    c.error(
                        key_node, f"redact: expected a pattern name of a-z, 0-9 and _ that is not a kind, got {name!r}"
                    )
                elif regex is not None and (problem := _regex_problem(regex)):
                    c.error(
                        value_node, f"redact pattern {name!r}: expected a regular expression, got {regex!r} ({problem})"
                    )
                elif regex is not None:
                    patterns.append((name, regex))
        elif (kind := c.string(item, "redact")) is not None:
            if kind in CARD_KINDS:
                c.error(
                    item, f"redact: {kind!r} is always redacted; list only {', '.join(OPTIONAL_KINDS)} or name: regex"
                )
            elif kind not in OPTIONAL_KINDS:
                c.error(item, f"redact: expected one of {', '.join(OPTIONAL_KINDS)} or name: regex, got {kind!r}")
            else:
                kinds.append(kind)
    return tuple(dict.fromkeys(kinds)), tuple(patterns)


def _keep_originals(c: _Checker, node: Node) -> tuple[str, ...]:
    """``keep_originals``: false, true (admin reads them) or a list of roles besides admin."""
    if isinstance(node, ScalarNode) and node.tag.endswith(":bool"):
        return ("admin",) if c.scalar(node, bool, "keep_originals") else ()
    roles = c.strings(node, "keep_originals") if isinstance(node, SequenceNode) else ()
    if not isinstance(node, SequenceNode):
        c.error(node, f"keep_originals: expected true, false or a list of roles, got {_kind(node)}")
    for role in roles:
        if role not in ORIGINAL_ROLES:
            c.error(node, f"keep_originals: expected roles from {', '.join(ORIGINAL_ROLES)}, got {role!r}")
    return tuple(dict.fromkeys(("admin", *roles)))


def _regex_problem(regex: str) -> str:
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        return str(exc)
    return "it matches nothing said, an empty text" if compiled.fullmatch("") else ""


def _check_references(
    c: _Checker,
    steps: tuple[Step, ...],
    cards: tuple[Card, ...],
    intents: tuple[Intent, ...],
    variables: dict[str, str],
) -> None:
    """Cross-references: order constraints, intent targets, placeholders; cycles in ``after``."""
    step_ids = {s.id for s in steps}
    card_ids = {k.id for k in cards}
    known = set(BUILTIN_VARIABLES) | set(variables)
    for s in steps:
        for dep in s.after:
            if dep not in step_ids:
                c.error_at(c.after_lines[s.id], f"step {s.id!r}: 'after' names a missing step {dep!r}")
            elif dep == s.id:
                c.error_at(c.after_lines[s.id], f"step {s.id!r}: 'after' names the step itself")
        for text in s.say:
            for name in _PLACEHOLDER.findall(text):
                if name not in known:
                    c.error_at(
                        s.line,
                        f"step {s.id!r}: unknown variable {{{name}}} (declare it under 'variables'; "
                        f"built in: {', '.join(BUILTIN_VARIABLES)})",
                    )
    for i in intents:
        if i.goto and i.goto not in step_ids:
            c.error_at(c.ref_lines[("goto", i.id)], f"intent {i.id!r}: goto names a missing step {i.goto!r}")
        if i.card and i.card not in card_ids:
            c.error_at(c.ref_lines[("card", i.id)], f"intent {i.id!r}: card names a missing card {i.card!r}")
    cycle = _find_cycle({s.id: [d for d in s.after if d in step_ids and d != s.id] for s in steps})
    if cycle:
        c.error_at(c.after_lines[cycle[0]], f"order constraints form a cycle: {' -> '.join([*cycle, cycle[0]])}")


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """One cycle of ``graph`` (node -> nodes it must come after), in order, or [] when there is none."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def _cards(c: _Checker, node: Node) -> tuple[Card, ...]:
    cards: list[Card] = []
    seen: dict[str, int] = {}
    for item, fields in c.items(node, _CARD_KEYS, "card"):
        line = item.start_mark.line + 1
        for required in ("id", "triggers", "body"):
            if required not in fields:
                c.error(item, f"card without {required!r}")
        card_id = c.string(fields["id"][1], "card id") if "id" in fields else None
        title = c.string(fields["title"][1], "card title") if "title" in fields else card_id
        triggers = c.strings(fields["triggers"][1], "card triggers") if "triggers" in fields else ()
        body = c.string(fields["body"][1], "card body") if "body" in fields else None
        if card_id is None or body is None or not c.first(seen, item, fields, card_id, "card"):
            continue
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
