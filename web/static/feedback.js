// One-click feedback for an answer or a reply draft: a thumb records the rating at once; a comment
// can follow (PATCH with the key the rating returned). Used by the chat and the reply view.
"use strict";

window.PQ.feedbackBar = (() => {
  const { el, button, errorText, postJson } = window.PQ;

  async function patchJson(url, body) {
    const res = await fetch(url, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(typeof data.detail === "string" ? data.detail : `请求失败（${res.status}）`);
    return data;
  }

  // item(): {question, answer, refused, citations, mode}; state: saved {rating, id, key, comment};
  // save(state) persists it with the message or draft.
  return function feedbackBar(item, state, save) {
    const bar = el("div", "feedback");
    let current = state ? { ...state } : null;

    function commentForm() {
      const form = el("form", "feedback-form");
      const input = el("input");
      input.type = "text";
      input.maxLength = 2000;
      input.placeholder = "补充说明（可选）";
      input.setAttribute("aria-label", "反馈补充说明");
      const submit = el("button", "secondary small", "提交说明");
      submit.type = "submit";
      form.append(input, submit);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const comment = input.value.trim();
        if (!comment) return input.focus();
        submit.disabled = true;
        try {
          await patchJson(`/api/feedback/${current.id}`, { key: current.key, comment });
          current.comment = comment;
          save(current);
          draw();
        } catch (err) {
          submit.disabled = false;
          bar.append(el("span", "error-text", `说明提交失败：${errorText(err)}`));
        }
      });
      return form;
    }

    function draw() {
      bar.replaceChildren();
      if (current) {
        bar.append(el("span", "muted", current.rating === "up" ? "已记为有用，感谢反馈！" : "已记为没用，感谢反馈！"));
        if (current.comment) bar.append(el("span", "muted", "已收到补充说明。"));
        else if (current.key) bar.append(commentForm());
        return;
      }
      bar.append(thumb("up", "有用", "有帮助"), thumb("down", "没用", "没有帮助"));
    }

    function thumb(rating, text, label) {
      const b = button(text, "thumb", async () => {
        for (const other of bar.querySelectorAll("button")) other.disabled = true;
        try {
          const saved = await postJson("/api/feedback", { rating, ...item() });
          current = { rating, id: saved.id, key: saved.key };
          save(current);
          draw();
        } catch (err) {
          draw();
          bar.append(el("span", "error-text", `反馈提交失败：${errorText(err)}`));
        }
      });
      b.setAttribute("aria-label", label);
      return b;
    }

    draw();
    return bar;
  };
})();
