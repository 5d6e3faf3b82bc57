/* Setting up an authenticator app: ask for a secret, show it once, confirm with a code. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body || {}),
    }).then(function (r) {
      return r.text().then(function (t) {
        var d = {};
        try { d = t ? JSON.parse(t) : {}; } catch (e) { d = {}; }
        return { status: r.status, data: d || {} };
      });
    });
  }
  var begin = $("totp-begin");
  var form = $("totp-form");
  if (!begin || !form) return;
  begin.addEventListener("click", function () {
    begin.disabled = true;
    post("/api/account/totp").then(function (result) {
      if (result.status !== 200) {
        $("totp-status").textContent = result.data.message || "Something went wrong.";
        begin.disabled = false;
        return;
      }
      $("totp-secret").textContent = result.data.secret;
      $("totp-uri").textContent = result.data.otpauth_uri;
      $("totp-secret-box").hidden = false;
      $("totp-code").focus();
    });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var error = $("totp-error");
    error.hidden = true;
    post("/api/account/totp/confirm", { code: $("totp-code").value.trim() }).then(function (result) {
      if (result.status === 200) {
        var role = result.data.user && result.data.user.role;
        $("totp-status").textContent = "Your authenticator app is set up.";
        window.location.assign(role === "manager" ? "/manager" : "/adviser");
        return;
      }
      error.textContent = result.data.message || "That code is not right.";
      error.hidden = false;
      $("totp-code").focus();
    });
  });
})();
