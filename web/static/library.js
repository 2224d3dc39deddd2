// Library view: documents by title with date added, paragraph counts, noise share, skip reasons and a
// preview; upload (with an optional title), retitle, delete and re-index with the admin token (kept in
// sessionStorage only, so it is gone when the tab closes). File names stay out of sight.
"use strict";

(() => {
  const { $, el, button, errorText, getJson } = window.PQ;
  const TOKEN_KEY = "policyqa.admin-token";

  const ui = {
    token: $("admin-token"), file: $("upload-file"), title: $("upload-title"), upload: $("upload"),
    reindex: $("reindex"),
    status: $("library-status"), rows: document.querySelector("#documents tbody"),
  };
  let polling = null;

  ui.token.value = sessionStorage.getItem(TOKEN_KEY) || "";
  ui.token.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, ui.token.value));

  function status(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle("error-text", Boolean(isError));
  }

  function adminHeaders() {
    return { Authorization: `Bearer ${ui.token.value.trim()}` };
  }

  async function admin(url, options) {
    const res = await fetch(url, { ...options, headers: { ...adminHeaders(), ...(options.headers || {}) } });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(typeof data.detail === "string" ? data.detail : `请求失败（${res.status}）`);
    return data;
  }

  const percent = (ratio) => (ratio == null ? "—" : `${(ratio * 100).toFixed(1)}%`);

  function state(d) {
    if (d.status) return d.status;  // the server's wording, with skip and quarantine reasons
    if (d.indexed && d.in_corpus) return "已索引";
    if (d.indexed) return "已删除，待重新索引";
    return "待索引";
  }

  function titleCell(d) {
    const cell = el("th", "doc-title");
    cell.scope = "row";
    cell.append(el("span", "title-text", d.title));
    if (d.preview) {
      const more = el("details", "preview");
      more.append(el("summary", null, "预览"), el("p", null, d.preview));
      cell.append(more);
    }
    return cell;
  }

  function row(d) {
    const tr = el("tr");
    tr.dataset.file = d.source_file;
    const retitle = button("改标题", "secondary small", () => retitleDoc(d));
    retitle.setAttribute("aria-label", `修改标题：${d.title}`);
    retitle.disabled = !d.in_corpus;
    const remove = button("删除", "secondary small danger", () => removeDoc(d));
    remove.setAttribute("aria-label", `删除 ${d.title}`);
    remove.disabled = !d.in_corpus;
    const actions = el("td", "doc-actions");
    actions.append(retitle, remove);
    tr.append(titleCell(d), el("td", null, d.added_at || "—"), el("td", "num", d.paragraphs ?? "—"));
    tr.append(el("td", "num", percent(d.noisy_ratio)), el("td", null, state(d)), actions);
    return tr;
  }

  function showReindex(r) {
    if (r.state === "running") status("正在重新索引，期间问答继续使用旧索引…");
    else if (r.state === "done") status(`重新索引完成：${r.documents} 个文档，${r.paragraphs} 个段落（${r.seconds} 秒）。`);
    else if (r.state === "failed") status(`重新索引失败：${r.detail}`, true);
  }

  async function refresh() {
    try {
      const data = await getJson("/api/documents");
      ui.rows.replaceChildren(...data.documents.map(row));
      if (!data.documents.length) {
        const tr = el("tr");
        const td = el("td", "muted", "语料目录中没有文档。");
        td.colSpan = 6;
        tr.append(td);
        ui.rows.append(tr);
      }
      return data;
    } catch (err) {
      status(`无法读取文档列表：${errorText(err)}`, true);
      return null;
    }
  }

  async function upload() {
    const files = [...ui.file.files];
    if (!files.length) return status("请先选择文件。", true);
    const title = files.length === 1 ? ui.title.value.trim() : "";
    ui.upload.disabled = true;
    try {
      for (const f of files) {
        status(`正在上传 ${f.name}…`);
        const query = title ? `?title=${encodeURIComponent(title)}` : "";
        await admin(`/api/documents/${encodeURIComponent(f.name)}${query}`, { method: "PUT", body: f });
      }
      status(`已上传 ${files.length} 个文件，点击“重新索引”后可被检索。`);
      ui.file.value = "";
      ui.title.value = "";
    } catch (err) {
      status(`上传失败：${errorText(err)}`, true);
    } finally {
      ui.upload.disabled = false;
      refresh();
    }
  }

  async function retitleDoc(d) {
    const title = window.prompt("新的文档标题（留空则恢复为文中标题）：", d.title);
    if (title === null) return;
    try {
      const data = await admin(`/api/documents/${encodeURIComponent(d.source_file)}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title: title.trim() }),
      });
      status(`标题已改为“${data.title}”。`);
    } catch (err) {
      status(`修改标题失败：${errorText(err)}`, true);
    }
    refresh();
  }

  async function removeDoc(d) {
    if (!window.confirm(`确定从语料中删除“${d.title}”吗？重新索引后生效。`)) return;
    try {
      await admin(`/api/documents/${encodeURIComponent(d.source_file)}`, { method: "DELETE" });
      status(`已删除“${d.title}”，重新索引后生效。`);
    } catch (err) {
      status(`删除失败：${errorText(err)}`, true);
    }
    refresh();
  }

  async function poll() {
    clearTimeout(polling);
    const r = await getJson("/api/reindex").catch(() => ({ state: "idle" }));
    showReindex(r);
    ui.reindex.disabled = r.state === "running";
    if (r.state === "running") polling = setTimeout(poll, 1000);
    else refresh();
  }

  async function reindex() {
    try {
      await admin("/api/reindex", { method: "POST" });
      poll();
    } catch (err) {
      status(`无法开始重新索引：${errorText(err)}`, true);
    }
  }

  ui.upload.addEventListener("click", upload);
  ui.reindex.addEventListener("click", reindex);
  window.PQ.onView(async (view) => {
    if (view !== "library") return;
    const data = await refresh();
    if (data && data.reindex.state === "running") poll();
  });
})();
