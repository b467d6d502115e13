"use strict";
// agentassist privacy (admin): a person's data found by number or name, exported as one zip and erased
// with a receipt; legal holds placed and released; retention's rules and a pass run now; the audit log
// searched and exported as CSV. The number or name goes in POST bodies only, never in the address.
const state = { audit: { next: null } };

const when = (iso) => iso ? fmtDate(iso) : "";  // the user's language, with the time zone (i18n.js)

// A file the API answers (an export) saved through a link: the request carries the token, so it is fetched.
async function download(path, { method = "GET", body } = {}, fallbackName = "download") {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) {
    const data = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
    throw new ApiError(r.status, errorText(data && data.detail) || `${method} ${path}: ${r.status}`);
  }
  const name = /filename="?([^";]+)"?/.exec(r.headers.get("content-disposition") || "")?.[1] || fallbackName;
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- a person's data -------------------------------------------------------------------------------
const query = () => ({ q: $("person-q").value.trim() });

async function findPerson() {
  $("person-error").textContent = "";
  const found = await api("/api/privacy/find", { method: "POST", body: query() });
  const c = found.counts;
  $("person-counts").textContent = c.calls
    ? t("{calls} calls ({party} theirs, {mentioning} mentioning them, {held} held), {recordings} recordings, {lines} transcript lines, {evaluations} evaluations", { calls: c.calls, party: c.party_calls,
      mentioning: c.mentioning_calls, held: c.held_calls, recordings: c.recordings, lines: c.transcript_lines,
      evaluations: c.evaluations })
    : "Nothing about this person.";
  $("person-calls").tBodies[0].replaceChildren(...found.calls.map((f) => el("tr", { "data-call": f.id },
    el("td", {}, el("a", { href: `/static/replay.html?call=${encodeURIComponent(f.id)}` }, f.id)),
    el("td", {}, when(f.started_at)), el("td", {}, f.agent), el("td", {}, f.remote),
    el("td", {}, f.party ? t("their own call") : t("mentions them")), el("td", {}, f.recording ? "yes" : ""),
    el("td", { class: "num" }, f.transcript_lines), el("td", {}, f.evaluations.join(", ")),
    el("td", { class: "held" }, f.held ? "held" : ""))));
  return found;
}

$("person-form").addEventListener("submit", (e) => {
  e.preventDefault();
  findPerson().catch((err) => { $("person-error").textContent = err.message; });
});

$("person-export").addEventListener("click", async () => {
  $("person-error").textContent = "";
  if (!$("person-form").reportValidity()) return;
  try { await download("/api/privacy/export", { method: "POST", body: query() }, "personal-data.zip"); }
  catch (err) { $("person-error").textContent = err.message; }
});

$("person-erase").addEventListener("click", async () => {
  $("person-error").textContent = "";
  if (!$("person-form").reportValidity()) return;
  try {
    const found = await findPerson();
    if (!found.calls.length) return;
    const c = found.counts;
    const ask = t("Erase for good: {party} of their calls whole and their mentions in {mentioning} others",
      { party: c.party_calls, mentioning: c.mentioning_calls }) +
      (c.held_calls ? " " + t("({held} held: kept)", { held: c.held_calls }) : "") + "?";
    if (!confirm(ask)) return;
    const receipt = await api("/api/privacy/erase", { method: "POST", body: query() });
    $("receipt-box").hidden = false;
    $("receipt-id").textContent = `#${receipt.id}`;
    const kept = receipt.kept_by_hold.length;
    $("receipt-summary").textContent = t("{calls} calls erased, {lines} lines in other calls, {kept} kept by a legal hold.",
      { calls: receipt.erased.calls.length, lines: receipt.erased.transcript_lines_in_other_calls, kept });
    $("receipt").textContent = JSON.stringify(receipt, null, 2);
    await findPerson();
    await loadAudit();
  } catch (err) { $("person-error").textContent = err.message; }
});

