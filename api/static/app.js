// PolicyBot web chat: asks /api/chat, keeps the session for follow-up questions, shows citations.
(function () {
  "use strict";
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const send = document.getElementById("send");
  const conversation = document.getElementById("conversation");
  const template = document.getElementById("turn-template");
  let sessionId = sessionStorage.getItem("policybot-session");

  function renderCitations(list, citations) {
    citations.forEach(function (c) {
      const item = document.createElement("li");
      const source = document.createElement("div");
      source.className = "source";
      source.textContent = c.title + (c.version ? "（" + c.version + "）" : "") + " › " + c.section;
      if (c.version) {
        const mark = document.createElement("span");
        mark.className = "status " + (c.in_force ? "in-force" : "not-in-force");
        mark.textContent = c.status;
        source.appendChild(mark);
      }
      const quote = document.createElement("blockquote");
      quote.textContent = c.text;
      item.appendChild(source);
      item.appendChild(quote);
      list.appendChild(item);
    });
  }

  function addTurn(question) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.querySelector(".question").textContent = question;
    node.querySelector(".answer").textContent = "正在查找相关文件……";
    node.querySelector(".citations").hidden = true;
    conversation.appendChild(node);
    node.scrollIntoView({ behavior: "smooth", block: "end" });
    return node;
  }

  function enableFeedback(node, answerId) {
    const box = node.querySelector(".feedback");
    box.hidden = false;
    box.querySelectorAll("button").forEach(function (button) {
      button.addEventListener("click", async function () {
        const response = await fetch("/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ answer_id: answerId, helpful: button.dataset.helpful === "true", session_id: sessionId }),
        });
        box.querySelectorAll("button").forEach(function (b) { b.classList.toggle("chosen", b === button); });
        box.querySelector(".thanks").textContent = response.ok ? "谢谢反馈！" : "反馈未能提交，请稍后再试。";
      });
    });
  }

  async function ask(question) {
    const node = addTurn(question);
    send.disabled = true;
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: question, session_id: sessionId }),
      });
      const data = await response.json();
      if (!response.ok) {
        node.querySelector(".answer").textContent = data.detail || "请求失败，请稍后再试。";
        node.querySelector(".answer").classList.add("error");
        return;
      }
      sessionId = data.session_id;
      sessionStorage.setItem("policybot-session", sessionId);
      node.classList.add(data.status);
      if (data.mode === "curated") { node.classList.add("curated"); }  // a reviewer's answer (its text says so)
      node.dataset.answerId = data.answer_id;
      node.querySelector(".answer").textContent = data.answer;
      if (data.citations.length) {
        const details = node.querySelector(".citations");
        details.hidden = false;
        renderCitations(details.querySelector("ol"), data.citations);
      }
      node.querySelector(".meta").textContent = "用时 " + Math.round(data.latency_ms) + " 毫秒";
      if (data.status === "answered") { enableFeedback(node, data.answer_id); }
    } catch (error) {
      node.querySelector(".answer").textContent = "网络错误，请检查连接后重试。";
      node.querySelector(".answer").classList.add("error");
    } finally {
      send.disabled = false;
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) { return; }
    input.value = "";
    ask(question);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.querySelectorAll(".example").forEach(function (button) {
    button.addEventListener("click", function () { ask(button.textContent); });
  });
  document.getElementById("reset").addEventListener("click", function () {
    sessionId = null;
    sessionStorage.removeItem("policybot-session");
    conversation.innerHTML = "";
    input.focus();
  });
})();
