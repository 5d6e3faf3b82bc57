/* On every signed-in staff page: the JSON API helper the page scripts share, and sign-out
   (POST /api/logout, then back to the sign-in page). Loaded before the page's own scripts. */
(function () {
  "use strict";
  /* A JSON call with the session cookie; resolves to {status, data} (data {} when not JSON). */
  window.staffApi = function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (t) {
        var d = {};
        try { d = t ? JSON.parse(t) : {}; } catch (e) { d = {}; }
        return { status: r.status, data: d || {} };
      });
    });
  };

  var button = document.getElementById("sign-out");
  if (!button) return;
  button.addEventListener("click", function () {
    button.disabled = true;
    fetch("/api/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: "{}",
    }).catch(function () { /* the session ends on the server anyway when it expires */ })
      .then(function () { window.location.assign("/login"); });
  });
})();