// ---- legal holds ----------------------------------------------------------------------------------
async function loadHolds() {
  const holds = await api("/api/holds");
  $("hold-list").tBodies[0].replaceChildren(...(holds.length ? holds.map((h) => el("tr", { "data-hold": h.id },
    el("td", {}, h.id), el("td", {}, h.call_id ? t("call {call}", { call: h.call_id }) : t("campaign {campaign}", h)), el("td", {}, h.reason),
    el("td", {}, t("{at} by {user}", { at: when(h.created_at), user: h.created_by })),
    el("td", {}, el("button", { type: "button", class: "small secondary", onclick: () => release(h.id) }, "Release"))))
    : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No legal hold stands."))]));
}

async function release(id) {
  $("hold-error").textContent = "";
  try { await api(`/api/holds/${id}`, { method: "DELETE" }); await loadHolds(); }
  catch (err) { $("hold-error").textContent = err.message; }
}

$("hold-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("hold-error").textContent = "";
  try {
    await api("/api/holds", { method: "POST", body: { [$("hold-kind").value]: $("hold-target").value.trim(),
      reason: $("hold-reason").value.trim() } });
    $("hold-target").value = $("hold-reason").value = "";
    await loadHolds();
  } catch (err) { $("hold-error").textContent = err.message; }
});

// ---- retention -------------------------------------------------------------------------------------
// each kind's rule: kept for good, or deleted after so many days
const RULE = {
  recordings: (n) => (n ? t("recordings {n} day|recordings {n} days", { n }) : t("recordings kept")),
  transcripts: (n) => (n ? t("transcripts {n} day|transcripts {n} days", { n }) : t("transcripts kept")),
  evaluations: (n) => (n ? t("evaluations {n} day|evaluations {n} days", { n }) : t("evaluations kept")),
};
const days = (r) => Object.entries(RULE).map(([k, rule]) => rule(r[`${k}_days`])).join(", ");

async function loadRetention() {
  const r = await api("/api/retention");
  const campaigns = Object.entries(r.campaigns).map(([name, rule]) => "; " + t("campaign {campaign}: {rules}", { campaign: name, rules: days(rule) })).join("");
  $("retention-rules").textContent = t("Default: {rules}", { rules: days(r.default) }) + campaigns + ".";
}

$("retention-run").addEventListener("click", async () => {
  try {
    const report = await api("/api/retention/run", { method: "POST" });
    $("retention-result").textContent = t("{deleted} deletions, {failed} failed.", { deleted: report.deleted.length, failed: report.failed.length });
    await loadAudit();
  } catch (err) { $("retention-result").textContent = err.message; }
});

// ---- the audit log ---------------------------------------------------------------------------------
function auditParams() {
  const p = new URLSearchParams();
  for (const [key, id] of [["user", "audit-user"], ["call_id", "audit-call"], ["action", "audit-action"]]) {
    if ($(id).value.trim()) p.set(key, $(id).value.trim());
  }
  for (const [key, id] of [["from", "audit-from"], ["to", "audit-to"]]) {
    if ($(id).value) p.set(key, new Date($(id).value).toISOString());
  }
  return p;
}

async function loadAudit(more = false) {
  $("audit-error").textContent = "";
  const p = auditParams();
  if (more && state.audit.next) p.set("before", state.audit.next);
  const page = await api(`/api/audit?${p}`);
  state.audit.next = page.next;
  const rows = page.items.map((a) => el("tr", { "data-audit": a.id }, el("td", {}, when(a.at)), el("td", {}, a.user),
    el("td", {}, a.action), el("td", {}, a.call_id || ""), el("td", { class: "detail" }, a.detail)));
  if (more) $("audit-lines").tBodies[0].append(...rows);
  else $("audit-lines").tBodies[0].replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No line matches."))]));
  $("audit-more").hidden = !page.next;
}

$("audit-form").addEventListener("submit", (e) => {
  e.preventDefault();
  loadAudit().catch((err) => { $("audit-error").textContent = err.message; });
});
$("audit-more").addEventListener("click", () => loadAudit(true).catch((err) => { $("audit-error").textContent = err.message; }));
$("audit-csv").addEventListener("click", () => download(`/api/audit.csv?${auditParams()}`, {}, "audit.csv")
  .catch((err) => { $("audit-error").textContent = err.message; }));

startPage(async (me) => {
  if (me.role !== "admin") {
    $("not-admin").hidden = false;
    for (const id of ["person", "holds", "retention", "audit"]) $(id).hidden = true;
    return;
  }
  await Promise.all([loadHolds(), loadRetention(), loadAudit()]);
});
