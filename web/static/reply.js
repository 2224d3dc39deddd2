// Reply-drafting view: paste a citizen's inquiry, get a formal draft with [n] sources, edit it,
// download it as .docx (the edited text plus its sources) or copy it. The draft survives reloads.
"use strict";

(() => {
  const { $, el, errorText, postJson, sourceList, withSources, copyText } = window.PQ;
  const STORAGE_KEY = "policyqa.reply.v1";

  const ui = {
    form: $("reply-form"), inquiry: $("inquiry"), send: $("reply-send"), result: $("reply-result"),
    refused: $("reply-refused"), text: $("reply-text"), sources: $("reply-sources"),
    docx: $("reply-docx"), copy: $("reply-copy"), status: $("reply-status"), feedback: $("reply-feedback"),
  };

  // {inquiry, text, refused, citations, related}
  let draft = load();

  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      return null;
    }
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(draft));
    } catch {
      // the draft still works without storage
    }
  }

  function render() {
    ui.result.hidden = !draft;
    if (!draft) return;
    ui.refused.hidden = !draft.refused;
    ui.text.value = draft.text;
    const citations = draft.citations || [];
    ui.sources.replaceChildren();
    if (citations.length) ui.sources.append(el("h2", "sub", "政策依据"), sourceList(citations));
    const related = draft.related || [];
    if (related.length) {
      // not sources of the draft: where to check the parts it declines (never copied or exported)
      ui.sources.append(
        el("h2", "sub", "未答复部分的最接近原文（供核实，不在草稿中）"),
        sourceList(related),
      );
    }
    const item = () => ({
      question: draft.inquiry, answer: ui.text.value, refused: Boolean(draft.refused),
      citations: draft.citations || [], mode: "reply",
    });
    ui.feedback.replaceChildren(
      el("span", "muted", "这份草稿有用吗？"),
      window.PQ.feedbackBar(item, draft.feedback, (state) => {
        draft.feedback = state;
        save();
      }),
    );
  }

  function status(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle("error-text", Boolean(isError));
  }

  async function generate() {
    const question = ui.inquiry.value.trim();
    if (!question || ui.send.disabled) return;
    ui.send.disabled = true;
    ui.send.textContent = "正在起草…";
    status("");
    try {
      const data = await postJson("/api/reply", { question });
      draft = {
        inquiry: question, text: data.answer, refused: data.refused,
        citations: data.citations, related: data.related || [],
      };
      save();
      render();
      ui.text.focus();
    } catch (err) {
      ui.result.hidden = !draft;
      status(`起草失败：${errorText(err)}`, true);
      if (!draft) alertBox(`起草失败：${errorText(err)}`);
    } finally {
      ui.send.disabled = false;
      ui.send.textContent = "生成答复草稿";
    }
  }

  function alertBox(text) {
    const box = el("p", "error-text", text);
    box.setAttribute("role", "alert");
    ui.form.append(box);
    setTimeout(() => box.remove(), 6000);
  }

  async function downloadDocx() {
    if (!draft) return;
    ui.docx.disabled = true;
    status("正在生成 Word 文件…");
    try {
      const res = await fetch("/api/reply/docx", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: ui.text.value, citations: draft.citations || [] }),
      });
      if (!res.ok) {
        const data = await res.json().catch(() => ({}));
        throw new Error(typeof data.detail === "string" ? data.detail : `请求失败（${res.status}）`);
      }
      const url = URL.createObjectURL(await res.blob());
      const link = el("a");
      link.href = url;
      link.download = "答复意见草稿.docx";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status("已下载。");
    } catch (err) {
      status(`下载失败：${errorText(err)}`, true);
    } finally {
      ui.docx.disabled = false;
    }
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    generate();
  });
  ui.inquiry.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      generate();
    }
  });
  ui.text.addEventListener("input", () => {
    if (!draft) return;
    draft.text = ui.text.value; // keep edits across reloads
    save();
  });
  ui.docx.addEventListener("click", downloadDocx);
  ui.copy.addEventListener("click", async () => {
    const ok = await copyText(withSources(ui.text.value, draft ? draft.citations : [], "政策依据"));
    status(ok ? "已复制答复及依据。" : "复制失败，请手动选择文本复制。", !ok);
  });

  if (draft && draft.inquiry) ui.inquiry.value = draft.inquiry;
  render();
})();
