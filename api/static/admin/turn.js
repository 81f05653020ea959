// One conversation turn: what the user was told, its citations, trace, feedback and provenance; the review form,
// publishing a curated answer and turning the reviewed turn into a regression case.
(function () {
  "use strict";
  const el = PB.el;
  const answerId = decodeURIComponent(window.location.pathname.split("/").pop());
  let turn = null;
  const PROVENANCE = { index_build: "索引构建", settings_hash: "设置哈希", embedding_models: "向量模型",
                       templates_version: "回答模板版本", curated_id: "审核答复编号", curated_version: "审核答复版本",
                       similarity: "问题相似度" };

  function citationNode(c) {
    return el("div", { className: "citation" },
      el("div", { className: "source" }, c.title + (c.version ? "（" + c.version + (c.status ? "，" + c.status : "") + "）" : "")
         + " › " + c.section + "  ", el("span", { className: "muted" }, "得分 " + PB.number(c.score, 3))),
      el("blockquote", {}, c.text));
  }

  // Feature contributions per candidate as a table when the trace has them; any other trace as readable JSON.
  function renderTrace(trace) {
    const box = document.getElementById("trace");
    box.textContent = "";
    if (!trace) { box.appendChild(el("p", { className: "muted" }, "这条回答没有记录排序过程（检索流程尚未输出 trace）。")); return; }
    if (Array.isArray(trace.steps) && trace.steps.length) {
      const list = el("ol", {});
      trace.steps.forEach(function (step) { list.appendChild(el("li", {}, typeof step === "string" ? step : JSON.stringify(step))); });
      box.append(el("h3", {}, "步骤"), list);
    }
    const candidates = Array.isArray(trace.candidates) ? trace.candidates : [];
    if (candidates.length) {
      // One row per feature, one column per candidate: the contribution, with the feature's value in brackets.
      const features = [];
      candidates.forEach(function (c) {
        Object.keys(c.contributions || c.features || {}).forEach(function (k) { if (features.indexOf(k) < 0) { features.push(k); } });
      });
      const head = el("tr", {}, el("th", {}, "特征"));
      candidates.forEach(function (c, i) {
        head.appendChild(el("th", { className: "num", title: c.title || "" },
          "#" + (i + 1) + " " + (c.section || c.chunk_id || "").split(" › ").pop() + "（" + PB.number(c.score, 3) + "）"));
      });
      const table = el("table", { className: "trace" }, el("thead", {}, head));
      const rows = el("tbody", {});
      features.forEach(function (f) {
        const row = el("tr", {}, el("td", {}, f));
        candidates.forEach(function (c) {
          const values = c.contributions || c.features || {};
          const feature = c.features && f in c.features ? "（" + PB.number(c.features[f], 3) + "）" : "";
          row.appendChild(el("td", { className: "num", title: "贡献（特征值）" }, (f in values ? PB.number(values[f], 3) : "—") + feature));
        });
        rows.appendChild(row);
      });
      table.appendChild(rows);
      box.append(el("h3", {}, "前几个候选片段的特征贡献（括号内为特征值）"), table);
    }
    box.appendChild(el("details", {}, el("summary", {}, "原始 trace（JSON）"), el("pre", {}, JSON.stringify(trace, null, 2))));
  }

  function renderReviews(reviews) {
    const box = document.getElementById("reviews");
    box.textContent = "";
    if (!reviews.length) { box.appendChild(el("p", { className: "muted" }, "尚未审核。")); return; }
    reviews.forEach(function (r) {
      box.appendChild(el("div", { className: "citation review" }, PB.badge("verdict", r.verdict), " ",
        el("span", { className: "muted" }, (r.reviewer || "") + " · " + PB.time(r.created)),
        r.comment ? el("div", {}, "意见：" + r.comment) : null,
        r.corrected_answer ? el("blockquote", {}, r.corrected_answer) : null));
    });
  }

  function publishCitation(doc, section, label, checked) {
    const box = el("label", { className: "publish-citation" },
      el("input", { type: "checkbox", checked: checked, dataset: { doc: doc, section: section } }), " " + label);
    document.getElementById("publish-citations").appendChild(el("div", {}, box));
  }

  function renderEvidence() {
    const box = document.getElementById("evidence");
    box.textContent = "";
    turn.citations.forEach(function (c, i) {
      const text = el("textarea", { rows: 3, name: "evidence-" + i, value: c.text });
      box.appendChild(el("div", { className: "citation" },
        el("label", {}, el("input", { type: "checkbox", checked: i === 0, dataset: { chunk: c.chunk_id } }),
           " " + c.title + " › " + c.section), text));
    });
    if (!turn.citations.length) { box.appendChild(el("p", { className: "muted" }, "这条回答没有引用条文；答案应为 answered 时请先发布带引用的审核答复，或在此选择正确的状态。")); }
  }

  async function load() {
    turn = await PB.api("GET", "/admin/api/turns/" + encodeURIComponent(answerId));
    document.getElementById("question").textContent = turn.question;
    const facts = document.getElementById("facts");
    facts.textContent = "";
    facts.append(PB.badge("status", turn.status), " ", turn.mode === "curated" ? PB.badge("mode", "curated") : "",
      "  " + (PB.LABELS.channel[turn.channel] || turn.channel) + " · " + PB.time(turn.created) + " · 用时 "
      + Math.round(turn.latency_ms) + " ms · 会话 " + turn.session_id.slice(0, 12) + "… · 检索改写：" + turn.query);
    document.getElementById("answer").textContent = turn.answer;
    const citations = document.getElementById("citations");
    citations.textContent = "";
    turn.citations.forEach(function (c) { citations.appendChild(citationNode(c)); });
    if (!turn.citations.length) { citations.appendChild(el("p", { className: "muted" }, "没有引用。")); }
    const feedback = document.getElementById("feedback");
    feedback.textContent = "有帮助 " + turn.feedback.helpful + " · 没帮助 " + turn.feedback.unhelpful;
    turn.feedback_comments.forEach(function (f) {
      if (f.comment) { feedback.appendChild(el("blockquote", {}, (f.helpful ? "有帮助：" : "没帮助：") + f.comment)); }
    });
    const provenance = document.querySelector("#provenance tbody");
    provenance.textContent = "";
    Object.entries(turn.provenance || {}).forEach(function (pair) {
      provenance.appendChild(el("tr", {}, el("th", {}, PROVENANCE[pair[0]] || pair[0]), el("td", {}, String(pair[1]))));
    });
    renderTrace(turn.trace);
    renderReviews(turn.reviews);
    const latest = turn.review;
    const publish = document.getElementById("publish");
    publish.question.value = turn.question;
    publish.answer.value = (latest && latest.corrected_answer) || (turn.status === "answered" ? turn.answer : "");
    document.getElementById("publish-citations").textContent = "";
    turn.citations.forEach(function (c, i) { publishCitation(c.doc_id, c.section, c.title + " › " + c.section, i === 0); });
    const toEval = document.getElementById("to-eval");
    toEval.status.value = latest && latest.verdict === "correct" ? turn.status : "answered";
    renderEvidence();
  }

  async function documents() {
    const response = await fetch("/api/documents");
    const select = document.getElementById("add-doc");
    if (!response.ok) { return; }
    (await response.json()).forEach(function (d) {
      select.appendChild(el("option", { value: d.doc_id }, d.title + (d.version ? "（" + d.version + "，" + d.status + "）" : "")));
    });
  }

  document.getElementById("add-citation").addEventListener("click", async function () {
    const doc = document.getElementById("add-doc").value;
    const section = document.getElementById("add-section").value.trim();
    const message = document.getElementById("publish-message");
    try {
      const found = await PB.api("GET", "/admin/api/passages?doc_id=" + encodeURIComponent(doc) + "&section=" + encodeURIComponent(section));
      if (!found.items.length) { PB.show(message, "没有找到该条款。", false); return; }
      const item = found.items[0];
      publishCitation(doc, item.section, found.title + " › " + item.section, true);
      PB.show(message, "已添加：" + item.text.slice(0, 60) + "…", true);
    } catch (error) { PB.show(message, error.message, false); }
  });

  document.getElementById("review").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const message = document.getElementById("review-message");
    const verdict = form.querySelector("input[name=verdict]:checked");
    if (!verdict) { PB.show(message, "请选择审核结论。", false); return; }
    try {
      await PB.api("POST", "/admin/api/turns/" + encodeURIComponent(answerId) + "/review",
                   { verdict: verdict.value, comment: form.comment.value, corrected_answer: form.corrected_answer.value });
      PB.show(message, "已保存审核。", true);
      await load();
    } catch (error) { PB.show(message, error.message, false); }
  });

  document.getElementById("publish").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const message = document.getElementById("publish-message");
    const citations = Array.prototype.map.call(document.querySelectorAll("#publish-citations input:checked"), function (box) {
      return { doc_id: box.dataset.doc, section: box.dataset.section };
    });
    try {
      const made = await PB.api("POST", "/admin/api/curated", { question: form.question.value, answer: form.answer.value,
                                                                 citations: citations, source_answer_id: answerId });
      PB.show(message, "已发布审核答复 #" + made.id + "（版本 " + made.version + "）。", true);
    } catch (error) { PB.show(message, error.message, false); }
  });

  document.getElementById("to-eval").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const message = document.getElementById("to-eval-message");
    const evidence = [];
    document.querySelectorAll("#evidence .citation").forEach(function (box) {
      const check = box.querySelector("input[type=checkbox]");
      if (check.checked) { evidence.push({ chunk_id: check.dataset.chunk, text: box.querySelector("textarea").value.trim() }); }
    });
    try {
      const made = await PB.api("POST", "/admin/api/turns/" + encodeURIComponent(answerId) + "/to-eval",
                                { status: form.status.value, evidence: form.status.value === "answered" ? evidence : [] });
      PB.show(message, "已追加到 " + made.dataset + "。", true);
      const shown = document.getElementById("case");
      shown.hidden = false;
      shown.textContent = JSON.stringify(made.case, null, 2);
    } catch (error) { PB.show(message, error.message, false); }
  });

  PB.start().then(function () { return Promise.all([load(), documents()]); })
    .catch(function (error) { PB.show(document.getElementById("message"), error.message, false); });
})();
