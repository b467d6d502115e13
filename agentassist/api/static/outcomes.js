"use strict";
// agentassist outcomes: for a campaign and a period, the chosen outcome's rate per day for each script
// version (a line each, its 95 % interval shaded) and the tables per version, per step and per day
// (GET /api/outcomes), each downloadable as CSV. Open as /outcomes (optionally
// ?campaign=C&from=YYYY-MM-DD&to=YYYY-MM-DD&outcome=sale; "to" is the last day, included).
// The chart is Chart.js (static/vendor/, installed by `make install`); without it the tables still show.
// Every figure a table or the chart shows is also in data-* attributes, so a test reads the values.
const state = { answer: null, chart: null };
const DAY_MS = 86_400_000;
const COLOURS = ["#1f6feb", "#d97706", "#2f855a", "#9333ea", "#c53030", "#0891b2"];

const pct = (x) => x == null ? "—" : `${(x * 100).toFixed(1)} %`;
const num = (x, digits = 1) => x == null ? "—" : x.toFixed(digits);
const versionName = (r) => `${r.script_id ?? "no script"} v${r.version ?? "?"}`;
const isoDay = (d) => d.toISOString().slice(0, 10);

// A rate and its interval: "30.0 % [21.9 % – 39.6 %]", its figures in data-value, data-low, data-high.
function shareCell(s, extra = {}) {
  return el("td", { class: "num", "data-value": s.rate ?? "", "data-low": s.low ?? "", "data-high": s.high ?? "",
    "data-count": s.count, "data-calls": s.calls, ...extra },
    pct(s.rate), el("span", { class: "ci" }, s.rate == null ? "" : `[${pct(s.low)} – ${pct(s.high)}]`));
}

function meanCell(m, digits) {
  return el("td", { class: "num", "data-value": m.mean ?? "", "data-low": m.low ?? "", "data-high": m.high ?? "" },
    num(m.mean, digits), el("span", { class: "ci" }, m.low == null ? "" : `[${num(m.low, digits)} – ${num(m.high, digits)}]`));
}

function head(table, ...names) {
  table.tHead.replaceChildren(el("tr", {}, ...names.map((n) => el("th", { class: n.num ? "num" : null }, n.text ?? n))));
}

const NUM = (text) => ({ text, num: true });
const rateText = (a) => t("{outcome} rate", a);

function renderVersions(a) {
  const table = $("versions");
  head(table, "script version", NUM("calls"), NUM("handle time (s)"), NUM("adherence"), NUM(rateText(a)),
    ...a.dispositions.filter((d) => d !== a.outcome).map((d) => NUM(d)));
  table.tBodies[0].replaceChildren(...(a.versions.length ? a.versions.map((r) => el("tr", { "data-version": versionName(r) },
    el("td", {}, versionName(r)), el("td", { class: "num", "data-value": r.calls }, r.calls),
    meanCell(r.handle_time_s, 1), meanCell(r.adherence, 3), shareCell(r.outcome, { class: "num outcome" }),
    ...a.dispositions.filter((d) => d !== a.outcome).map((d) => shareCell(r.dispositions[d], { "data-disposition": d }))))
    : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No ended calls of this campaign in this period."))]));
}

function renderSteps(a) {
  const table = $("steps");
  head(table, "step", NUM("said: calls"), NUM(t("said: {outcome}", a)), NUM("not said: calls"),
    NUM(t("not said: {outcome}", a)),
    NUM("difference"));
  const rows = [];
  let group = null;
  for (const s of a.steps) {
    if (versionName(s) !== group) {
      group = versionName(s);
      rows.push(el("tr", { class: "group" }, el("td", { colspan: 6 }, group)));
    }
    const d = s.difference;
    const sure = d.low != null && (d.low > 0 ? "better" : d.high < 0 ? "worse" : null);  // the interval leaves 0 out
    rows.push(el("tr", { "data-version": group, "data-step": s.step_id },
      el("td", {}, s.step_id), el("td", { class: "num" }, s.said.calls), shareCell(s.said, { "data-side": "said" }),
      el("td", { class: "num" }, s.not_said.calls), shareCell(s.not_said, { "data-side": "not_said" }),
      el("td", { class: `num difference${sure ? ` ${sure}` : ""}`, "data-value": d.value ?? "", "data-low": d.low ?? "",
        "data-high": d.high ?? "" }, d.value == null ? "—" : t("{points} pts", { points: `${d.value > 0 ? "+" : ""}${num(d.value * 100)}` }),
        el("span", { class: "ci" }, d.low == null ? "" : `[${num(d.low * 100)} – ${num(d.high * 100)}]`))));
  }
  table.tBodies[0].replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 6, class: "empty" }, "No checklist steps in these calls."))]));
}

function renderDays(a) {
  const table = $("days");
  head(table, "day", "script version", NUM("calls"), NUM(rateText(a)));
  table.tBodies[0].replaceChildren(...a.days.map((d) => el("tr", { "data-day": d.day, "data-version": versionName(d) },
    el("td", {}, d.day), el("td", {}, versionName(d)), el("td", { class: "num" }, d.calls), shareCell(d))));
}

