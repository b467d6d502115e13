"use strict";
// agentassist script editor: the scripts of scripts_dir, one opened as YAML in a code editor (codeedit.js:
// line numbers, highlighting, problems marked at their lines as you type), saved as a new version
// (PUT /api/scripts/{id} with If-Match: a save that someone else's save overtook is refused, 412, the
// text stays, and the page shows the difference and can merge both: scriptdiff.js), its earlier
// versions viewed read-only, compared and copied back to restore; tried on a transcript before saving
// (scripttry.js); the quality checkers' offered wordings accepted or rejected (offers.js). Open as
// /scripts (optionally ?script=ID). For the roles that may save scripts.
const WRITERS = ["team_leader", "supervisor", "admin"];
const state = {
  scripts: [],       // GET /api/scripts items
  id: null,          // the script open in the editor
  version: null,     // the version the editor's text was loaded from (the If-Match of the next save)
  isNew: false,      // not saved yet: no If-Match
  saved: "",         // the text as last loaded or saved: the editor is dirty when it differs
  old: null,         // {version, yaml} of the earlier version being viewed
  saving: false,
};
let code = null;  // codeEditor() over #yaml, once the page has started
const CHECK_AFTER_MS = 600;  // a pause in typing this long checks the text (POST /api/scripts/check)
let checkTimer = null, checkSeq = 0;

const template = (id) => `id: ${id}
title: ${id}
language: en
steps:
  - id: greet
    say: ["Hello, thank you for calling."]
    mandatory: true
`;

function setStatus(text, kind = "") {
  const box = $("save-status");
  box.textContent = text;
  box.className = kind;
}

function markDirty() { $("dirty").hidden = code.get() === state.saved; }

// Problems marked while typing: each check's answer is shown unless a newer one was asked meanwhile.
function checkSoon() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(async () => {
    const seq = ++checkSeq;
    try {
      const r = await api("/api/scripts/check", { method: "POST", body: { yaml: code.get() } });
      if (seq === checkSeq) showProblems(r.errors, "Problems in the text (not saved until they are fixed)");
    } catch (e) { /* the save says it again */ }
  }, CHECK_AFTER_MS);
}

// ---- the list ----------------------------------------------------------------------------------------
async function loadList() {
  const data = await api("/api/scripts");
  state.scripts = data.items;
  const body = $("scripts").tBodies[0];
  body.replaceChildren(...(data.items.length ? data.items.map((s) => el("tr", {
    "data-script": s.id, tabindex: "0", class: s.id === state.id ? "open" : null, onclick: () => openScript(s.id),
  }, el("td", {}, s.id), el("td", {}, s.title === s.id ? "" : s.title), el("td", {}, s.campaign || ""),
    el("td", {}, s.language || ""), el("td", { class: "v" }, s.version), el("td", { class: "v" }, s.steps)))
    : [el("tr", {}, el("td", { colspan: 6, class: "empty" }, "No scripts yet: start one with New script."))]));
  $("load-errors").replaceChildren(...data.errors.map((p) => el("li", {},
    `${p.file || ""}${p.line ? ` line ${p.line}` : ""}: ${p.message}`)));
  await showPending(data.items);  // offers.js
}

// ---- opening a script ----------------------------------------------------------------------------------
function showEditor(id, title) {
  $("editor").hidden = false;
  $("editing").textContent = title;
  $("conflict").hidden = true;
  showProblems([]);
  closeDiff();
  code.refresh();  // a code editor drawn while its section was hidden measures itself now
  document.querySelectorAll("#scripts tbody tr").forEach((tr) => tr.classList.toggle("open", tr.dataset.script === id));
}

function load(script) {
  state.id = script.id;
  state.version = script.current_version;
  state.isNew = false;
  state.saved = script.yaml;
  code.set(script.yaml);
  markDirty();
  showEditor(script.id, `${script.id} · ${t("version {version}", { version: script.current_version })}`);
  $("editor").dataset.version = script.current_version;
  const url = new URL(location.href);
  url.searchParams.set("script", script.id);
  history.replaceState(null, "", url);
}

