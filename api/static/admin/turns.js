// Conversation list: filters kept in the address (so a filtered view can be bookmarked), 50 a page, exports.
(function () {
  "use strict";
  const el = PB.el;
  const form = document.getElementById("filters");
  const body = document.querySelector("#turns tbody");
  const PAGE = 50;
  let offset = 0;

  function params() {
    const query = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value) { query.set(key, value); } });
    return query;
  }

  function fill() {
    const query = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && query.has(field.name)) { field.value = query.get(field.name); }
    });
    offset = Number(query.get("offset") || 0);
  }

  async function load() {
    const query = params();
    ["csv", "jsonl"].forEach(function (format) {
      const exported = new URLSearchParams(query);
      exported.set("format", format);
      document.getElementById("export-" + format).href = "/admin/api/export/conversations?" + exported;
    });
    query.set("limit", PAGE);
    query.set("offset", offset);
    try {
      const data = await PB.api("GET", "/admin/api/turns?" + query);
      body.textContent = "";
      data.items.forEach(function (turn) {
        const row = el("tr", { className: "clickable turn", dataset: { answerId: turn.answer_id } },
          el("td", {}, PB.time(turn.created)),
          el("td", {}, PB.LABELS.channel[turn.channel] || turn.channel),
          el("td", { className: "question" }, el("a", { href: "/admin/turns/" + turn.answer_id }, turn.question)),
          el("td", {}, PB.badge("status", turn.status)),
          el("td", {}, turn.mode === "curated" ? PB.badge("mode", "curated") : PB.LABELS.mode[turn.mode] || turn.mode),
          el("td", { className: "num" }, PB.number(turn.top_score)),
          el("td", { className: "num" }, turn.feedback.helpful + " / " + turn.feedback.unhelpful),
          el("td", {}, turn.review ? PB.badge("verdict", turn.review.verdict) : "—"),
          el("td", { className: "num" }, Math.round(turn.latency_ms) + " ms"));
        row.addEventListener("click", function (event) {
          if (event.target.tagName !== "A") { window.location.href = "/admin/turns/" + turn.answer_id; }
        });
        body.appendChild(row);
      });
      const last = Math.min(offset + PAGE, data.total);
      document.getElementById("total").textContent = data.total ? "共 " + data.total + " 条，第 " + (offset + 1) + "–" + last + " 条"
                                                                : "没有符合条件的记录";
      document.getElementById("previous").disabled = offset === 0;
      document.getElementById("next").disabled = last >= data.total;
    } catch (error) {
      PB.show(document.getElementById("message"), error.message, false);
    }
  }

  function go() {
    const query = params();
    if (offset) { query.set("offset", offset); }
    window.history.replaceState(null, "", "/admin/turns" + (query.toString() ? "?" + query : ""));
    load();
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); offset = 0; go(); });
  document.getElementById("clear").addEventListener("click", function () { form.reset(); offset = 0; go(); });
  document.getElementById("previous").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); go(); });
  document.getElementById("next").addEventListener("click", function () { offset += PAGE; go(); });
  PB.start().then(function () { fill(); load(); });
})();
