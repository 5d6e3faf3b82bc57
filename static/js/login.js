/* Staff sign-in: JSON to /api/login, then to the page for the role. */
(function () {
  "use strict";
  var form = document.getElementById("login-form");
  var error = document.getElementById("login-error");
  var button = document.getElementById("sign-in");
  var username = document.getElementById("username");
  var password = document.getElementById("password");

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
      body: JSON.stringify({ username: username.value.trim(), password: password.value }),
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        return { status: response.status, data: data || {} };
      });
    }).then(function (result) {
      button.disabled = false;
      if (result.status === 200 && result.data.user) {
        var role = result.data.user.role;
        window.location.assign(role === "manager" ? "/manager" : "/adviser");
        return;
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