async function openScript(id) {
  if (state.id && code.get() !== state.saved && id !== state.id
      && !window.confirm(t("Leave {id} without saving your changes?", state))) return;
  setStatus("");
  closeOld();
  $("mine-box").hidden = true;
  try {
    load(await api(`/api/scripts/${encodeURIComponent(id)}`));
    await Promise.all([loadVersions(), loadOffers(), loadTryCalls()]);
  } catch (e) { setStatus(e.message, "error"); }
}

function startNew(id) {
  state.id = id;
  state.version = null;
  state.isNew = true;
  state.saved = "";
  code.set(template(id));
  markDirty();
  closeOld();
  $("versions").replaceChildren(el("li", {}, el("span", { class: "meta" }, "Not saved yet.")));
  fillCompare([]);
  $("offers-box").hidden = true;
  showEditor(id, `${id} · ${t("new script")}`);
  delete $("editor").dataset.version;
  setStatus("A new script: edit it and save to create version 1.");
  code.focus();
}

// ---- saving -------------------------------------------------------------------------------------------
async function save({ overwrite = false } = {}) {
  if (!state.id || state.saving) return;
  const text = code.get();
  const headers = { Authorization: `Bearer ${session.token}`, "Content-Type": "text/yaml" };
  if (overwrite) headers["If-Match"] = "*";
  else if (!state.isNew) headers["If-Match"] = `"${state.version}"`;
  state.saving = true;
  $("save").disabled = true;
  setStatus("Saving…");
  try {
    const r = await fetch(`/api/scripts/${encodeURIComponent(state.id)}`, { method: "PUT", headers, body: text });
    const data = r.headers.get("content-type")?.includes("json") ? await r.json() : {};
    if (r.status === 401) { signOut("The token was refused: sign in again."); return; }
    if (r.status === 412) { await conflict(data.detail, text); return; }
    if (r.status === 422) {
      showProblems(data.errors || [{ line: null, message: data.detail }], "Not saved: the script has errors");
      setStatus(t("Not saved: {error}. Your text is unchanged.", { error: data.detail || t("the script is invalid") }), "error");
      return;
    }
    if (!r.ok) { setStatus(t("Not saved: {error}", { error: data.detail || r.status }), "error"); return; }
    showProblems([]);
    $("conflict").hidden = true;
    $("mine-box").hidden = true;
    closeDiff();
    const fresh = await api(`/api/scripts/${encodeURIComponent(data.id)}`);  // the server set its version: line
    if (code.get() === text) load(fresh);
    else { state.version = fresh.current_version; state.isNew = false; state.saved = text; markDirty(); }  // typed meanwhile: kept
    const applied = data.applied_to.length;
    setStatus(data.changed ? t("Saved as version {version}", data) +
      (applied ? "; " + t("applied to {n} active call.|applied to {n} active calls.", { n: applied }) : ".")
      : t("Nothing changed: still version {version}.", data), "ok");
    await Promise.all([loadVersions(), loadList()]);
  } catch (e) {
    setStatus(t("Not saved: {error}", { error: e.message }), "error");
  } finally {
    state.saving = false;
    $("save").disabled = false;
  }
}

// The problems of the text, listed beside the editor (a click selects the line) and marked in its gutter.
function showProblems(problems, title = "") {
  $("problems-box").hidden = !problems.length;
  if (title) $("problems-title").textContent = title;
  $("editor").querySelector(".editor-body").classList.toggle("with-problems", problems.length > 0);
  $("problems").replaceChildren(...problems.map((p) => el("li", {
    "data-line": p.line ?? "", title: p.line ? "show the line" : null, onclick: () => p.line && code.selectLine(p.line),
  }, p.line ? el("span", { class: "line" }, t("line {line}", { line: `${p.line}${p.column ? `:${p.column}` : ""}` })) : "", p.message)));
  code.mark(problems);
}

// Load the newest version into the editor; the user's text goes to the read-only box below, to copy from.
$("conflict-reload").addEventListener("click", async () => {
  const mine = code.get();
  try {
    const script = await api(`/api/scripts/${encodeURIComponent(state.id)}`);
    $("mine").value = mine;  // before load() marks the editor with the new version
    $("mine-box").hidden = false;
    load(script);
    await loadVersions();
  } catch (e) { setStatus(e.message, "error"); return; }
  setStatus(t("Loaded version {version}; your unsaved text is kept below.", state));
});
$("conflict-overwrite").addEventListener("click", () => save({ overwrite: true }));
$("mine-restore").addEventListener("click", () => {
  code.set($("mine").value);
  markDirty();
  $("mine-box").hidden = true;
  setStatus(t("Your text is back in the editor; saving makes it the version after {version}.", state));
});

