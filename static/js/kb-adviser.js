/* Adviser console: search the knowledge base and share an article into the chat in view. */
(function () {
  "use strict";
  var AC = window.AdviceChat;
  function $(id) { return document.getElementById(id); }
  function activeChatId() {
    var tab = document.querySelector('#chat-tabs [role="tab"][aria-selected="true"]');
    return tab ? tab.id.replace(/^tab-/, "") : null;
  }
  function share(slug, title, button) {
    var chatId = activeChatId();
    var status = $("kb-share-status");
    var socket = AC && AC.adviserSocket;
    if (!chatId) { status.textContent = "Open a chat first, then share the article into it."; return; }
    if (!socket || !socket.connected) { status.textContent = "Not connected. Try again when the connection is back."; return; }
    button.disabled = true;
    socket.timeout(AC.ACK_TIMEOUT_MS).emit("share_article", { chat_id: chatId, slug: slug, client_id: AC.uuid() }, function (err, ack) {
      button.disabled = false;
      if (err) { status.textContent = "The article could not be shared just now. Please try again."; return; }
      if (!ack || ack.error) { status.textContent = (ack && ack.message) || "The article could not be shared."; return; }
      status.textContent = "Shared “" + title + "” into the chat.";
      if (AC.resyncChat) AC.resyncChat(chatId);
    });
  }
  $("kb-panel-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = $("kb-panel-q").value.trim();
    var list = $("kb-panel-results");
    var status = $("kb-panel-status");
    if (!q) { status.textContent = "Type what you are looking for."; return; }
    status.textContent = "Searching…";
    fetch("/api/kb/search?limit=5&q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        var results = (data && data.results) || [];
        status.textContent = results.length ? results.length + " result" + (results.length === 1 ? "" : "s") + "." : "Nothing matched.";
        results.forEach(function (r) {
          var li = AC.el("li", "kb-result");
          var link = AC.el("a", "", r.title);
          link.href = r.url;
          link.target = "_blank";
          link.rel = "noopener";
          var heading = AC.el("p", "kb-result__title");
          heading.appendChild(link);
          li.appendChild(heading);
          li.appendChild(AC.el("p", "kb-result__summary", r.summary));
          var button = AC.el("button", "button button--small", "Share");
          button.type = "button";
          button.setAttribute("aria-label", "Share into the open chat: " + r.title);
          button.addEventListener("click", function () { share(r.slug, r.title, button); });
          li.appendChild(button);
          list.appendChild(li);
        });
      })
      .catch(function () { status.textContent = "Search is not available just now."; });
  });
})();
