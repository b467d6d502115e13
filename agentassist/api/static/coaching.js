"use strict";
// The coaching page (/coaching): the sessions I may read; one session (?id=N) with the trainer's notes
// and its clips in order, each playing its span alone (GET /api/coaching/clips/{id}/audio over a signed
// link) with the lines said in it, and acknowledged by the agent (or each member of the team); for
// trainers, a builder (?new=1, ?edit=N) that picks clips, orders them, saves a draft and shares it.
const TRAINERS = ["quality_checker", "team_leader", "supervisor", "admin"];
const page = { me: null, session: null, pool: [], picked: [] };

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

const span = (c) => `${fmtTime(c.start)}–${fmtTime(c.end)}`;
const progressText = (s) => t("{acknowledged} of {expected} acknowledged", s.progress);
// a session is a draft until shared; the test of the dictionaries sees only literal keys
const statusText = (s) => (s.status === "shared" ? t("shared") : s.status === "draft" ? t("draft") : s.status);
const voiceText = (channel) => (channel === "both" ? t("both voices") : channel === "agent" ? t("the agent's voice")
  : channel === "customer" ? t("the customer's voice") : channel);
const audienceText = (s) => s.agent ? t("for {agent}", s)
  : t("for team {team} ({members})", { team: s.team, members: s.members.join(", ") });

// ---- the list -------------------------------------------------------------------------------------------
async function showList() {
  const sessions = await api("/api/coaching/sessions");
  $("sessions").replaceChildren(...(sessions.length ? sessions.map((s) =>
    el("li", { "data-session": s.id, class: s.status },
      el("a", { href: `/coaching?id=${s.id}` }, s.title || t("Session {id}", s)),
      el("span", { class: "muted" }, ` · ${audienceText(s)} · ${t("{n} clip|{n} clips", { n: s.clips.length })}`
        + ` · ${statusText(s)} · ${progressText(s)} · ${t("by {user}", { user: s.created_by })}`)))
    : [el("li", { class: "empty" }, "No coaching sessions yet.")]));
  $("list-view").hidden = false;
}

// ---- one session ------------------------------------------------------------------------------------------
function clipCard(s, c, i) {
  const mine = c.acks.find((a) => a.user === page.me.name);
  const audience = s.status === "shared" && s.members.includes(page.me.name);
  const audio = el("audio", { controls: true, preload: "none", "data-clip": c.id });  // fetched when played
  const lines = el("ol", { class: "transcript clip-lines", "aria-label": "what was said in the clip" });
  const card = el("li", { class: `clip-card${mine ? " acked" : ""}`, "data-clip": c.id },
    el("h3", {}, `${i + 1}. ${c.tag}`),
    el("p", { class: "muted" }, [c.agent, c.agent ? span(c) : "", voiceText(c.channel),
      `${c.duration_s.toFixed(1)} s`].filter(Boolean).join(" · ")),
    c.comment ? el("p", { class: "comment" }, c.comment) : "",
    audio, lines,
    el("div", { class: "ack-row" },
      audience && !mine ? el("button", { type: "button", class: "ack", onclick: () => acknowledge(s, c) }, "Acknowledge") : "",
      ...c.acks.map(ackDone)));
  playRecording(audio, `clip-${c.id}`, `/api/coaching/clips/${c.id}/audio/link`).catch((e) => showError(e.message));
  api(`/api/coaching/clips/${c.id}/transcript`).then((t) => {
    lines.replaceChildren(...(t.utterances.length
      ? t.utterances.map((u) => el("li", { class: u.channel, "data-start": u.start },
        el("span", { class: "who" }, `${u.channel} · ${fmtTime(u.start)}`), u.text))
      : [el("li", { class: "empty" }, "Nothing was transcribed in this clip.")]));
  }).catch((e) => showError(e.message));
  return card;
}

async function acknowledge(s, c) {  // the card changes in place: its player keeps what it loaded
  let ack;
  try { ack = await api(`/api/coaching/sessions/${s.id}/clips/${c.id}/acknowledge`, { method: "POST" }); } catch (e) { showError(e.message); return; }
  c.acks.push(ack);
  s.progress.acknowledged += 1;
  const card = document.querySelector(`.clip-card[data-clip="${CSS.escape(String(c.id))}"]`);
  card.querySelector("button.ack")?.replaceWith(ackDone(ack));
  card.classList.add("acked");
  showFacts(s);
}

const ackDone = (a) => el("span", { class: "ack-done" }, t("✔ acknowledged by {user} {at}", { user: a.user, at: fmtDate(a.at) }));

function showFacts(s) {
  $("session-facts").textContent = [audienceText(s), t("by {user}", { user: s.created_by }), statusText(s),
    s.shared_at ? t("shared {at}", { at: fmtDate(s.shared_at) }) : "", progressText(s)].filter(Boolean).join(" · ");
  $("session-view").dataset.progress = String(s.progress.acknowledged);
}

async function showSession(id) {
  const s = await api(`/api/coaching/sessions/${id}`);
  page.session = s;
  $("session-title").textContent = s.title || `Session ${s.id}`;
  showFacts(s);
  $("session-notes").textContent = s.notes;
  const editor = TRAINERS.includes(page.me.role) && (s.created_by === page.me.name || ["supervisor", "admin"].includes(page.me.role));
  $("session-edit").hidden = !editor || s.status !== "draft";
  $("session-share").hidden = !editor || s.status !== "draft";
  $("session-delete").hidden = !editor;
  $("session-clips").replaceChildren(...s.clips.map((c, i) => clipCard(s, c, i)));
  $("session-view").hidden = false;
}

