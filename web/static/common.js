// Shared helpers for 政策问答's views: DOM building, fetch/SSE, citation chips, the source panel,
// tabs and copying. All server text goes in via textContent / text nodes, never parsed as HTML.
"use strict";

window.PQ = (() => {
  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const b = el("button", className, text);
    b.type = "button";
    if (onClick) b.addEventListener("click", onClick);
    return b;
  }

  const headingText = (path) => (path || []).join(" › ");
  // 文件标题 › 篇名 › 章节 as the server worded it (older saved chats: article › headings).
  const where = (c) => c.location || [c.article_title, ...(c.heading_path || [])].filter(Boolean).join(" › ");

  function errorText(err) {
    if (err instanceof TypeError) return "网络错误，无法连接服务器。";
    return err.message || "请求失败，请稍后再试。";
  }

  async function failure(res) {
    const data = await res.json().catch(() => ({}));
    return new Error(typeof data.detail === "string" ? data.detail : `请求失败（${res.status}）`);
  }

  async function getJson(url, options) {
    const res = await fetch(url, options);
    if (!res.ok) throw await failure(res);
    return res.json();
  }

  const postJson = (url, body, headers) =>
    getJson(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(headers || {}) },
      body: JSON.stringify(body),
    });

  // POST, then read Server-Sent Events: onEvent(name, data) for each frame.
  async function postStream(url, body, onEvent, signal) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
    if (!res.ok) throw await failure(res);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length) onEvent(event, JSON.parse(data.join("\n")));
      }
      if (done) return;
    }
  }

  // ---- citations -------------------------------------------------------------------------

  function chip(citation) {
    const b = button(`[${citation.n}]`, "chip", () => openPanel(citation, b));
    b.setAttribute("aria-label", `查看出处 ${citation.n}：${where(citation)}`);
    return b;
  }

  // Turn "[n]" markers that match a citation into chips; everything else stays plain text.
  function answerText(text, citations) {
    const node = el("div", "answer-text");
    const byN = new Map((citations || []).map((c) => [c.n, c]));
    let last = 0;
    for (const match of text.matchAll(/\[(\d+)\]/g)) {
      const citation = byN.get(Number(match[1]));
      if (!citation) continue;
      node.append(text.slice(last, match.index), chip(citation));
      last = match.index + match[0].length;
    }
    node.append(text.slice(last));
    return node;
  }

  function sourceList(citations) {
    const list = el("ol", "sources");
    list.setAttribute("aria-label", "来源");
    for (const c of citations) {
      const b = button(`${c.n}. ${where(c)}`, "source-link", () => openPanel(c, b));
      const item = el("li");
      item.append(b);
      list.append(item);
    }
    return list;
  }

  // "answer\n\n来源：\n[1] 文件标题 › 篇名 › 章节：段落" for pasting into other documents.
  function withSources(text, citations, title = "来源") {
    const lines = (citations || []).map((c) => `[${c.n}] ${where(c)}：${c.text}`);
    return lines.length ? `${text}\n\n${title}：\n${lines.join("\n")}` : text;
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = el("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }

  // ---- source panel ----------------------------------------------------------------------

  const panel = {
    root: $("panel"), title: $("panel-title"), meta: $("panel-meta"), body: $("panel-body"),
    request: 0, trigger: null,
  };

  // The file/article/section lines sit above the scrolling passage, so the sheet always opens at
  // its header; only the passage scrolls, to put the cited paragraph in view.
  function renderPanel(p, context, note) {
    const meta = el("dl", "meta");
    const rows = [["文件", p.document_title || p.article_title], ["篇名", p.article || ""], ["章节", headingText(p.heading_path)]];
    for (const [label, value] of rows) {
      if (value || label === "章节") meta.append(el("dt", null, label), el("dd", null, value || "—"));
    }
    panel.meta.replaceChildren(meta);
    if (note) panel.meta.append(el("p", "note", note));
    const passage = el("div", "passage");
    for (const b of context ? context.before : []) passage.append(el("p", "neighbour", b.text));
    const cited = el("p", "cited", p.text);
    cited.setAttribute("aria-label", "被引用的段落");
    passage.append(cited);
    for (const a of context ? context.after : []) passage.append(el("p", "neighbour", a.text));
    panel.body.replaceChildren(passage);
    panel.body.scrollTop = Math.max(0, cited.offsetTop - panel.body.offsetTop - 8);
  }

  async function openPanel(citation, trigger) {
    const request = ++panel.request;
    panel.trigger = trigger;
    panel.root.hidden = false;
    document.body.classList.add("panel-open");
    panel.title.textContent = `出处 [${citation.n}]`;
    renderPanel(citation, null, "正在加载上下文…");
    panel.body.focus({ preventScroll: true });
    try {
      const data = await getJson(`/api/paragraphs/${encodeURIComponent(citation.paragraph_id)}`);
      if (request === panel.request) renderPanel(data, data, null);
    } catch (err) {
      if (request === panel.request) renderPanel(citation, null, `无法加载上下文：${errorText(err)}`);
    }
  }

  function closePanel() {
    if (panel.root.hidden) return;
    panel.request++;
    panel.root.hidden = true;
    document.body.classList.remove("panel-open");
    if (panel.trigger && document.contains(panel.trigger)) panel.trigger.focus();
    panel.trigger = null;
  }

  $("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });

  // On wide screens the panel starts below the top bar, so the tabs stay reachable.
  const topbar = $("topbar");
  const placePanel = () =>
    document.documentElement.style.setProperty("--topbar-h", `${topbar.getBoundingClientRect().height}px`);
  window.addEventListener("resize", placePanel);
  placePanel();

  // ---- tabs (the location hash keeps the view across reloads) ----------------------------

  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const listeners = [];

  function show(view, focus) {
    if (!tabs.some((t) => t.dataset.view === view)) view = "chat";
    for (const t of tabs) {
      const on = t.dataset.view === view;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(`view-${t.dataset.view}`).hidden = !on;
      if (on && focus) t.focus();
    }
    closePanel();
    if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
    for (const fn of listeners) fn(view);
  }

  tabs.forEach((t, i) => {
    t.addEventListener("click", () => show(t.dataset.view));
    t.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      show(tabs[(i + step + tabs.length) % tabs.length].dataset.view, true);
    });
  });
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));

  // Tell the user up front when the server has no index yet (the API would answer 503).
  // /healthz answers 503 (with the reason in `detail`) while no index is loaded.
  fetch("/healthz")
    .then((res) => res.json())
    .then((health) => {
      if (health.index_loaded) return;
      $("notice").textContent = health.detail || "服务尚未就绪。";
      $("notice").hidden = false;
    })
    .catch(() => {});

  // Deferred scripts run before DOMContentLoaded: every view has registered its listener by then.
  document.addEventListener("DOMContentLoaded", () => show(location.hash.slice(1) || "chat"));

  return {
    $, el, button, headingText, where, errorText, getJson, postJson, postStream, answerText, sourceList,
    withSources, copyText, openPanel, closePanel,
    onView: (fn) => listeners.push(fn),
  };
})();
