// Conversations kept in the browser (localStorage): a list with search, rename and delete (with
// confirmation). chat.js renders the current one; this file owns storage and the side list.
"use strict";

window.PQ.convs = (() => {
  const { $, el, button } = window.PQ;
  const STORAGE_KEY = "policyqa.conversations.v1";
  const OLD_KEY = "policyqa.chat.v1"; // the single conversation of earlier versions
  const MAX_CONVERSATIONS = 200;

  const ui = {
    root: $("convs"), list: $("conv-list"), search: $("conv-search"),
    open: $("convs-open"), close: $("convs-close"),
  };
  const listeners = [];
  let state = load();

  function newId() {
    return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  }

  function blank() {
    return { id: newId(), title: "", messages: [], updated: Date.now() };
  }

  function load() {
    let data = null;
    try {
      data = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      data = null;
    }
    if (!data || !Array.isArray(data.items)) data = { current: null, items: [] };
    try {
      const old = JSON.parse(localStorage.getItem(OLD_KEY) || "[]");
      if (Array.isArray(old) && old.length) {
        data.items.unshift({ ...blank(), messages: old });
        localStorage.removeItem(OLD_KEY);
      }
    } catch {
      // an unreadable old chat is simply not migrated
    }
    data.items = data.items.filter((c) => c && Array.isArray(c.messages));
    if (!data.items.some((c) => c.id === data.current)) {
      const empty = data.items.find((c) => !c.messages.length);
      if (empty) data.current = empty.id;
      else {
        const c = blank();
        data.items.unshift(c);
        data.current = c.id;
      }
    }
    return data;
  }

  function persist() {
    state.items = state.items.slice(0, MAX_CONVERSATIONS);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch {
      // storage full or disabled: the chat still works, it just won't survive a reload
    }
  }

  const current = () => state.items.find((c) => c.id === state.current);

  function titleOf(c) {
    if (c.title) return c.title;
    const first = c.messages.find((m) => m.role === "user");
    return first ? first.content.slice(0, 24) : "新对话";
  }

  // Called by chat.js after every change of the current conversation's messages.
  function saveCurrent(messages) {
    const c = current();
    c.messages = messages;
    c.updated = Date.now();
    state.items = [c, ...state.items.filter((x) => x !== c)];
    persist();
    render();
  }

  function select(id) {
    state.current = id;
    persist();
    render();
    setOpen(false);
    for (const fn of listeners) fn(current());
  }

  function create() {
    const existing = state.items.find((c) => !c.messages.length);
    const c = existing || blank();
    if (!existing) state.items.unshift(c);
    select(c.id);
  }

  function remove(c) {
    if (!window.confirm(`确定删除对话“${titleOf(c)}”吗？删除后无法恢复。`)) return;
    state.items = state.items.filter((x) => x !== c);
    if (state.current === c.id) {
      const next = state.items[0] || blank();
      if (!state.items.length) state.items.push(next);
      select(next.id);
    } else {
      persist();
      render();
    }
  }

  function rename(c, item) {
    const input = el("input", "conv-rename");
    input.type = "text";
    input.maxLength = 40;
    input.value = titleOf(c);
    input.setAttribute("aria-label", "对话名称");
    let done = false;
    const finish = (keep) => {
      if (done) return;
      done = true;
      if (keep) c.title = input.value.trim();
      persist();
      render();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") finish(true);
      else if (event.key === "Escape") {
        event.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
    item.replaceChildren(input);
    input.focus();
    input.select();
  }

  function matches(c, query) {
    if (!query) return true;
    const q = query.toLowerCase();
    return titleOf(c).toLowerCase().includes(q) || c.messages.some((m) => String(m.content).toLowerCase().includes(q));
  }

  function render() {
    const query = ui.search.value.trim();
    const shown = state.items.filter((c) => (c.messages.length || c.id === state.current) && matches(c, query));
    ui.list.replaceChildren(
      ...shown.map((c) => {
        const item = el("li", c.id === state.current ? "conv current" : "conv");
        const open = button(titleOf(c), "conv-open", () => select(c.id));
        if (c.id === state.current) open.setAttribute("aria-current", "true");
        const edit = button("改名", "secondary small", () => rename(c, item));
        edit.setAttribute("aria-label", `重命名对话：${titleOf(c)}`);
        const del = button("删除", "secondary small danger", () => remove(c));
        del.setAttribute("aria-label", `删除对话：${titleOf(c)}`);
        item.append(open, edit, del);
        return item;
      }),
    );
    if (!shown.length) ui.list.append(el("li", "muted conv-empty", query ? "没有匹配的对话。" : "还没有对话。"));
  }

  function setOpen(open) {
    ui.root.classList.toggle("open", open);
    ui.open.setAttribute("aria-expanded", String(open));
    if (open) ui.search.focus();
  }

  ui.search.addEventListener("input", render);
  ui.open.addEventListener("click", () => setOpen(!ui.root.classList.contains("open")));
  ui.close.addEventListener("click", () => setOpen(false));
  $("new-chat").addEventListener("click", create);
  render();

  return {
    current,
    saveCurrent,
    create,
    onSelect: (fn) => listeners.push(fn),
  };
})();
