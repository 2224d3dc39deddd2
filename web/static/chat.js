// Chat view: streamed answers (SSE from /api/ask/stream), citation chips, copy, one-click feedback,
// stop / regenerate / edit-and-resend, a character counter and the empty-question hint.
// Conversations are stored by convs.js; starters and the place selector live in discover.js.
"use strict";

(() => {
  const { $, el, button, errorText, postStream, answerText, sourceList, withSources, copyText } =
    window.PQ;
  const convs = window.PQ.convs;
  const MAX_CHARS = 2000; // the server's limit (web/schemas.py MAX_QUESTION_CHARS)
  const MAX_HISTORY = 20; // server rejects longer histories
  const MAX_TURN_CHARS = 4000;

  const ui = {
    chat: $("chat"), hint: $("empty-hint"), starters: $("starters"), list: $("messages"),
    form: $("composer"), input: $("question"), send: $("send"), stop: $("stop"),
    counter: $("counter"), msg: $("composer-msg"), editing: $("editing"), place: $("place"),
  };

  // Messages of the current conversation: [{role, content, question?, refused?, citations?, error?,
  // stopped?, feedback?}]
  let messages = convs.current().messages;
  let busy = false;
  let streamed = null; // text received so far for the answer being streamed, or null
  let controller = null; // aborts the running request ("停止", switching conversations)
  let editFrom = null; // index of the question being edited, or null

  const save = () => convs.saveCurrent(messages);

  // ---- rendering -------------------------------------------------------------------------

  function copyButton(m) {
    const b = button("复制答案及来源", "secondary small", async () => {
      const ok = await copyText(withSources(m.content, m.citations));
      b.textContent = ok ? "已复制" : "复制失败";
      setTimeout(() => (b.textContent = "复制答案及来源"), 2000);
    });
    return b;
  }

  function feedback(m, index) {
    const item = () => ({
      question: messages[index - 1] ? messages[index - 1].content : "", answer: m.content,
      refused: Boolean(m.refused), citations: m.citations || [], mode: "chat",
    });
    return window.PQ.feedbackBar(item, m.feedback, (state) => {
      m.feedback = state;
      save();
    });
  }

  const same = (a, b) => String(a || "").replace(/\s+/g, "") === String(b || "").replace(/\s+/g, "");

  function assistantBubble(m, index) {
    const bubble = el("div", "bubble");
    const citations = m.citations || [];
    if (m.refused) bubble.append(el("strong", "refusal-title", "文档中没有找到答案"));
    if (m.refused && m.reason) bubble.append(el("p", "refusal-reason", `原因：${m.reason}`));
    bubble.append(answerText(m.content || "", citations));
    const asked = messages[index - 1];
    if (m.question && asked && !same(m.question, asked.content)) {
      bubble.append(el("p", "understood", `按‘${m.question}’理解`));
    }
    if (m.stopped) bubble.append(el("p", "muted", "（已停止生成）"));
    if (citations.length) bubble.append(sourceList(citations));
    if (m.refused && (m.related || []).length) {
      bubble.append(el("div", "related-title", "相关内容（最接近的原文，不构成答案依据）："));
      bubble.append(sourceList(m.related));
    }
    const actions = el("div", "actions");
    if (!m.stopped) actions.append(copyButton(m));
    if (index === messages.length - 1 && !busy) actions.append(button("重新生成", "secondary small", regenerate));
    if (!m.stopped) actions.append(feedback(m, index));
    bubble.append(actions);
    return bubble;
  }

  function messageItem(m, index) {
    const item = el("li", `msg ${m.role}`);
    if (m.role === "user") {
      const bubble = el("div", "bubble", m.content);
      item.append(bubble);
      if (!busy) {
        const edit = button("修改", "secondary small edit", () => startEdit(index));
        edit.setAttribute("aria-label", "修改这条问题并重新发送");
        item.append(edit);
      }
    } else if (m.error) {
      item.classList.add("error");
      const bubble = el("div", "bubble", m.content);
      bubble.setAttribute("role", "alert");
      if (index === messages.length - 1 && !busy) {
        const actions = el("div", "actions");
        actions.append(button("重试", "secondary small", regenerate));
        bubble.append(actions);
      }
      item.append(bubble);
    } else {
      if (m.refused) item.classList.add("refused");
      item.append(assistantBubble(m, index));
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
    stickToBottom();
  }

  function stickToBottom() {
    ui.chat.scrollTop = ui.chat.scrollHeight;
  }

  function setBusy(value) {
    busy = value;
    streamed = null;
    ui.send.hidden = value;
    ui.stop.hidden = !value;
    ui.chat.setAttribute("aria-busy", String(value));
  }

  // ---- composer: counter, limit, empty hint, editing ---------------------------------------

  function say(text, isError) {
    ui.msg.textContent = text;
    ui.msg.classList.toggle("error-text", Boolean(isError));
  }

  function updateCounter() {
    const n = ui.input.value.trim().length;
    ui.counter.textContent = `${n} / ${MAX_CHARS}`;
    const over = n > MAX_CHARS;
    ui.counter.classList.toggle("over", over);
    ui.input.setAttribute("aria-invalid", String(over));
    if (over) say(`问题超过 ${MAX_CHARS} 字上限（现在 ${n} 字），请删减 ${n - MAX_CHARS} 字后再发送。`, true);
    else if (ui.msg.classList.contains("error-text")) say("");
    return n;
  }

  function startEdit(index) {
    if (busy) return;
    editFrom = index;
    ui.input.value = messages[index].content;
    ui.editing.hidden = false;
    updateCounter();
    ui.input.focus();
  }

  function cancelEdit() {
    editFrom = null;
    ui.editing.hidden = true;
  }

  // ---- asking ----------------------------------------------------------------------------

  // Earlier turns for follow-up questions: skip errors, stopped answers and the questions before them.
  function history(upto) {
    const turns = messages.slice(0, upto);
    return turns
      .filter((m, i) => !m.error && !m.stopped && !(turns[i + 1] && (turns[i + 1].error || turns[i + 1].stopped)))
      .slice(-MAX_HISTORY)
      .map((m) => ({ role: m.role, content: String(m.content).slice(0, MAX_TURN_CHARS) }));
  }

  function submit() {
    if (busy) return;
    const question = ui.input.value.trim();
    const n = updateCounter();
    if (!question) {
      say("请先输入问题，例如：贫困人口住院费用报销比例是多少？", true);
      ui.input.focus();
      return;
    }
    if (n > MAX_CHARS) return ui.input.focus();
    say("");
    if (editFrom !== null) messages = messages.slice(0, editFrom);
    cancelEdit();
    messages.push({ role: "user", content: question });
    ui.input.value = "";
    updateCounter();
    run(messages.length - 1);
  }

  function regenerate() {
    if (busy) return;
    const last = messages.length - 1;
    if (last < 1 || messages[last].role !== "assistant") return;
    messages.pop();
    run(messages.length - 1);
  }

  // Ask the question at `index` (the last message) and append the answer.
  async function run(index) {
    const question = messages[index].content;
    const body = { question, history: history(index) };
    if (ui.place.value) body.place = ui.place.value;
    const mine = new AbortController();
    controller = mine;
    const conversation = convs.current();
    setBusy(true);
    save();
    render();
    let reply = null;
    try {
      await postStream("/api/ask/stream", body, (event, data) => {
        if (event === "delta") {
          streamed = (streamed || "") + data.text;
          render();
        } else if (event === "answer") {
          // The final answer is authoritative: it replaces the streamed text.
          reply = {
            role: "assistant", content: data.answer, refused: data.refused, question: data.question,
            citations: data.citations, related: data.related || [], reason: data.reason || "",
          };
        } else if (event === "error") {
          throw new Error(data.detail);
        }
      }, mine.signal);
      if (!reply) throw new Error("回答中断，请重试。");
    } catch (err) {
      if (mine.signal.aborted) {
        reply = { role: "assistant", content: streamed || "", stopped: true }; // can be regenerated
      } else {
        reply = { role: "assistant", content: errorText(err), error: true };
      }
    }
    if (controller !== mine || convs.current() !== conversation) return; // switched away meanwhile
    controller = null;
    setBusy(false);
    if (reply) messages.push(reply);
    save();
    render();
    ui.input.focus({ preventScroll: true });
  }

  function stop() {
    if (controller) controller.abort();
  }

  // ---- events ----------------------------------------------------------------------------

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  ui.input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a newline; Enter while an IME is composing picks a candidate.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  });
  ui.input.addEventListener("input", updateCounter);
  // The latest message stays in view when the on-screen keyboard opens (the viewport shrinks).
  ui.input.addEventListener("focus", () => setTimeout(stickToBottom, 300));
  (window.visualViewport || window).addEventListener("resize", stickToBottom);
  ui.stop.addEventListener("click", stop);
  $("edit-cancel").addEventListener("click", () => {
    cancelEdit();
    ui.input.value = "";
    updateCounter();
  });

  convs.onSelect((conversation) => {
    stop();
    controller = null;
    setBusy(false);
    cancelEdit();
    messages = conversation.messages;
    window.PQ.closePanel();
    render();
    ui.input.focus();
  });

  window.PQ.onView((view) => {
    if (view === "chat") ui.input.focus({ preventScroll: true });
  });

  // Starter questions (discover.js) are asked like typed ones.
  window.PQ.askQuestion = (question) => {
    ui.input.value = question;
    submit();
  };

  updateCounter();
  render();
})();
