// Staff console login: posts the credentials, then shows the page that was asked for (or the dashboard).
(function () {
  "use strict";
  const form = document.getElementById("login");
  const message = document.getElementById("message");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch("/admin/api/login", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
        body: JSON.stringify({ username: form.username.value, password: form.password.value }),
      });
      const data = await response.json();
      if (!response.ok) {
        message.textContent = data.detail || "登录失败。";
        message.className = "message error";
        return;
      }
      if (window.location.pathname === "/admin/login") { window.location.href = "/admin"; } else { window.location.reload(); }
    } catch (error) {
      message.textContent = "网络错误，请稍后再试。";
      message.className = "message error";
    } finally {
      button.disabled = false;
    }
  });
})();
