/* Supervision: list the chats being answered now and watch one, read only (`live_chats`,
   `watch`, `watch_history`, `unwatch`; docs/protocol.md). Used on /manager/live and, for
   senior advisers, in the console. Text is inserted as text, never as markup. */
(function () {
  "use strict";
  var AC = window.AdviceChat;
  var panel = document.getElementById("supervise");
  if (!AC || !panel) return;
  function $(id) { return document.getElementById(id); }
  var socket = AC.adviserSocket || window.AdviceChatStaffSocket;
  if (!socket) return;
  var options = {};
  try { options = JSON.parse(panel.dataset.options || "{}"); } catch (e) { options = {}; }
  function label(list, id) { return AC.labelFor(options, list, id); }
  var wrap = $("supervise-wrap"); // in the console: shown only to senior advisers
  var watching = null; // {chatId, log}

  function describe(c) {
    var pre = c.pre_chat || {};
    return label("topics", pre.topic) + " – " + label("roles", pre.role) + ", " + label("regions", pre.region) +
      (pre.immediate_risk ? " (immediate risk)" : "") + ", with " + ((c.adviser && c.adviser.display_name) || "an adviser");
  }
  function emit(event, payload, done) {
    socket.timeout(AC.ACK_TIMEOUT_MS).emit(event, payload, function (err, ack) {
      done(err ? { error: "timeout", message: "No answer from the server. Please try again." } : (ack || {}));
    });
  }
  function list() {
    emit("live_chats", {}, function (ack) {
      if (ack.error === "forbidden") { if (wrap) wrap.hidden = true; return; }
      if (wrap) wrap.hidden = false;
      if (ack.error) { $("supervise-status").textContent = ack.message || "The list could not be loaded."; return; }
      var items = ack.chats || [];
      var ul = $("supervise-list");
      ul.textContent = "";
      $("supervise-status").textContent = items.length ? items.length + " live chat" + (items.length === 1 ? "" : "s") + "." : "No chat is being answered just now.";
      items.forEach(function (c) {
        var li = AC.el("li", "queue-item");
        li.appendChild(AC.el("span", "queue-item__what", describe(c)));
        var b = AC.el("button", "button button--small", "Watch");
        b.type = "button";
        b.setAttribute("aria-label", "Watch chat: " + describe(c));
        b.addEventListener("click", function () { watch(c.chat_id); });
        li.appendChild(b);
        ul.appendChild(li);
      });
    });
  }
  function showNotes(notes) {
    var ul = $("watch-notes");
    (notes || []).forEach(function (n) {
      if (ul.querySelector('[data-id="' + n.id + '"]')) return;
      var li = AC.el("li", "note");
      li.dataset.id = String(n.id);
      li.appendChild(AC.el("p", "note__text", n.text));
      li.appendChild(AC.el("p", "note__meta", ((n.author && n.author.display_name) || "An adviser") + ", " + AC.formatTime(n.created_at)));
      ul.appendChild(li);
    });
  }
  function fillGap() {
    if (!watching || !watching.log.hasGap()) return;
    emit("watch_history", { chat_id: watching.chatId, after_id: watching.log.highestContiguous() }, function (ack) {
      (ack.messages || []).forEach(function (m) { watching.log.add(m); });
    });
  }
  function watch(chatId) {
    if (watching && watching.chatId !== chatId) emit("unwatch", { chat_id: watching.chatId }, function () {});
    emit("watch", { chat_id: chatId }, function (ack) {
      if (ack.error) { $("supervise-status").textContent = ack.message || "This chat cannot be watched."; return; }
      $("watch-messages").textContent = "";
      $("watch-notes").textContent = "";
      var log = new AC.ChatLog($("watch-messages"), {
        own: "none",
        labels: { professional: "Professional", adviser: (ack.adviser && ack.adviser.display_name) || "Adviser", system: "" },
      });
      watching = { chatId: chatId, log: log };
      (ack.messages || []).forEach(function (m) { log.add(m); });
      showNotes(ack.notes);
      $("watch-heading").textContent = "Watching (read only): " + describe(ack);
      $("watch-view").hidden = false;
      $("watch-heading").focus();
      log.scrollToEnd();
    });
  }
  socket.on("message", function (m) {
    if (!watching || !m || m.chat_id !== watching.chatId) return;
    if (watching.log.add(m)) watching.log.scrollToEnd();
    fillGap();
  });
  socket.on("note", function (n) { if (watching && n && n.chat_id === watching.chatId) showNotes([n]); });
  socket.on("ended", function (info) {
    if (watching && info && info.chat_id === watching.chatId) {
      $("supervise-status").textContent = "The chat you are watching has ended.";
    }
  });
  $("watch-stop").addEventListener("click", function () {
    if (!watching) return;
    emit("unwatch", { chat_id: watching.chatId }, function () {});
    watching = null;
    $("watch-view").hidden = true;
    $("supervise-status").textContent = "You stopped watching.";
    $("supervise-refresh").focus();
  });
  $("supervise-refresh").addEventListener("click", list);
  function start() {
    list();
    if (watching) { watch(watching.chatId); return; } // a new connection watches afresh
    var m = /^#watch=(c_[0-9a-f]{1,62})$/.exec(window.location.hash);
    if (m) watch(m[1]);
  }
  socket.on("connect", start);
  if (socket.connected) start();
})();
