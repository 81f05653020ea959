// Evaluation runs: start one on a dataset, watch its progress, compare two runs with regressions highlighted.
(function () {
  "use strict";
  const el = PB.el;
  const message = document.getElementById("message");
  let timer = null;
  let picked = false;

  function metric(run, key) { return run.summary ? PB.number(run.summary.overall[key], 3) : "—"; }

  function outcome(o) {
    if (!o) { return "—"; }
    return el("span", {}, PB.badge("status", o.status), " " + (o.passed ? "通过" : "未通过") + " · 排名 " + (o.rank || "—"));
  }

  async function load() {
    const data = await PB.api("GET", "/admin/api/eval-runs");
    const body = document.querySelector("#runs tbody");
    // Keep the reviewer's choice of A and B across refreshes; until they choose, B is the newest run, A the one before.
    const chosen = picked ? { a: (document.querySelector("input[name=a]:checked") || {}).value,
                              b: (document.querySelector("input[name=b]:checked") || {}).value } : {};
    body.textContent = "";
    data.items.forEach(function (run, i) {
      const radio = function (name, fallback) {
        return el("input", { type: "radio", name: name, value: String(run.id),
                             checked: chosen[name] ? chosen[name] === String(run.id) : fallback });
      };
      body.appendChild(el("tr", { className: "run", dataset: { id: run.id, status: run.status } },
        el("td", {}, radio("a", i === 1)), el("td", {}, radio("b", i === 0)), el("td", {}, run.id), el("td", {}, run.dataset),
        el("td", {}, PB.badge("run", run.status), run.error ? el("div", { className: "error" }, run.error) : null),
        el("td", { className: "num" }, run.done_cases + " / " + (run.cases === null ? "?" : run.cases)),
        el("td", {}, PB.time(run.started)), el("td", {}, run.started_by || ""),
        el("td", { className: "num" }, metric(run, "hit@1")), el("td", { className: "num" }, metric(run, "hit@5")),
        el("td", { className: "num" }, metric(run, "mrr")), el("td", { className: "num" }, metric(run, "no_answer_accuracy")),
        el("td", { className: "muted" }, (run.provenance.index_build || "").slice(0, 10) + " · " + (run.provenance.today || "")),
        el("td", {}, el("a", { href: "/admin/api/export/runs?format=csv&run_id=" + run.id }, "CSV"))));
    });
    if (!data.items.length) { body.appendChild(el("tr", {}, el("td", { colSpan: 14, className: "muted" }, "还没有评测运行。"))); }
    clearTimeout(timer);
    if (data.running) { timer = setTimeout(load, 2000); }
  }

  async function datasets() {
    const data = await PB.api("GET", "/admin/api/eval-datasets");
    const select = document.querySelector("#start select[name=set]");
    data.items.forEach(function (d) {
      select.appendChild(el("option", { value: d.name }, d.name + "（" + (d.cases === null ? "无法读取" : d.cases + " 题") + "）"));
    });
  }

  async function compare() {
    const a = document.querySelector("input[name=a]:checked");
    const b = document.querySelector("input[name=b]:checked");
    if (!a || !b) { PB.show(message, "请勾选两次运行。", false); return; }
    const data = await PB.api("GET", "/admin/api/eval-runs/compare?a=" + a.value + "&b=" + b.value);
    document.getElementById("comparison").hidden = false;
    document.getElementById("comparison-title").textContent = "对比：A #" + data.a.id + "（" + data.a.dataset + "）与 B #" + data.b.id
      + "（" + data.b.dataset + "）—— 退步 " + data.regressions + " 个用例";
    const metrics = document.querySelector("#metrics tbody");
    metrics.textContent = "";
    data.metrics.forEach(function (m) {
      const sign = m.delta === null ? "—" : (m.delta > 0 ? "+" : "") + PB.number(m.delta, 3);
      metrics.appendChild(el("tr", {}, el("td", {}, m.metric), el("td", { className: "num" }, PB.number(m.a, 3)),
        el("td", { className: "num" }, PB.number(m.b, 3)),
        el("td", { className: "num " + (m.worse ? "worse" : m.delta ? "better" : "") }, sign)));
    });
    const cases = document.querySelector("#cases tbody");
    cases.textContent = "";
    data.cases.forEach(function (c) {
      cases.appendChild(el("tr", { className: "case " + c.change }, el("td", {}, c.case_id), el("td", { className: "question" }, c.question),
        el("td", {}, PB.badge("change", c.change)), el("td", {}, outcome(c.a)), el("td", {}, outcome(c.b))));
    });
    document.getElementById("comparison").scrollIntoView();
  }

  document.getElementById("start").addEventListener("submit", async function (event) {
    event.preventDefault();
    try {
      const run = await PB.api("POST", "/admin/api/eval-runs", { dataset: event.target.elements.namedItem("set").value });
      PB.show(message, "已开始评测 #" + run.id + "。", true);
      await load();
    } catch (error) { PB.show(message, error.message, false); }
  });
  document.querySelector("#runs tbody").addEventListener("change", function () { picked = true; });
  document.getElementById("compare").addEventListener("click", function () {
    compare().catch(function (error) { PB.show(message, error.message, false); });
  });
  PB.start().then(function () { return Promise.all([datasets(), load()]); })
    .catch(function (error) { PB.show(message, error.message, false); });
})();
