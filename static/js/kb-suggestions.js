/* Professional page: while waiting, suggest up to three public articles from the topic and first
 * message. POST /api/kb/suggest, so the message never goes into a URL. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var form = $("prechat-form");
  var box = $("kb-suggestions");
  if (!form || !box) return;
  form.addEventListener("submit", function () {
    var topic = $("topic").value;
    if (!topic || !$("consent").checked) return;
    fetch("/api/kb/suggest", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ topic: topic, message: $("message").value || null }),
    }).then(function (r) { return r.json(); }).then(function (data) {
      var list = $("kb-suggestions-list");
      list.textContent = "";
      var results = (data && data.results) || [];
      results.forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = r.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = window.AdviceChat ? window.AdviceChat.t("{title} (opens in a new tab)", { title: r.title })
          : r.title + " (opens in a new tab)";
        li.appendChild(a);
        var p = document.createElement("p");
        p.textContent = r.summary;
        p.lang = "en"; // article summaries are written in English
        li.appendChild(p);
        list.appendChild(li);
      });
      box.hidden = results.length === 0;
    }).catch(function () { box.hidden = true; });
  });
})();
