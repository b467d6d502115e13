"use strict";
// The pages in the user's language, with no build step. gettext-style: the English text is the key, and
// /static/i18n/<language>.json maps it to the translation. Static text needs no code: every text node
// whose whole text (spaces folded) is a key, and the attributes placeholder, title, aria-label (and the
// value of input buttons), are translated after load and whenever the page changes them
// (MutationObserver). Text built with values goes through t("Saved: {value}", { value }) in the pages'
// JS; a key with a "|" has plural forms: t("{n} call|{n} calls", { n }) picks the English form by
// Intl.PluralRules("en"), and a dictionary gives an object of CLDR categories (one, few, many, other)
// that Intl.PluralRules(language) chooses from. Numbers and dates follow the language (fmtNumber,
// fmtDate; a date always shows its time zone).
//
// The language: the one chosen in the header's select (kept in localStorage, and on the server for the
// user: PUT /api/me/language), else the browser's (navigator.languages), else English. Signing in
// takes the user's saved language (common.js calls i18nSignedIn). Not translated: anything inside
// [translate="no"], textarea, kbd, script and style, and transcript lines (li[data-utt]'s own text), which
// are what people said.
// Loaded before common.js on every page.
// Only t, fmtDate, fmtNumber and i18nSignedIn are global: the rest stays in this closure, so that no name
// here can clash with a page's own top-level ones (classic scripts share one scope).
const { t, fmtDate, fmtNumber, i18nSignedIn } = (() => {
  const LANGUAGES = { en: "English", ru: "Русский", uk: "Українська", pl: "Polski" };
  const LANGUAGE_KEY = "agentassist.language";
  const I18N_ATTRS = ["placeholder", "title", "aria-label", "value"];
  const I18N_SKIP = "script, style, textarea, kbd, [translate=no]";
  const i18n = {
    lang: "en", dict: {}, ready: null,
    texts: new WeakMap(),  // text node -> {src: its English, out: what was put there}
    attrs: new WeakMap(),  // element -> {attribute: {src, out}}
  };

  function browserLanguage() {
    for (const tag of navigator.languages || [navigator.language || ""]) {
      const code = String(tag).toLowerCase().split("-")[0];
      if (code in LANGUAGES) return code;
    }
    return "en";
  }

  function chosenLanguage() {
    const kept = localStorage.getItem(LANGUAGE_KEY);
    return kept in LANGUAGES ? kept : browserLanguage();
  }

  // ---- translating text --------------------------------------------------------------------------
  const fold = (text) => text.replace(/\s+/g, " ").trim();

  function pluralForm(entry, n, lang) {
    const category = new Intl.PluralRules(lang).select(n);
    return entry[category] ?? entry.other ?? Object.values(entry)[0];
  }

  // `text` in the user's language with {names} filled from params. A text missing from the dictionary
  // stays English.
  function t(text, params = {}) {
    const entry = i18n.lang === "en" ? undefined : i18n.dict[text];
    let out;
    if (text.includes("|")) {
      const n = Number(params.n ?? 0);
      if (entry && typeof entry === "object") out = pluralForm(entry, n, i18n.lang);
      else {
        const [one, other] = text.split("|");
        out = new Intl.PluralRules("en").select(n) === "one" ? one : other;
      }
    } else out = typeof entry === "string" ? entry : text;
    // values go in as given: a count or an id is not a quantity to group ("2026", not "2 026"); a page
    // passes fmtNumber(x) where the language's digits matter
    return out.replace(/\{(\w+)\}/g, (m, name) => (params[name] == null ? m : String(params[name])));
  }

  function fmtNumber(n, options = {}) {
    return new Intl.NumberFormat(i18n.lang, options).format(n);
  }

  // An ISO time as the user's language writes it, with its time zone (the browser's): "2 Nov 2026, 10:00 CET".
  function fmtDate(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return new Intl.DateTimeFormat(i18n.lang, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    }).format(d);
  }

  // A static text's translation (its spaces around kept), or the text itself.
  function translated(src) {
    if (i18n.lang === "en") return src;
    const entry = i18n.dict[fold(src)];
    if (typeof entry !== "string") return src;
    return src.match(/^\s*/)[0] + entry + src.match(/\s*$/)[0];
  }

  // What was put there by this file keeps its English source; anything else is new English from the page.
  function sourceOf(current, seen) { return seen && current === seen.out ? seen.src : current; }

  function skipped(node) {
    const parent = node.parentElement;
    return !parent || !!parent.closest(I18N_SKIP) || parent.matches("li[data-utt]");
  }

  function translateText(node) {
    if (!node.data.trim() || skipped(node)) return;
    const src = sourceOf(node.data, i18n.texts.get(node));
    const parent = node.parentElement;  // an <option> without a value sends its text: the English one, still
    if (parent instanceof HTMLOptionElement && !parent.hasAttribute("value")) parent.value = fold(src);
    const out = translated(src);
    i18n.texts.set(node, { src, out });
    if (node.data !== out) node.data = out;
  }

  function translateAttr(element, name) {
    if (!element.hasAttribute(name) || element.closest(I18N_SKIP)) return;
    if (name === "value" && !(element instanceof HTMLInputElement && ["button", "submit", "reset"].includes(element.type))) return;
    const seen = i18n.attrs.get(element) || {};
    const src = sourceOf(element.getAttribute(name), seen[name]);
    const out = translated(src);
    seen[name] = { src, out };
    i18n.attrs.set(element, seen);
    if (element.getAttribute(name) !== out) element.setAttribute(name, out);
  }

  function translateTree(root) {
    if (root.nodeType === Node.TEXT_NODE) { translateText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE && root.nodeType !== Node.DOCUMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) translateText(node);
      else if (node.nodeType === Node.ELEMENT_NODE) for (const name of I18N_ATTRS) translateAttr(node, name);
    }
  }

  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "characterData") translateText(r.target);
      else if (r.type === "attributes") translateAttr(r.target, r.attributeName);
      else r.addedNodes.forEach(translateTree);
    }
  });

  // ---- the language ------------------------------------------------------------------------------
  async function loadLanguage(lang) {
    i18n.lang = lang in LANGUAGES ? lang : "en";
    document.documentElement.lang = i18n.lang;
    i18n.dict = {};
    if (i18n.lang !== "en") {
      const root = document.documentElement.style;
      root.visibility = "hidden";  // no flash of English while the dictionary comes (CSSOM: the policy allows it)
      try {
        const r = await fetch(`/static/i18n/${i18n.lang}.json`);
        if (r.ok) i18n.dict = await r.json();
      } catch (e) { console.error(e); }  // English, rather than no page
      finally { translateTree(document.documentElement); root.visibility = ""; }
    } else translateTree(document.documentElement);
    const select = document.getElementById("language");
    if (select) select.value = i18n.lang;
  }

  // The user's choice: kept here and for the user on the server; the page starts again in it, so that
  // text the page built with t() follows too.
  async function chooseLanguage(lang) {
    localStorage.setItem(LANGUAGE_KEY, lang);
    if (typeof session !== "undefined" && session.token) {
      try {
        await fetch("/api/me/language", {
          method: "PUT", headers: { Authorization: `Bearer ${session.token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ language: lang }),
        });
      } catch (e) { /* kept in this browser all the same */ }
    }
    location.reload();
  }

  // Signed in (common.js): the user's saved language wins; a choice made in this browser before the
  // server knew one is saved for the user.
  async function i18nSignedIn(me) {
    await i18n.ready;
    const kept = localStorage.getItem(LANGUAGE_KEY);
    if (me.language && me.language in LANGUAGES) {
      localStorage.setItem(LANGUAGE_KEY, me.language);
      if (me.language !== i18n.lang) await loadLanguage(me.language);
    } else if (kept in LANGUAGES && typeof session !== "undefined" && session.token) {
      fetch("/api/me/language", {
        method: "PUT", headers: { Authorization: `Bearer ${session.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ language: kept }),
      }).catch(() => {});
    }
  }

  function languageSelect() {
    const header = document.querySelector("header");
    if (!header || document.getElementById("language")) return;
    const select = document.createElement("select");
    select.id = "language";
    select.className = "language";
    select.setAttribute("aria-label", "Language");
    for (const [code, name] of Object.entries(LANGUAGES)) {
      const option = new Option(name, code);
      option.setAttribute("translate", "no");  // each language by its own name
      select.append(option);
    }
    select.value = i18n.lang;
    select.addEventListener("change", () => chooseLanguage(select.value));
    header.append(select);
  }

  languageSelect();
  observer.observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: I18N_ATTRS,
  });
  i18n.ready = loadLanguage(chosenLanguage());

  return { t, fmtDate, fmtNumber, i18nSignedIn };
})();
