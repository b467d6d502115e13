"use strict";
// Shared by the manager's pages (scorecards, distribution, reports): a 422's errors shown at their
// fields, CSV downloads with the token in a header, the campaigns for a picker, days as UTC dates.
const DAY_MS = 86_400_000;
const isoDay = (d) => d.toISOString().slice(0, 10);

// Every mark of an earlier error in `form` gone.
function clearFieldErrors(form) {
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  form.querySelectorAll(".field-error").forEach((n) => n.remove());
}

// The errors of a refused request (ApiError `err`; a 422's body lists them as {loc: ["body",
// "sections", 0, "id"], msg}) each under the element whose data-path is its location ("sections.0.id"), or the nearest one above it
// ("sections.0.questions" for a section with no question); what finds no field goes to `rest`.
// Returns how many were placed at a field; the first such field gets the focus.
function showFieldErrors(form, err, rest) {
  clearFieldErrors(form);
  const detail = err.status === 422 ? err.body?.errors : null;
  if (!Array.isArray(detail)) { rest.textContent = err.message; return 0; }
  const unplaced = [];
  let placed = 0;
  for (const d of detail) {
    const loc = (d.loc || []).filter((p) => p !== "body").map(String);
    let field = null;
    for (let n = loc.length; n > 0 && !field; n--) field = form.querySelector(`[data-path="${CSS.escape(loc.slice(0, n).join("."))}"]`);
    if (!field) { unplaced.push(`${loc.join(".")}: ${d.msg}`); continue; }
    const id = `err-${loc.join("-")}-${placed}`;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", id);
    field.after(el("span", { class: "field-error", id, "data-for": loc.join(".") }, d.msg));
    if (!placed++) field.focus();
  }
  rest.textContent = unplaced.join("; ") || (placed ? t("{n} field to correct.|{n} fields to correct.", { n: placed }) : "");
  return placed;
}

// A CSV fetched with the token in the Authorization header (never in a URL), then saved from a blob.
async function downloadCsv(path, params, filename, errorEl) {
  const query = new URLSearchParams(params);
  query.set("format", "csv");
  const r = await fetch(`${path}?${query}`, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!r.ok) { errorEl.textContent = `CSV: ${r.status} ${(await r.json().catch(() => ({}))).detail ?? ""}`; return; }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The campaigns to pick from: those the scripts declare (the calls of a script carry its campaign) and
// those of calls already in this user's scope, sorted; a client gets only their own.
async function campaignChoices() {
  const found = new Set();
  const scripts = await api("/api/scripts").catch(() => ({ items: [] }));
  for (const s of scripts.items) if (s.campaign) found.add(s.campaign);
  for (const c of await api("/api/outcomes/campaigns").catch(() => [])) found.add(c);
  if (session.me?.role === "client") return [...session.me.campaigns].sort();
  return [...found].sort();
}

// A period form's "from" and "to" (the last day, included) as the API's half-open range, in UTC.
function periodParams(from, to) {
  const params = {};
  if (from) params.from = `${from}T00:00:00Z`;
  if (to) params.to = `${isoDay(new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS))}T00:00:00Z`;
  return params;
}