async function share(id) {
  try { await api(`/api/coaching/sessions/${id}/share`, { method: "POST" }); } catch (e) { showError(e.message); return; }
  await showSession(id);
}

// ---- the builder (trainers) ----------------------------------------------------------------------------------
function renderPicked() {
  const picked = page.picked.map((id) => page.pool.find((c) => c.id === id)).filter(Boolean);
  const move = (i, by) => { const [c] = page.picked.splice(i, 1); page.picked.splice(i + by, 0, c); renderPicked(); };
  $("picked").replaceChildren(...(picked.length ? picked.map((c, i) =>
    el("li", { "data-clip": c.id }, `${c.tag} · ${c.agent} · ${span(c)} `,
      el("button", { type: "button", class: "secondary small", disabled: i === 0, "aria-label": "earlier", onclick: () => move(i, -1) }, "↑"),
      el("button", { type: "button", class: "secondary small", disabled: i === picked.length - 1, "aria-label": "later", onclick: () => move(i, 1) }, "↓"),
      el("button", { type: "button", class: "secondary small", "aria-label": "remove", onclick: () => toggle(c.id, false) }, "✕")))
    : [el("li", { class: "empty" }, "No clip chosen yet.")]));
}

function renderPool() {
  $("clip-pool").replaceChildren(...(page.pool.length ? page.pool.map((c) =>
    el("li", { "data-clip": c.id },
      el("label", {}, el("input", { type: "checkbox", value: c.id, checked: page.picked.includes(c.id),
        onchange: (e) => toggle(c.id, e.target.checked) }),
      ` ${c.tag} · ${c.agent} · call ${c.call_id} ${span(c)} · ${c.channel}${c.comment ? ` — ${c.comment}` : ""}`)))
    : [el("li", { class: "empty" }, "No clips yet: mark them on a call's replay page.")]));
}

function toggle(id, on) {  // a clip ticked goes last; the pool's box follows (✕ in the chosen list)
  page.picked = page.picked.filter((p) => p !== id);
  if (on) page.picked.push(id);
  const box = document.querySelector(`#clip-pool input[value="${CSS.escape(String(id))}"]`);
  if (box) box.checked = on;
  renderPicked();
}

async function showBuilder(editId) {
  const [pool, teams] = await Promise.all([api("/api/coaching/clips"), api("/api/teams").catch(() => [])]);
  page.pool = pool;
  const names = new Set(teams.flatMap((t) => [t.name, ...t.members]));
  $("s-targets").replaceChildren(...[...names].sort().map((n) => el("option", { value: n })));
  if (editId) {
    const s = await api(`/api/coaching/sessions/${editId}`);
    page.session = s;
    $("builder-title").textContent = t("Edit: {title}", { title: s.title || t("Session {id}", s) });
    $("s-title").value = s.title;
    $("s-notes").value = s.notes;
    $("s-target").value = s.agent || s.team;
    document.querySelector(`input[name="audience"][value="${s.agent ? "agent" : "team"}"]`).checked = true;
    for (const input of document.querySelectorAll('input[name="audience"], #s-target')) input.disabled = true;  // fixed once made
    page.picked = s.clips.map((c) => c.id);
  }
  // i18n.js leaves a textarea alone, its placeholder too
  $("s-notes").placeholder = t("what to work on, what went well");
  renderPool();
  renderPicked();
  $("builder").hidden = false;
}

async function saveSession(shareToo) {
  $("builder-error").textContent = "";
  const body = { title: $("s-title").value.trim(), notes: $("s-notes").value, clip_ids: page.picked };
  let saved;
  try {
    if (page.session) {
      saved = await api(`/api/coaching/sessions/${page.session.id}`, { method: "PUT", body });
    } else {
      const kind = document.querySelector('input[name="audience"]:checked').value;
      saved = await api("/api/coaching/sessions", { method: "POST", body: { ...body, [kind]: $("s-target").value.trim() } });
    }
    if (shareToo) saved = await api(`/api/coaching/sessions/${saved.id}/share`, { method: "POST" });
  } catch (e) { $("builder-error").textContent = e.message; return; }
  location.assign(`/coaching?id=${saved.id}`);
}

$("builder").addEventListener("submit", (e) => { e.preventDefault(); saveSession(false); });
$("s-share").addEventListener("click", () => saveSession(true));
$("s-cancel").addEventListener("click", () => location.assign("/coaching"));
$("new-session").addEventListener("click", () => location.assign("/coaching?new=1"));
$("session-edit").addEventListener("click", () => location.assign(`/coaching?edit=${page.session.id}`));
$("session-share").addEventListener("click", () => share(page.session.id));
$("session-delete").addEventListener("click", async () => {
  if (!confirm("Delete this session and its acknowledgements? Its clips stay.")) return;
  try { await api(`/api/coaching/sessions/${page.session.id}`, { method: "DELETE" }); } catch (e) { showError(e.message); return; }
  location.assign("/coaching");
});

async function start(me) {
  page.me = me;
  const q = new URLSearchParams(location.search);
  if (q.get("id")) await showSession(Number(q.get("id")));
  else if (q.get("new") || q.get("edit")) await showBuilder(q.get("edit") ? Number(q.get("edit")) : null);
  else await showList();
  document.body.dataset.ready = "1";
}

startPage((me) => start(me).catch((e) => { showError(e.message); document.body.dataset.ready = "1"; }));
