"use strict";
// The script page's differences: the text in the editor against the version it was loaded from (Diff),
// two saved versions (Compare, or "changes" on a version: against the one before), and after a refused
// save (412) the text against the version saved meanwhile, with both edits merged on request. The
// server computes each diff (POST/GET /api/scripts/{id}/diff); this draws it as one table, unified, with
// the old and new line numbers. Uses state, code, setStatus, showProblems and load of scripts.js.

function diffTable(d) {
  if (!d.hunks.length) return el("p", { class: "diff-none" }, "No differences.");
  const sign = { same: " ", del: "−", add: "+" };
  const body = el("tbody");
  for (const h of d.hunks) {
    body.append(el("tr", { class: "hunk" },
      el("td", { colspan: 4 }, `@@ -${h.old_start},${h.old_lines} +${h.new_start},${h.new_lines} @@`)));
    for (const r of h.rows) {
      body.append(el("tr", { class: r.op }, el("td", { class: "n" }, r.old ?? ""), el("td", { class: "n" }, r.new ?? ""),
        el("td", { class: "sign" }, sign[r.op]), el("td", { class: "t" }, r.text)));
    }
  }
  return el("table", { class: "diff" }, el("thead", {}, el("tr", {}, el("th", {}, "old version"), el("th", {}, "new version"),
    el("th", {}, "±"), el("th", {}, "line in the script"))), body);
}

function showDiff(title, d, kind) {
  $("diff-title").textContent = title;
  $("diff-summary").textContent = t("+{added} −{removed} lines", d);
  $("diff").replaceChildren(diffTable(d));
  $("diff-box").dataset.kind = kind;
  $("diff-box").hidden = false;
  $("diff-box").scrollIntoView({ block: "nearest" });
}

function closeDiff() {
  $("diff-box").hidden = true;
  delete $("diff-box").dataset.kind;
}

const scriptPath = () => `/api/scripts/${encodeURIComponent(state.id)}`;

$("diff-saved").addEventListener("click", async () => {
  if (!state.id || state.isNew) { setStatus("Not saved yet: there is no version to compare with."); return; }
  try {
    const r = await api(`${scriptPath()}/diff`, { method: "POST", body: { yaml: code.get(), version: state.version } });
    showDiff(t("Your text against version {version}", r), r.diff, "saved");
  } catch (e) { setStatus(e.message, "error"); }
});
$("diff-close").addEventListener("click", closeDiff);

async function compareVersions(from, to) {
  try {
    const r = await api(`${scriptPath()}/diff?from=${from}&to=${to}`);
    $("cmp-from").value = r.from;
    $("cmp-to").value = r.to;
    showDiff(t("Version {from} → version {to}", r), r.diff, "versions");
  } catch (e) { setStatus(e.message, "error"); }
}

function fillCompare(versions) {  // newest first
  const options = () => versions.map((v) => el("option", { value: v }, `v${v}`));
  $("cmp-from").replaceChildren(...options());
  $("cmp-to").replaceChildren(...options());
  $("compare").hidden = versions.length < 2;
  if (versions.length >= 2) { $("cmp-from").value = versions[1]; $("cmp-to").value = versions[0]; }
}
$("compare").addEventListener("submit", (e) => {
  e.preventDefault();
  compareVersions($("cmp-from").value, $("cmp-to").value);
});

// A save someone else's overtook (412): the text stays; what it changes in the version saved meanwhile
// is shown, and "Merge both" puts both edits of the version it was loaded from into the editor.
async function conflict(detail, mine) {
  $("conflict-text").textContent = t("Not saved: someone else saved this script since you opened it ({detail}). Your text is still in the editor; below, how it differs from the version saved meanwhile.", { detail });
  $("conflict").hidden = false;
  $("conflict-merge").hidden = true;
  setStatus("Not saved: conflict.", "error");
  try {
    const r = await api(`${scriptPath()}/diff`, { method: "POST", body: { yaml: mine, base: state.version } });
    state.conflict = { version: r.version, merge: r.merge };
    $("conflict").dataset.version = r.version;
    $("conflict-merge").hidden = !r.merge;
    showDiff(t("Yours against version {version}, saved meanwhile", r), r.diff, "conflict");
  } catch (e) { setStatus(t("Not saved: conflict ({error}).", { error: e.message }), "error"); }
}

$("conflict-merge").addEventListener("click", () => {
  const c = state.conflict;
  if (!c || !c.merge) return;
  code.set(c.merge.yaml);
  state.version = c.version;  // the next save goes on top of the version saved meanwhile
  $("editor").dataset.version = c.version;
  $("editing").textContent = `${state.id} · ${t("version {version}", c)}`;
  markDirty();
  $("conflict").hidden = true;
  closeDiff();
  state.conflict = null;
  const n = c.merge.conflicts;
  setStatus(n ? t("Merged with version {version}: {n} stretch changed on both sides stands between <<<<<<< and >>>>>>> lines: keep what should stay, delete the markers, then save.|Merged with version {version}: {n} stretches changed on both sides stand between <<<<<<< and >>>>>>> lines: keep what should stay, delete the markers, then save.", { n, version: c.version })
    : t("Merged with version {version}: both edits are in the editor; check and save.", c), n ? "error" : "ok");
  code.focus();
});
