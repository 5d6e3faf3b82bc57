/* Staff sign-in: JSON to /api/login, then to the page for the role. */
(function () {
  "use strict";
  var form = document.getElementById("login-form");
  var error = document.getElementById("login-error");
  var button = document.getElementById("sign-in");
  var username = document.getElementById("username");
  var password = document.getElementById("password");
  var totpField = document.getElementById("totp-field");
  var totp = document.getElementById("totp");

  function fail(message, focus) {
    error.textContent = message;
    error.hidden = false;
    (focus || password).focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    if (!username.value.trim()) return fail("Enter your username.", username);
    if (!password.value) return fail("Enter your password.", password);
    button.disabled = true;
    fetch("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(totpField.hidden
        ? { username: username.value.trim(), password: password.value }
        : { username: username.value.trim(), password: password.value, totp: totp.value.trim() }),
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        return { status: response.status, data: data || {} };
      });
    }).then(function (result) {
      button.disabled = false;
      if (result.status === 200 && result.data.user) {
        var user = result.data.user;
        if (user.totp_enrolment_required) {
          window.location.assign("/account/totp");
          return;
        }
        window.location.assign(user.role === "manager" ? "/manager" : "/adviser");
        return;
      }
      if (result.data.error === "totp_required" || result.data.error === "invalid_totp") {
        totpField.hidden = false;
        totp.value = "";
        return fail(result.data.message, totp);
      }
      password.value = "";
      var field = result.data.field === "username" ? username : password;
      fail(result.data.message || "Sign-in failed. Please try again.", field);
    }).catch(function () {
      button.disabled = false;
      fail("We could not reach the service. Check your connection and try again.");
    });
  });
})();
