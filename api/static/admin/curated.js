// Curated answers: list with status (published / stale / withdrawn), edit as a new version, approve again, withdraw.
(function () {
  "use strict";
  const el = PB.el;
  const message = document.getElementById("message");
  let editing = null;

  function citationsText(citations) {
    return citations.map(function (c) { return c.doc_id + " | " + c.section; }).join("\n");
  }

  async function act(method, path, done) {
    try {
      await PB.api(method, path);
      PB.show(message, done, true);
      await load();
    } catch (error) { PB.show(message, error.message, false); }
  }

  async function openEditor(item) {
    editing = item.id;
    const form = document.getElementById("edit");
    form.question.value = item.question;
    form.answer.value = item.answer;
    form.citations.value = citationsText(item.citations);
    document.getElementById("editor-title").textContent = "编辑审核答复 #" + item.id + "（当前版本 " + item.version + "）";
    document.getElementById("editor").hidden = false;
    const detail = await PB.api("GET", "/admin/api/curated/" + item.id);
    const box = document.getElementById("versions");
    box.textContent = "";
    detail.versions.forEach(function (v) {
      box.appendChild(el("div", { className: "citation" }, el("strong", {}, "版本 " + v.version), " ",
        el("span", { className: "muted" }, (v.author || "") + " · " + PB.time(v.created)), el("div", {}, v.question),
        el("blockquote", {}, v.answer)));
    });
    document.getElementById("editor").scrollIntoView();
  }

  async function load() {
    const data = await PB.api("GET", "/admin/api/curated");
    const body = document.querySelector("#curated tbody");
    body.textContent = "";
    data.items.forEach(function (item) {
      const actions = el("div", { className: "actions" });
      const edit = el("button", { type: "button" }, "编辑");
      edit.addEventListener("click", function () { openEditor(item); });
      actions.appendChild(edit);
      if (item.status === "stale") {
        const approve = el("button", { type: "button", className: "primary approve" }, "重新审核通过");
        approve.addEventListener("click", function () {
          act("POST", "/admin/api/curated/" + item.id + "/approve", "已重新审核通过 #" + item.id + "。");
        });
        actions.appendChild(approve);
      }
      if (item.status !== "withdrawn") {
        const withdraw = el("button", { type: "button", className: "danger" }, "撤回");
        withdraw.addEventListener("click", function () {
          act("DELETE", "/admin/api/curated/" + item.id, "已撤回 #" + item.id + "。");
        });
        actions.appendChild(withdraw);
      }
      const sources = el("td", {});
      item.citations.forEach(function (c) { sources.appendChild(el("div", {}, c.title + "（" + (c.version || "") + "）› " + c.section)); });
      if (item.stale_reason) { sources.appendChild(el("div", { className: "error stale-reason" }, "过时原因：" + item.stale_reason)); }
      body.appendChild(el("tr", { className: "curated-row", dataset: { id: item.id, status: item.status } },
        el("td", {}, item.id), el("td", {}, PB.badge("curated", item.status)), el("td", { className: "num" }, item.version),
        el("td", { className: "question" }, item.question), el("td", { className: "question" }, item.answer), sources,
        el("td", {}, (item.approved_by || "") + " " + PB.time(item.approved_at)), el("td", {}, actions)));
    });
    if (!data.items.length) { body.appendChild(el("tr", {}, el("td", { colSpan: 8, className: "muted" }, "还没有审核答复：在对话详情页审核并发布。"))); }
  }

  document.getElementById("edit").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const citations = form.citations.value.split("\n").filter(function (line) { return line.trim(); }).map(function (line) {
      const parts = line.split("|");
      return { doc_id: parts[0].trim(), section: (parts[1] || "").trim() };
    });
    try {
      const saved = await PB.api("PUT", "/admin/api/curated/" + editing, { question: form.question.value, answer: form.answer.value,
                                                                            citations: citations });
      PB.show(document.getElementById("edit-message"), "已保存为版本 " + saved.version + " 并发布。", true);
      document.getElementById("editor").hidden = true;
      await load();
    } catch (error) { PB.show(document.getElementById("edit-message"), error.message, false); }
  });
  document.getElementById("cancel").addEventListener("click", function () { document.getElementById("editor").hidden = true; });
  PB.start().then(load).catch(function (error) { PB.show(message, error.message, false); });
})();