// One line per version over the days of the answer, and its interval as a band between two borderless
// lines (Chart.js's filler: the "high" line fills down to the "low" one before it).
function chartData(a) {
  const days = [...new Set(a.days.map((d) => d.day))].sort();
  const datasets = [];
  const versions = [...new Set(a.days.map(versionName))];
  versions.forEach((name, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const at = new Map(a.days.filter((d) => versionName(d) === name).map((d) => [d.day, d]));
    const series = (key) => days.map((day) => at.get(day)?.[key] ?? null);
    datasets.push({ label: `${name} low`, data: series("low"), role: "low", version: name, borderWidth: 0, pointRadius: 0, fill: false });
    datasets.push({ label: `${name} high`, data: series("high"), role: "high", version: name, borderWidth: 0, pointRadius: 0,
      fill: "-1", backgroundColor: `${colour}26` });
    datasets.push({ label: name, data: series("rate"), role: "rate", version: name, borderColor: colour,
      backgroundColor: colour, fill: false, spanGaps: true, tension: 0 });
  });
  return { labels: days, datasets };
}

function renderChart(a) {
  const canvas = $("rates-chart");
  const data = chartData(a);
  // what the chart is drawn from, for a reader that is not a person (tests; no pixels to read)
  canvas.dataset.labels = JSON.stringify(data.labels);
  canvas.dataset.series = JSON.stringify(data.datasets.map((d) => ({ version: d.version, role: d.role, data: d.data })));
  if (typeof window.Chart !== "function") {
    $("chart-missing").hidden = false;
    $("chart-box").hidden = true;
    return;
  }
  const options = {
    animation: false, maintainAspectRatio: false,
    scales: { y: { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(v * 100)} %` } } },
    plugins: {
      legend: { labels: { filter: (item, chartData) => chartData.datasets[item.datasetIndex].role === "rate" } },
      tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${pct(ctx.parsed.y)}` } },
    },
  };
  if (state.chart) state.chart.destroy();
  state.chart = new window.Chart(canvas, { type: "line", data, options });
  canvas.dataset.drawn = String(state.chart.data.datasets.length);
}

function query() {
  const from = $("from").value, to = $("to").value;
  const params = new URLSearchParams({ campaign: $("campaign").value, outcome: $("outcome").value || "sale" });
  if (from) params.set("from", `${from}T00:00:00Z`);
  if (to) params.set("to", `${isoDay(new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS))}T00:00:00Z`);  // the day included
  return params;
}

async function show() {
  $("error").textContent = "";
  if (!$("campaign").value) { $("error").textContent = "No campaign to show: no call of a campaign is in your scope yet."; return; }
  const page = new URLSearchParams(query());
  for (const key of ["from", "to"]) if ($(key).value) page.set(key, $(key).value); else page.delete(key);
  history.replaceState(null, "", `${location.pathname}?${page}`);
  document.body.removeAttribute("data-ready");
  let a;
  try { a = await api(`/api/outcomes?${query()}`); } catch (e) { $("error").textContent = e.message; return; }
  state.answer = a;
  const outcomes = new Set([...a.dispositions, a.outcome]);
  $("outcome").replaceChildren(...[...outcomes].sort().map((d) => el("option", { value: d, selected: d === a.outcome }, d)));
  $("summary").textContent = t("{n} ended call of {campaign}; outcome \"{outcome}\".|{n} ended calls of {campaign}; outcome \"{outcome}\".",
    { n: a.calls, campaign: a.campaign, outcome: a.outcome });
  renderVersions(a);
  renderSteps(a);
  renderDays(a);
  renderChart(a);
  document.body.dataset.ready = "";
}

// A CSV with the token in the Authorization header, never in a URL: fetched, then saved from a blob.
async function download(table) {
  const params = query();
  params.set("format", "csv");
  params.set("table", table);
  const r = await fetch(`/api/outcomes?${params}`, { headers: { Authorization: `Bearer ${session.token}` } });
  if (!r.ok) { $("error").textContent = `CSV: ${r.status} ${(await r.json().catch(() => ({}))).detail ?? ""}`; return; }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: `outcomes-${$("campaign").value}-${table}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$("period").addEventListener("submit", (e) => { e.preventDefault(); show(); });
document.querySelectorAll("form.period .csv button").forEach((b) => b.addEventListener("click", () => download(b.dataset.table)));

startPage(async () => {
  const params = new URLSearchParams(location.search);
  const campaigns = await api("/api/outcomes/campaigns").catch((e) => { $("error").textContent = e.message; return []; });
  const wanted = params.get("campaign");
  if (wanted && !campaigns.includes(wanted)) campaigns.unshift(wanted);
  $("campaign").replaceChildren(...campaigns.map((c) => el("option", { value: c, selected: c === wanted }, c)));
  const today = new Date();
  $("to").value = params.get("to") || isoDay(today);
  $("from").value = params.get("from") || isoDay(new Date(today.getTime() - 29 * DAY_MS));
  const outcome = params.get("outcome") || "sale";
  $("outcome").replaceChildren(el("option", { value: outcome, selected: true }, outcome));
  await show();
});
