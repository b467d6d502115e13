"""The script page's editor text as a test reads and writes it, whichever component the page has:
CodeMirror (its instance hangs on its wrapper element, the library's documented handle) or the plain
textarea it falls back to. Through ``page.evaluate`` (the DevTools protocol: the page's CSP refuses eval)."""

from __future__ import annotations

from typing import Any

_CM = "document.querySelector('#editor .CodeMirror')"
_GET = f"() => {{ const w = {_CM}; return w ? w.CodeMirror.getValue() : document.getElementById('yaml').value; }}"
_SET = (
    f"(t) => {{ const w = {_CM}; if (w) {{ w.CodeMirror.setValue(t); return; }} "
    "const a = document.getElementById('yaml'); a.value = t; a.dispatchEvent(new Event('input')); }"
)
_SELECTED = (
    f"() => {{ const w = {_CM}; if (w) return w.CodeMirror.getSelection(); "
    "const t = document.getElementById('yaml'); return t.value.slice(t.selectionStart, t.selectionEnd); }"
)


def editor_text(page: Any) -> str:
    return str(page.evaluate(_GET))


def set_editor_text(page: Any, text: str) -> None:
    """Replace the whole text, as a paste over a select-all would (the page hears a change)."""
    page.evaluate(_SET, text)


def selected_text(page: Any) -> str:
    return str(page.evaluate(_SELECTED))


def component(page: Any) -> str:
    """'codemirror' or 'textarea': what the page loaded (tools/vendor-js.sh codemirror installs the first)."""
    return str(page.locator("#editor").get_attribute("data-component"))
