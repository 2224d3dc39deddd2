// Chat view: streamed answers (SSE from /api/ask/stream), citation chips, copy, feedback.
// The conversation is kept in localStorage so it survives reloads.
"use strict";

(() => {
  const { $, el, button, errorText, postJson, postStream, answerText, sourceList, withSources, copyText } =
    window.PQ;
  const STORAGE_KEY = "policyqa.chat.v1";
  const MAX_HISTORY = 20; // server rejects longer histories
  const MAX_TURN_CHARS = 4000;

  const ui = {
    chat: $("chat"), hint: $("empty-hint"), list: $("messages"), form: $("composer"),
    input: $("question"), send: $("send"), newChat: $("new-chat"),
  };

  // Conversation: [{role, content, refused?, citations?, error?, feedback?}]
  let messages = load();
  let busy = false;
  let streamed = null; // text received so far for the answer being streamed, or null
  let generation = 0; // bumped by "新对话" so late answers of a cleared chat are dropped

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

  // ---- rendering -------------------------------------------------------------------------

  function feedbackBar(m, index) {
    const bar = el("div", "feedback");
    if (m.feedback) {
      bar.append(el("span", "muted", "感谢反馈！"));
      return bar;
    }
    const form = el("form", "feedback-form");
    form.hidden = true;
    const comment = el("input");
    comment.type = "text";
    comment.maxLength = 2000;
    comment.placeholder = "补充说明（可选）";
    comment.setAttribute("aria-label", "反馈补充说明");
    const submit = el("button", "secondary small", "提交反馈");
    form.append(comment, submit);
    let rating = null;
    const pick = (value) => () => {
      rating = value;
      form.hidden = false;
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      comment.focus();
    };
    const up = button("👍 有用", "thumb", pick("up"));
    up.setAttribute("aria-label", "有帮助");
    const down = button("👎 没用", "thumb", pick("down"));
    down.setAttribute("aria-label", "没有帮助");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const question = messages[index - 1] ? messages[index - 1].content : "";
      submit.disabled = true;
      try {
        await postJson("/api/feedback", {
          rating, comment: comment.value, question, answer: m.content,
          refused: Boolean(m.refused), citations: m.citations || [],
        });
        m.feedback = rating;
        save();
        bar.replaceChildren(el("span", "muted", "感谢反馈！"));
      } catch (err) {
        submit.disabled = false;
        bar.append(el("span", "error-text", `反馈提交失败：${errorText(err)}`));
      }
    });
    bar.append(up, down, form);
    return bar;
  }

  function copyButton(m) {
    const b = button("复制答案及来源", "secondary small", async () => {
      const ok = await copyText(withSources(m.content, m.citations));
      b.textContent = ok ? "已复制" : "复制失败";
      setTimeout(() => (b.textContent = "复制答案及来源"), 2000);
    });
    return b;
  }

  function messageItem(m, index) {
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
      if (m.refused && (m.related || []).length) {
        bubble.append(el("div", "related-title", "相关内容（最接近的原文，不构成答案依据）："));
        bubble.append(sourceList(m.related));
      }
      const actions = el("div", "actions");
      actions.append(copyButton(m), feedbackBar(m, index));
      bubble.append(actions);
    }
    return item;
  }

  function render() {
    ui.list.replaceChildren(...messages.map(messageItem));
    if (busy) {
      const item = el("li", streamed ? "msg assistant streaming" : "msg assistant loading");
      item.append(el("div", "bubble", streamed || "正在检索政策文件…"));
      ui.list.append(item);
    }
    ui.hint.hidden = messages.length > 0 || busy;
    ui.chat.scrollTop = ui.chat.scrollHeight;
  }

  function setBusy(value) {
    busy = value;
    streamed = null;
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
    const body = { question, history: history() };
    const gen = generation;
    messages.push({ role: "user", content: question });
    ui.input.value = "";
    setBusy(true);
    save();
    render();
    let reply = null;
    try {
      await postStream("/api/ask/stream", body, (event, data) => {
        if (gen !== generation) return;
        if (event === "delta") {
          streamed = (streamed || "") + data.text;
          render();
        } else if (event === "answer") {
          // The final answer is authoritative: it replaces the streamed text.
          reply = {
            role: "assistant", content: data.answer, refused: data.refused,
            citations: data.citations, related: data.related || [],
          };
        } else if (event === "error") {
          throw new Error(data.detail);
        }
      });
      if (!reply) throw new Error("回答中断，请重试。");
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
    window.PQ.closePanel();
    render();
    ui.input.focus();
  });

  window.PQ.onView((view) => {
    if (view === "chat") ui.input.focus();
  });

  render();
})();