// ---- versions -----------------------------------------------------------------------------------------
async function loadVersions() {
  const data = await api(`/api/scripts/${encodeURIComponent(state.id)}/versions`);
  const items = [...data.items].sort((a, b) => b.version - a.version);
  $("versions").replaceChildren(...items.map((v) => el("li", {
    "data-version": v.version, class: v.version === data.current_version ? "current" : null,
  }, el("b", {}, `v${v.version}`), el("span", { class: "meta" }, `${fmtDate(v.saved_at)} · ${v.by}`,
    v.version === data.current_version ? el("span", { class: "current-mark" }, " · ", t("current version")) : ""),
    el("button", { type: "button", class: "small secondary view", onclick: () => viewVersion(v.version) }, "view"),
    v.version > 1 ? el("button", { type: "button", class: "small secondary changes",
      onclick: () => compareVersions(v.version - 1, v.version) }, "changes") : "")));
  fillCompare(items.map((v) => v.version));
}

async function viewVersion(version) {
  try {
    const old = await api(`/api/scripts/${encodeURIComponent(state.id)}?version=${version}`);
    state.old = { version, yaml: old.yaml };
    $("old-title").textContent = t("Version {version} (read only)", { version });
    $("old-yaml").value = old.yaml;
    $("old-box").hidden = false;
    $("old-box").dataset.version = version;
  } catch (e) { setStatus(e.message, "error"); }
}

function closeOld() {
  state.old = null;
  $("old-box").hidden = true;
}

$("restore").addEventListener("click", () => {
  if (!state.old) return;
  code.set(state.old.yaml);
  markDirty();
  setStatus(t("Version {old} copied into the editor: save to make it version {next}.", { old: state.old.version, next: state.version + 1 }));
  closeOld();
  code.focus();
});
$("old-close").addEventListener("click", closeOld);

// ---- new script ---------------------------------------------------------------------------------------
$("new-script").addEventListener("click", () => { $("new-form").hidden = false; $("new-id").focus(); });
$("new-cancel").addEventListener("click", () => { $("new-form").hidden = true; });
$("new-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("new-id").value.trim();
  if (!/^[A-Za-z0-9._-]+$/.test(id)) { setStatus("A script id is letters, digits, '.', '-' or '_'.", "error"); return; }
  if (state.scripts.some((s) => s.id === id)) { openScript(id); } else { startNew(id); }
  $("new-form").hidden = true;
  $("new-id").value = "";
});

// ---- keys and leaving ---------------------------------------------------------------------------------
$("save").addEventListener("click", () => save());
document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented) return;  // the code editor's own Ctrl+S
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
    e.preventDefault();
    if (!$("editor").hidden) save();
  }
});
window.addEventListener("beforeunload", (e) => {
  if (state.id && code && code.get() !== state.saved) e.preventDefault();
});

function notAllowed(message) {  // signed in, but not for this page: the session stays for the others
  appRoot().replaceChildren(el("p", { id: "not-allowed", class: "error" }, message, " ", el("a", { href: "/" }, "Back to the calls")));
}

// ---- start ---------------------------------------------------------------------------------------
startPage(async (me) => {
  if (!WRITERS.includes(me.role)) {
    notAllowed(t("Signed in as {name}, a {role}: the script editor is for team leaders, supervisors and admins.", { name: me.name, role: t(me.role).replace("_", " ") }));  // the role as the header names it
    return;
  }
  if (!code) {
    code = codeEditor($("yaml"), await loadCodeMirror());
    $("editor").dataset.component = code.kind;
    code.onChange(() => { markDirty(); checkSoon(); });
    code.onSave(() => save());
  }
  await loadList();
  const wanted = new URLSearchParams(location.search).get("script");
  if (wanted && state.scripts.some((s) => s.id === wanted)) await openScript(wanted);
});
