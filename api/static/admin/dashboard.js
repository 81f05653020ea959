// Dashboard: daily questions, status rates, ratings and p95 latency as Chart.js charts; content gaps as a list.
(function () {
  "use strict";
  const el = PB.el;
  const charts = {};
  const COLORS = { blue: "#1d4ed8", green: "#16a34a", amber: "#d97706", red: "#dc2626", grey: "#6b7280" };
  Chart.defaults.font.family = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  Chart.defaults.animation = false;

  function draw(id, config) {
    if (charts[id]) { charts[id].destroy(); }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false,
                                     plugins: { legend: { position: "bottom" } } }, config.options || {});
    charts[id] = new Chart(document.getElementById(id), config);
  }

  function share(part, whole) { return whole ? Math.round(1000 * part / whole) / 10 : null; }

  function tile(label, value) {
    return el("div", { className: "tile" }, el("div", { className: "value" }, value), el("div", { className: "label" }, label));
  }

  async function load() {
    const days = document.getElementById("days").value;
    const data = await PB.api("GET", "/admin/api/stats?days=" + days);
    const daily = data.daily;
    const labels = daily.map(function (d) { return d.date.slice(5); });
    const sum = function (key) { return daily.reduce(function (total, d) { return total + d[key]; }, 0); };
    const questions = sum("questions");
    const tiles = document.getElementById("tiles");
    tiles.textContent = "";
    tiles.append(tile("提问数", questions),
                 tile("回答率", questions ? share(sum("answered"), questions) + "%" : "—"),
                 tile("未找到率", questions ? share(sum("no_answer"), questions) + "%" : "—"),
                 tile("有帮助 / 没帮助", sum("helpful") + " / " + sum("unhelpful")));
    draw("chart-questions", { type: "bar", data: { labels: labels, datasets: [
      { label: "提问数", data: daily.map(function (d) { return d.questions; }), backgroundColor: COLORS.blue }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
    draw("chart-rates", { type: "bar", data: { labels: labels, datasets: [
      { label: "已回答 %", data: daily.map(function (d) { return share(d.answered, d.questions); }), backgroundColor: COLORS.green },
      { label: "未找到 %", data: daily.map(function (d) { return share(d.no_answer, d.questions); }), backgroundColor: COLORS.amber },
      { label: "拒答 %", data: daily.map(function (d) { return share(d.refused, d.questions); }), backgroundColor: COLORS.red }] },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, max: 100 } } } });
    draw("chart-feedback", { type: "bar", data: { labels: labels, datasets: [
      { label: "有帮助", data: daily.map(function (d) { return d.helpful; }), backgroundColor: COLORS.green },
      { label: "没帮助", data: daily.map(function (d) { return d.unhelpful; }), backgroundColor: COLORS.red }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
    draw("chart-latency", { type: "line", data: { labels: labels, datasets: [
      { label: "p95 用时（毫秒）", data: daily.map(function (d) { return d.p95_ms; }), borderColor: COLORS.blue,
        backgroundColor: COLORS.blue, spanGaps: true, tension: 0.2 }] },
      options: { scales: { y: { beginAtZero: true } } } });
    const gaps = document.getElementById("gaps");
    gaps.textContent = "";
    data.gaps.forEach(function (gap) {
      gaps.appendChild(el("li", { className: "gap" }, el("span", { className: "count" }, gap.count), el("strong", {}, gap.label),
        el("div", { className: "muted" }, gap.examples.join(" ／ "))));
    });
    if (!data.gaps.length) { gaps.appendChild(el("li", { className: "muted" }, "这段时间没有内容缺口。")); }
  }

  document.getElementById("days").addEventListener("change", function () {
    load().catch(function (error) { PB.show(document.getElementById("message"), error.message, false); });
  });
  PB.start().then(load).catch(function (error) { PB.show(document.getElementById("message"), error.message, false); });
})();
