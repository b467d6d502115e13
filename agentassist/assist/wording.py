"""A new wording of a step, written into a script's text: the one ``say:`` list grows by one line and
every other line stays as its author wrote it (comments, quoting, order), so the version history
shows exactly what an accepted offer changed.

``say:`` is written in three shapes (docs/scripts.md), each kept:

- a block list (``- "Hello"`` lines): a line in the same indentation after its last item;
- a flow list (``["Hello", "Hi"]``): one more item before the ``]``;
- one text (``say: Hello``): it becomes a flow list of that text and the new one.
"""

from __future__ import annotations

import json
import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from agentassist.assist.parsing import parse_script
from agentassist.assist.script import Step
from agentassist.errors import ScriptError

_NOT_WORD = re.compile(r"[^\w\s{}]")


def same_words(a: str, b: str) -> bool:
    """Whether two wordings are the same words (case, punctuation and spacing aside)."""
    return _words(a) == _words(b)


def says(step: Step, wording: str) -> bool:
    """Whether ``step`` has ``wording`` among its ``say:`` lines already."""
    return any(same_words(line, wording) for line in step.say)


def with_say(text: str, step_id: str, wording: str, source: str = "<script>") -> str:
    """``text`` (a valid script) with ``wording`` added to the ``say:`` of step ``step_id``.

    Raises ScriptError when the step is not in the script, or when the result does not parse to the
    same script with that one wording more (a wording that names an unknown ``{variable}``)."""
    wording = " ".join(wording.split())
    if not wording:
        raise ScriptError([f"{source}:1: step {step_id!r}: expected a wording to add, got an empty text"])
    before = parse_script(text, source)
    step = before.step(step_id)
    if step is None:
        have = ", ".join(s.id for s in before.steps)
        raise ScriptError([f"{source}:1: no step {step_id!r} in script {before.id!r} (steps: {have})"])
    say = _say_node(text, step_id)
    quoted = json.dumps(wording, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    if isinstance(say, SequenceNode) and say.flow_style:
        close = text.rindex("]", say.start_mark.index, say.end_mark.index)
        head = text[:close].rstrip()
        sep = "" if head.endswith("[") else (" " if head.endswith(",") else ", ")
        edited = head + sep + quoted + text[close:]
    elif isinstance(say, SequenceNode):
        first, last = say.value[0], say.value[-1]
        line_start = text.rfind("\n", 0, first.start_mark.index) + 1
        prefix = text[line_start : first.start_mark.index]  # "      - "
        end = last.end_mark.index
        if end > 0 and text[end - 1] == "\n":  # a block scalar ends after its line break
            at = end
        else:
            nl = text.find("\n", end)
            at = len(text) if nl < 0 else nl + 1
        line = prefix + quoted + "\n"
        edited = text[:at] + ("" if at == 0 or text[at - 1] == "\n" else "\n") + line + text[at:]
    else:
        assert isinstance(say, ScalarNode), "a parsed step's say is text or a list"
        start, end = say.start_mark.index, say.end_mark.index
        piece = text[start:end]
        quoted_alone = say.style in ('"', "'") and "\n" not in piece  # a plain text may hold a "," or "]"
        keep = piece if quoted_alone else json.dumps(str(say.value).strip(), ensure_ascii=False)
        tail = "\n" if piece.endswith("\n") else ""
        edited = f"{text[:start]}[{keep}, {quoted}]{tail}{text[end:]}"
    after = parse_script(edited, source).step(step_id)
    if after is None or after.say != (*step.say, wording):
        raise ScriptError([f"{source}:{step.line}: step {step_id!r}: the wording {wording!r} could not be added"])
    return edited


def _say_node(text: str, step_id: str) -> Node:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(root, MappingNode), "validated scripts are mappings"
    steps = next(v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "steps")
    assert isinstance(steps, SequenceNode), "validated steps are a list"
    for item in steps.value:
        fields = {k.value: v for k, v in item.value} if isinstance(item, MappingNode) else {}
        step = fields.get("id")
        say: Node | None = fields.get("say")
        if isinstance(step, ScalarNode) and str(step.value).strip() == step_id and say is not None:
            return say
    raise AssertionError(f"step {step_id!r} parsed but its say: node was not found")


def _words(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())
