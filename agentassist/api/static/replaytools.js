"use strict";
// The replay page's tools for a checker's day: playback speed and 5 s skips, markers on the waveform
// for the steps ticked and the alerts (a click seeks), search in the transcript (every hit highlighted,
// Enter / Shift+Enter or the arrows jump between them), the work queue's "next call", and keyboard
// shortcuts for all of it ("?" lists them). Uses replay.js's `state`, `player` and `seek`.
const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
const SKIP_S = 5;
const SPEED_KEY = "agentassist.replay.speed";  // kept, so the next call in the queue plays as fast

// ---- speed and skips ----------------------------------------------------------------------------------
function setSpeed(rate) {
  const speed = SPEEDS.includes(rate) ? rate : 1;
  player.playbackRate = speed;
  player.defaultPlaybackRate = speed;  // a new src (a refreshed link) keeps it
  $("speed").value = String(speed);
  localStorage.setItem(SPEED_KEY, String(speed));
}

function stepSpeed(by) {
  const i = SPEEDS.indexOf(player.playbackRate);
  setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? 1 : i) + by))]);
}

function skip(seconds) {
  const end = state.duration || player.duration || Infinity;
  seek(Math.min(end, Math.max(0, player.currentTime + seconds)), !player.paused);
}

function togglePlay() {
  if (player.paused) player.play().catch(() => {}); else player.pause();
}

$("speed").replaceChildren(...SPEEDS.map((s) => el("option", { value: s }, `${s}×`)));
$("speed").addEventListener("change", () => setSpeed(Number($("speed").value)));
$("skip-back").addEventListener("click", () => skip(-SKIP_S));
$("skip-forward").addEventListener("click", () => skip(SKIP_S));
$("play-toggle").addEventListener("click", togglePlay);
for (const ev of ["play", "pause"]) {
  player.addEventListener(ev, () => { $("play-toggle").textContent = player.paused ? "▶ play" : "❚❚ pause"; });
}
setSpeed(Number(localStorage.getItem(SPEED_KEY)) || 1);

// ---- markers on the waveform ----------------------------------------------------------------------------
function drawMarkers() {
  const total = state.duration;
  const report = state.adherence;
  if (!total || !report) { $("wave-marks").replaceChildren(); return; }
  const marks = [
    ...report.steps.filter((s) => s.status === "done" && s.t != null)
      .map((s) => ({ kind: "step", t: s.t, key: s.id, title: t("step {step} ticked at {time}", { step: s.id, time: fmtTime(s.t) }) })),
    ...(report.alerts || []).filter((a) => a.t != null)
      .map((a) => ({ kind: "alert", t: a.t, key: a.type || "", title: `${fmtTime(a.t)} ${a.message}` })),
  ];
  $("wave-marks").replaceChildren(...marks.map((m) => {
    const marker = el("button", { type: "button", class: `marker ${m.kind}`, "data-t": m.t, "data-key": m.key,
      title: m.title, "aria-label": m.title, onclick: (e) => { e.stopPropagation(); seek(m.t); } });
    marker.style.left = `${Math.min(100, (m.t / total) * 100)}%`;  // CSSOM: the policy refuses style=""
    return marker;
  }));
}

// ---- search in the transcript -----------------------------------------------------------------------------
const search = { hits: [], at: -1 };

function highlight(text, needle) {  // the text with each case-insensitive occurrence of needle in a <mark>
  const parts = [];
  const low = text.toLowerCase();
  let from = 0;
  for (let i = needle ? low.indexOf(needle) : -1; i >= 0; i = low.indexOf(needle, from)) {
    parts.push(text.slice(from, i), el("mark", {}, text.slice(i, i + needle.length)));
    from = i + needle.length;
  }
  parts.push(text.slice(from));
  return el("span", { class: "said" }, ...parts.filter((p) => p !== ""));
}

function runSearch() {
  const needle = $("transcript-search").value.trim().toLowerCase();
  const texts = new Map(state.utterances.map((u) => [u.id, u.text]));
  for (const li of document.querySelectorAll("#transcript li[data-utt]")) {
    li.lastChild.replaceWith(highlight(texts.get(li.dataset.utt) || "", needle));
  }
  search.hits = [...document.querySelectorAll("#transcript mark")];
  search.at = -1;
  $("search-count").textContent = needle ? t("{n} found", { n: search.hits.length }) : "";
  if (search.hits.length) jumpHit(1);
}

