// Staff console: shared helpers — the JSON API with the session's CSRF token, the header bar, labels, formatting.
(function () {
  "use strict";
  let csrf = null;

  const LABELS = {
    status: { answered: "已回答", no_answer: "未找到", refused: "拒答" },
    verdict: { correct: "正确", partial: "部分正确", wrong: "错误" },
    channel: { web: "网页", api: "API", cli: "命令行", wechat: "公众号", wecom: "企业微信" },
    curated: { published: "已发布", stale: "已过时", withdrawn: "已撤回" },
    run: { running: "运行中", done: "已完成", failed: "失败" },
    mode: { extractive: "摘录", curated: "审核答复" },
    change: { regressed: "退步", worse: "证据排名下降", removed: "已删除", changed: "状态变化", fixed: "修复",
              better: "证据排名上升", added: "新增", same: "不变" },
  };

  // Calls /admin/api/*; a 401 means the session ended: reloading shows the login page.
  async function api(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (method !== "GET" && csrf) { headers["X-CSRF-Token"] = csrf; }
    const response = await fetch(path, { method: method, headers: headers, credentials: "same-origin",
                                          body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) { window.location.reload(); throw new Error("401"); }
    const text = await response.text();
    const data = text ? JSON.parse(text) : {};
    if (!response.ok) { throw new Error(data.detail || ("请求失败（" + response.status + "）")); }
    return data;
  }

  // Builds an element: el("td", {className: "num"}, "text", child…).
  function el(tag, attrs) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function (pair) {
      if (pair[0] === "dataset") { Object.assign(node.dataset, pair[1]); } else { node[pair[0]] = pair[1]; }
    });
    Array.prototype.slice.call(arguments, 2).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  function badge(kind, value) {
    return el("span", { className: "badge " + value }, (LABELS[kind] && LABELS[kind][value]) || value);
  }

  function time(iso) {
    if (!iso) { return "—"; }
    return new Date(iso).toLocaleString("zh-CN", { hour12: false });
  }

  function number(value, digits) {
    if (value === null || value === undefined) { return "—"; }
    return Number(value).toFixed(digits === undefined ? 2 : digits);
  }

  function show(node, message, ok) {
    node.textContent = message;
    node.className = "message " + (ok ? "ok" : "error");
  }

  const PAGES = [["/admin", "概览"], ["/admin/turns", "对话记录"], ["/admin/curated", "审核答复"], ["/admin/eval", "评测"]];

  // Fills the page's <header class="bar">: title, navigation, the user and 退出.
  function header(username) {
    const bar = document.querySelector("header.bar");
    const here = window.location.pathname;
    const nav = el("nav", {});
    PAGES.forEach(function (page) {
      const current = here === page[0] || (page[0] !== "/admin" && here.startsWith(page[0]));
      nav.appendChild(el("a", { href: page[0], className: current ? "current" : "" }, page[1]));
    });
    bar.append(el("h1", {}, "PolicyBot 工作人员后台"), nav,
               el("div", { className: "user" }, el("span", { className: "name" }, username),
                  el("button", { type: "button", className: "logout" }, "退出")));
  }

  async function start() {
    const me = await api("GET", "/admin/api/me");
    csrf = me.csrf_token;
    header(me.username);
    document.querySelector("header.bar .logout").addEventListener("click", async function () {
      await api("POST", "/admin/api/logout");
      window.location.href = "/admin/login";
    });
    return me;
  }

  window.PB = { api: api, el: el, badge: badge, time: time, number: number, show: show, start: start, LABELS: LABELS };
})();
