// Chat page for 政策问答: plain DOM, no build step.
// All server text is inserted with textContent / text nodes (no HTML parsing), so answers,
// titles and paragraphs cannot inject markup.
"use strict";

(() => {
  const STORAGE_KEY = "policyqa.chat.v1";
  const MAX_HISTORY = 20; // server rejects longer histories
  const MAX_TURN_CHARS = 4000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    chat: $("chat"), notice: $("notice"), hint: $("empty-hint"), list: $("messages"), form: $("composer"),
    input: $("question"), send: $("send"), newChat: $("new-chat"),
    panel: $("panel"), panelTitle: $("panel-title"), panelBody: $("panel-body"), panelClose: $("panel-close"),
  };

  // Conversation: [{role: "user"|"assistant", content, refused?, citations?, error?}]
  let messages = load();
  let busy = false;
  let generation = 0; // bumped by "新对话" so late answers of a cleared chat are dropped
  let panelRequest = 0; // only the latest panel fetch may render
  let panelTrigger = null; // element to refocus when the panel closes

  function load() {
    try {
      const value = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(value) ? value : [];
    } catch {
      return [];
    }
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(messages));
    } catch {
      // storage full or disabled: the chat still works, it just won't survive a reload
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  const headingText = (path) => (path || []).join(" › ");

  function errorText(err) {
    if (err instanceof TypeError) return "网络错误，无法连接服务器。";
    return err.message || "请求失败，请稍后再试。";
  }

  async function getJson(url, options) {
    const res = await fetch(url, options);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new Error(typeof data.detail === "string" ? data.detail : `请求失败（${res.status}）`);
    }
    return data;
  }

  // ---- rendering -------------------------------------------------------------------------

  function chip(citation) {
    const button = el("button", "chip", `[${citation.n}]`);
    button.type = "button";
    button.setAttribute("aria-label", `查看出处 ${citation.n}：${citation.article_title}`);
    button.addEventListener("click", () => openPanel(citation, button));
    return button;
  }

  // Turn "[n]" markers that match a citation into chips; everything else stays plain text.
  function answerText(text, citations) {
    const node = el("div", "answer-text");
    const byN = new Map(citations.map((c) => [c.n, c]));
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
      const heading = headingText(c.heading_path);
      const button = el("button", "source-link", `${c.n}. ${c.article_title}${heading ? " — " + heading : ""}`);
      button.type = "button";
      button.addEventListener("click", () => openPanel(c, button));
      const item = el("li");
      item.append(button);
      list.append(item);
    }
    return list;
  }

  function messageItem(m) {
    const item = el("li", `msg ${m.role}`);
    const bubble = el("div", "bubble");
    item.append(bubble);
    if (m.role === "user") {
      bubble.textContent = m.content;
    } else if (m.error) {
      item.classList.add("error");
      bubble.setAttribute("role", "alert");
      bubble.textContent = m.content;
    } else {
      // Refusals may still cite the closest paragraph, so both kinds get chips and sources.
      const citations = m.citations || [];
      if (m.refused) {
        item.classList.add("refused");
        bubble.append(el("strong", "refusal-title", "文档中没有找到答案"));
      }
      bubble.append(answerText(m.content || "", citations));
      if (citations.length) bubble.append(sourceList(citations));
    }
    return item;
  }

  function render() {
    ui.list.replaceChildren(...messages.map(messageItem));
    if (busy) {
      const item = el("li", "msg assistant loading");
      item.append(el("div", "bubble", "正在检索政策文件…"));
      ui.list.append(item);
    }
    ui.hint.hidden = messages.length > 0 || busy;
    ui.chat.scrollTop = ui.chat.scrollHeight;
  }

  function setBusy(value) {
    busy = value;
    ui.send.disabled = value;
    ui.send.textContent = value ? "发送中…" : "发送";
    ui.chat.setAttribute("aria-busy", String(value));
  }

  // ---- asking ----------------------------------------------------------------------------

  // Earlier turns for follow-up questions: skip errors and the questions that caused them.
  function history() {
    return messages
      .filter((m, i) => !m.error && !(messages[i + 1] && messages[i + 1].error))
      .slice(-MAX_HISTORY)
      .map((m) => ({ role: m.role, content: String(m.content).slice(0, MAX_TURN_CHARS) }));
  }

  async function ask() {
    const question = ui.input.value.trim();
    if (!question || busy) return;
    const body = JSON.stringify({ question, history: history() });
    const gen = generation;
    messages.push({ role: "user", content: question });
    ui.input.value = "";
    setBusy(true);
    save();
    render();
    let reply;
    try {
      const data = await getJson("/api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      reply = { role: "assistant", content: data.answer, refused: data.refused, citations: data.citations };
    } catch (err) {
      reply = { role: "assistant", content: errorText(err), error: true };
    }
    if (gen !== generation) return; // the chat was cleared meanwhile
    setBusy(false);
    messages.push(reply);
    save();
    render();
    ui.input.focus();
  }

  // ---- citation panel --------------------------------------------------------------------

  function renderPanel(p, context, note) {
    const meta = el("dl", "meta");
    for (const [label, value] of [["文件", p.source_file], ["文章", p.article_title], ["章节", headingText(p.heading_path) || "—"]]) {
      meta.append(el("dt", null, label), el("dd", null, value));
    }
    const passage = el("div", "passage");
    for (const b of context ? context.before : []) passage.append(el("p", "neighbour", b.text));
    const cited = el("p", "cited", p.text);
    cited.setAttribute("aria-label", "被引用的段落");
    passage.append(cited);
    for (const a of context ? context.after : []) passage.append(el("p", "neighbour", a.text));
    ui.panelBody.replaceChildren(meta);
    if (note) ui.panelBody.append(el("p", "note", note));
    ui.panelBody.append(passage);
    cited.scrollIntoView({ block: "center" });
  }

  async function openPanel(citation, trigger) {
    const request = ++panelRequest;
    panelTrigger = trigger;
    ui.panel.hidden = false;
    ui.panelTitle.textContent = `出处 [${citation.n}]`;
    renderPanel(citation, null, "正在加载上下文…");
    ui.panelBody.focus();
    try {
      const data = await getJson(`/api/paragraphs/${encodeURIComponent(citation.paragraph_id)}`);
      if (request === panelRequest) renderPanel(data, data, null);
    } catch (err) {
      if (request === panelRequest) renderPanel(citation, null, `无法加载上下文：${errorText(err)}`);
    }
  }

  function closePanel() {
    if (ui.panel.hidden) return;
    panelRequest++;
    ui.panel.hidden = true;
    if (panelTrigger && document.contains(panelTrigger)) panelTrigger.focus();
    panelTrigger = null;
  }

  // ---- events ----------------------------------------------------------------------------

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask();
  });

  ui.input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a newline; Enter while an IME is composing picks a candidate.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    ask();
  });

  ui.newChat.addEventListener("click", () => {
    generation++;
    messages = [];
    setBusy(false);
    save();
    closePanel();
    render();
    ui.input.focus();
  });

  ui.panelClose.addEventListener("click", closePanel);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });

  render();

  // Tell the user up front when the server has no index yet (the API would answer 503).
  getJson("/healthz")
    .then((health) => {
      if (health.index_loaded) return;
      ui.notice.textContent = health.detail || "服务尚未就绪。";
      ui.notice.hidden = false;
    })
    .catch(() => {});
})();
