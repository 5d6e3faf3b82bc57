/* Sign-out on every signed-in staff page: POST /api/logout, then back to the sign-in page. */
(function () {
  "use strict";
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