function jumpHit(by) {
  if (!search.hits.length) return;
  search.hits[search.at]?.classList.remove("current");
  search.at = (search.at + by + search.hits.length) % search.hits.length;
  const hit = search.hits[search.at];
  hit.classList.add("current");
  const li = hit.closest("li");
  const list = $("transcript");
  list.scrollTop = li.offsetTop - list.offsetTop - list.clientHeight / 3;
  $("search-count").textContent = t("{shown} of {n}", { shown: search.at + 1, n: search.hits.length });
  seek(Number(li.dataset.start), false);
}

$("transcript-search").addEventListener("input", runSearch);
$("transcript-search").addEventListener("keydown", (e) => {
  if (e.key === "Enter") { e.preventDefault(); jumpHit(e.shiftKey ? -1 : 1); }
});
$("search-prev").addEventListener("click", () => jumpHit(-1));
$("search-next").addEventListener("click", () => jumpHit(1));

// ---- the work queue -----------------------------------------------------------------------------------------
async function loadQueue() {  // GET /api/quality/queue: the calls assigned to me that I have not evaluated
  state.queue = (await optional("/api/quality/queue")) || null;
  const box = $("queue-box");
  box.hidden = !state.queue;
  if (!state.queue) return;
  const rest = state.queue.filter((q) => q.call_id !== state.callId);
  const here = state.queue.some((q) => q.call_id === state.callId);
  $("queue-left").textContent = rest.length
    ? (here ? t("{n} more call in my queue after this one|{n} more calls in my queue after this one", { n: rest.length })
      : t("{n} more call in my queue|{n} more calls in my queue", { n: rest.length }))
    : here ? t("the last call in my queue") : t("my queue is empty");
  $("next-call").disabled = !rest.length;
}

function nextCall() {
  const next = (state.queue || []).find((q) => q.call_id !== state.callId);
  if (!next) { $("queue-left").textContent = "my queue is empty"; return; }
  location.assign(`/static/replay.html?call=${encodeURIComponent(next.call_id)}`);
}

$("next-call").addEventListener("click", nextCall);

// ---- keyboard shortcuts ---------------------------------------------------------------------------------------
const SHORTCUTS = [
  [" ", "space", "play / pause", togglePlay],
  ["ArrowLeft", "←", `back ${SKIP_S} s`, () => skip(-SKIP_S)],
  ["ArrowRight", "→", `forward ${SKIP_S} s`, () => skip(SKIP_S)],
  ["[", "[", "slower", () => stepSpeed(-1)],
  ["]", "]", "faster", () => stepSpeed(1)],
  ["/", "/", "search the transcript", () => $("transcript-search").focus()],
  ["a", "a", "answer: the first question left unanswered (space / arrows choose, tab moves on)", focusQuestion],
  ["c", "c", "write a comment at the current moment (enter adds it)", () => $("comment-text").focus()],
  ["n", "n", "next call in my queue", nextCall],
  ["?", "?", "show / hide these shortcuts", () => { $("shortcuts").hidden = !$("shortcuts").hidden; }],
];
const MORE_KEYS = [["ctrl+enter", "save the evaluation"], ["esc", "leave a field (the shortcuts work again), close this list"]];

function focusQuestion() {
  if ($("eval-form").hidden) return;
  const rows = [...document.querySelectorAll("#questions .question")];
  const open = rows.find((r) => !r.querySelector("input:checked") && !r.querySelector("select")?.value) || rows[0];
  open?.querySelector("input:not(:disabled), select:not(:disabled)")?.focus();
}

$("shortcut-list").replaceChildren(...[...SHORTCUTS.map(([, label, what]) => [label, what]), ...MORE_KEYS]
  .map(([label, what]) => el("li", {}, el("kbd", {}, label), ` ${what}`)));
$("shortcuts-toggle").addEventListener("click", () => { $("shortcuts").hidden = !$("shortcuts").hidden; });

document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    const save = $("eval-save");
    if (!$("eval-form").hidden && !save.hidden && !save.disabled) { e.preventDefault(); $("eval-form").requestSubmit(save); }
    return;
  }
  const target = e.target instanceof Element ? e.target : null;
  const field = target?.closest("input, select, textarea, [contenteditable]");
  if (e.key === "Escape") {
    if (field) target.blur(); else $("shortcuts").hidden = true;
    return;
  }
  if (field || e.ctrlKey || e.metaKey || e.altKey) return;  // typing, or the browser's own shortcuts
  if (target?.closest("button, a") && (e.key === " " || e.key === "Enter")) return;  // press that button
  const shortcut = SHORTCUTS.find(([key]) => key === e.key);
  if (!shortcut) return;
  e.preventDefault();
  shortcut[3]();
});
