"use strict";
// The script page's code editor: CodeMirror 5 (static/vendor/editor/, which `tools/vendor-js.sh codemirror`
// puts there at `make install`) over the page's textarea, with line numbers, YAML highlighting and a gutter
// that marks each problem of the script at its line; without those files, the plain textarea, with the
// same few verbs, so scripts.js does not care which it has.
const VENDOR = "/static/vendor/editor";

function loadAsset(tag, attrs) {
  return new Promise((resolve, reject) => {
    document.head.append(el(tag, { ...attrs, onload: resolve, onerror: () => reject(new Error(`${attrs.src || attrs.href}: not loaded`)) }));
  });
}

// The component, or null when it is not installed (the textarea then): loaded once, before the page starts.
async function loadCodeMirror() {
  try {
    await Promise.all([loadAsset("script", { src: `${VENDOR}/codemirror.js` }),
      loadAsset("link", { rel: "stylesheet", href: `${VENDOR}/codemirror.css` })]);
    await loadAsset("script", { src: `${VENDOR}/yaml.js` });
    return window.CodeMirror || null;
  } catch (e) {
    return null;
  }
}

// {kind, get(), set(text), focus(), refresh(), selectLine(n), mark(problems), onChange(fn), onSave(fn)} over `textarea`.
function codeEditor(textarea, CM) {
  const changed = [], saves = [];
  if (!CM) {
    textarea.addEventListener("input", () => changed.forEach((f) => f()));
    return {
      kind: "textarea",
      get: () => textarea.value,
      set: (text) => { textarea.value = text; changed.forEach((f) => f()); },  // as CodeMirror's setValue does
      focus: () => textarea.focus(),
      selectLine(n) {  // select line n (1-based) and scroll it into view
        const lines = textarea.value.split("\n");
        const start = lines.slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
        textarea.focus();
        textarea.setSelectionRange(start, start + (lines[n - 1] || "").length);
        const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
        textarea.scrollTop = Math.max(0, (n - 5) * lineHeight);
      },
      mark() {},  // a textarea has no gutter: the list beside it says the lines
      refresh() {},
      onChange: (f) => changed.push(f),
      onSave: (f) => saves.push(f),
    };
  }
  const save = () => saves.forEach((f) => f());
  const cm = CM.fromTextArea(textarea, {
    mode: "yaml", lineNumbers: true, indentUnit: 2, tabSize: 2, lineWrapping: false,
    gutters: ["problems", "CodeMirror-linenumbers"],
    screenReaderLabel: textarea.getAttribute("aria-label") || "code",  // the label of the textarea it replaces
    // Tab and Shift+Tab leave the editor, as in any form field (no keyboard trap, WCAG 2.1.2): Enter keeps
    // the line's indent, Ctrl+] and Ctrl+[ indent and outdent (CodeMirror's defaults), with spaces.
    extraKeys: { "Ctrl-S": save, "Cmd-S": save, Tab: false, "Shift-Tab": false },
  });
  cm.getScrollerElement().setAttribute("tabindex", "0");  // a scrolling region keys can reach (axe)
  cm.on("change", () => {
    cm.save();  // the textarea keeps the text too: whatever reads #yaml reads what is in the editor
    changed.forEach((f) => f());
  });
  let marked = [];
  return {
    kind: "codemirror",
    cm,
    get: () => cm.getValue(),
    set(text) { cm.setValue(text); cm.clearHistory(); },
    focus: () => cm.focus(),
    refresh: () => cm.refresh(),
    selectLine(n) {
      const line = Math.min(Math.max(n - 1, 0), cm.lineCount() - 1);
      cm.focus();
      cm.setSelection({ line, ch: 0 }, { line, ch: cm.getLine(line).length });
      cm.scrollIntoView({ line, ch: 0 }, 80);
    },
    mark(problems) {  // a marker in the gutter and a tint on each problem's line; the message on hover
      cm.clearGutter("problems");
      marked.forEach((h) => cm.removeLineClass(h, "background", "problem-line"));
      marked = [];
      const byLine = new Map();
      for (const p of problems) {
        if (!p.line || p.line > cm.lineCount()) continue;
        byLine.set(p.line, [...(byLine.get(p.line) || []), p.column ? `column ${p.column}: ${p.message}` : p.message]);
      }
      for (const [line, messages] of byLine) {
        cm.setGutterMarker(line - 1, "problems", el("span", { class: "problem-marker", title: messages.join("\n"), "data-line": line }, "●"));
        marked.push(cm.addLineClass(line - 1, "background", "problem-line"));
      }
    },
    onChange: (f) => changed.push(f),
    onSave: (f) => saves.push(f),
  };
}
