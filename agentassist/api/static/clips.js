"use strict";
// Coaching clips on the replay page (trainers: quality checkers and leaders): mark a span of the call
// (from, to, whose voice) with a tag and a comment, list the call's clips (a click plays the span) and
// delete them; the clips show on the waveform. Sessions are built from clips on /coaching.
// Uses replay.js's `state`, `player` and `seek`; replay.js calls setUpClips(me) once the call is shown.
const CLIP_TAGS = ["objection handled well", "interrupted the customer", "good greeting", "showed empathy",
  "missed a mandatory step", "long silence", "clear next steps", "price explained well"];
const clips = { list: [], playing: null };  // playing: the clip whose span plays, paused at its end

// "1:05.5", "65.5" or "65" as seconds (NaN when it is none of them)
function parseClipTime(text) {
  const m = /^\s*(?:(\d+):)?(\d+(?:\.\d+)?)\s*$/.exec(text || "");
  return m ? Number(m[1] || 0) * 60 + Number(m[2]) : NaN;
}

const clipTime = (s) => `${fmtTime(s)}.${Math.floor((s % 1) * 10)}`;

function clipForm() {
  const now = (input) => el("button", { type: "button", class: "secondary small", title: "the player's time",
    onclick: () => { $(input).value = clipTime(player.currentTime); } }, "now");
  return el("form", { id: "clip-form", class: "clip-form" },
    el("div", { class: "clip-row" },
      el("label", { for: "clip-start" }, "clip from"), el("input", { id: "clip-start", size: 7, inputmode: "decimal", placeholder: "0:00.0" }), now("clip-start"),
      el("label", { for: "clip-end" }, "clip to"), el("input", { id: "clip-end", size: 7, inputmode: "decimal", placeholder: "0:00.0" }), now("clip-end"),
      el("select", { id: "clip-channel", "aria-label": "whose voice" },
        el("option", { value: "both" }, "both voices"), el("option", { value: "agent" }, "agent"), el("option", { value: "customer" }, "customer"))),
    el("input", { id: "clip-tag", list: "clip-tags", maxlength: 100, placeholder: "tag, e.g. objection handled well", "aria-label": "tag" }),
    el("datalist", { id: "clip-tags" }),
    el("input", { id: "clip-comment", maxlength: 4000, placeholder: "comment for the agent", "aria-label": "comment" }),
    el("button", { type: "submit", id: "clip-save" }, "Save clip"),
    el("p", { id: "clip-error", class: "error", role: "alert" }));
}

function renderClips() {
  $("clips").replaceChildren(...(clips.list.length ? clips.list.map((c) =>
    el("li", { "data-clip": c.id, class: "seekable" },
      el("span", { class: "clip-when", onclick: () => playClip(c) }, `${clipTime(c.start)}–${clipTime(c.end)} · ${c.channel}`),
      " ", el("b", {}, c.tag), c.comment ? ` — ${c.comment}` : "",
      el("button", { type: "button", class: "link", title: "delete this clip", onclick: () => deleteClip(c) }, "✕")))
    : [el("li", { class: "empty" }, "No clips of this call yet.")]));
  const total = state.duration || 1;
  $("wave-clips").replaceChildren(...clips.list.map((c) => {
    const span = el("div", { class: `clip-span ${c.channel}`, "data-clip": c.id, title: `clip: ${c.tag}` });
    span.style.left = `${(c.start / total) * 100}%`;  // CSSOM: the policy refuses style=""
    span.style.width = `${Math.max(0.3, ((c.end - c.start) / total) * 100)}%`;
    return span;
  }));
}

function playClip(c) {
  clips.playing = c;
  seek(c.start);
}

async function loadClips() {
  clips.list = await api(`/api/coaching/clips?call_id=${encodeURIComponent(state.callId)}`);
  renderClips();
}

async function deleteClip(c) {
  try { await api(`/api/coaching/clips/${c.id}`, { method: "DELETE" }); } catch (e) { $("clip-error").textContent = e.message; return; }
  await loadClips();
}

async function saveClip(e) {
  e.preventDefault();
  const start = parseClipTime($("clip-start").value), end = parseClipTime($("clip-end").value);
  $("clip-error").textContent = "";
  if (!Number.isFinite(start) || !Number.isFinite(end)) { $("clip-error").textContent = "Give from and to as m:ss.s or seconds."; return; }
  const body = { call_id: state.callId, start, end, channel: $("clip-channel").value,
    tag: $("clip-tag").value.trim(), comment: $("clip-comment").value.trim() };
  try { await api("/api/coaching/clips", { method: "POST", body }); } catch (err) { $("clip-error").textContent = err.message; return; }
  for (const id of ["clip-start", "clip-end", "clip-tag", "clip-comment"]) $(id).value = "";
  await loadClips();
  $("clip-form").dataset.saved = String(clips.list.length);
}

async function setUpClips(me) {
  if (!["quality_checker", "team_leader", "supervisor", "admin"].includes(me.role)) return;
  $("clip-box").replaceChildren(
    el("h3", {}, "Coaching clips ", el("a", { href: "/coaching", class: "small" }, "sessions →")),
    clipForm(), el("ol", { id: "clips", class: "clips" }));
  $("clip-form").addEventListener("submit", saveClip);
  const used = (await api("/api/coaching/clips")).map((c) => c.tag);
  $("clip-tags").replaceChildren(...[...new Set([...CLIP_TAGS, ...used])].map((t) => el("option", { value: t })));
  await loadClips();
}

player.addEventListener("timeupdate", () => {
  const c = clips.playing;
  if (c && player.currentTime >= c.end) { player.pause(); clips.playing = null; }
});
player.addEventListener("seeked", () => {  // a seek out of the span plays on as before
  const c = clips.playing;
  if (c && (player.currentTime < c.start - 0.5 || player.currentTime > c.end)) clips.playing = null;
});
player.addEventListener("loadedmetadata", () => { if ($("clips")) renderClips(); });
