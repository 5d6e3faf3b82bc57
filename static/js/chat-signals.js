/* The professional's side of typing indicators and delivered/read marks (docs/protocol.md,
   "Adviser console"). Loaded after chat-core.js; professional.js hands over its socket, log
   and message box through AdviceChat.onChatSocket. Nothing here is stored on the server:
   typing is sent at most once every 3 seconds while typing, marks at most once per burst. */
(function () {
  "use strict";
  var AC = window.AdviceChat;
  if (!AC) return;
  var TYPING_EVERY_MS = 3000;
  var TYPING_IDLE_MS = 4000;
  var RECEIPT_DELAY_MS = 400;

  AC.onChatSocket = function (socket, log, box) {
    var list = log.list;
    var holder = list.parentNode;
    var typingLine = document.createElement("p");
    typingLine.className = "typing-line";
    holder.parentNode.insertBefore(typingLine, holder.nextSibling);
    var marks = { delivered: 0, read: 0 };
    var sent = { delivered: -1, read: -1 };
    var receiptTimer = null;
    var typingTimer = null;

    function renderMarks() {
      Array.prototype.forEach.call(list.querySelectorAll("li.message--mine[data-id]"), function (li) {
        var id = Number(li.dataset.id);
        var text = AC.t(id <= marks.read ? "Read" : id <= marks.delivered ? "Delivered" : "Sent");
        var node = li.querySelector(".message__mark");
        if (!node) {
          node = document.createElement("span");
          node.className = "message__mark";
          li.appendChild(node);
        }
        if (node.textContent !== text) node.textContent = text;
      });
    }
    // The log re-draws a message when its ack or copy arrives: put its mark back.
    new MutationObserver(function () { renderMarks(); }).observe(list, { childList: true });

    function scheduleReceipt() {
      if (receiptTimer) return;
      receiptTimer = window.setTimeout(function () {
        receiptTimer = null;
        if (!socket.connected) return;
        var got = log.highestContiguous();
        var seen = document.hidden ? Math.max(0, sent.read) : got;
        if (got === sent.delivered && seen === sent.read) return;
        sent = { delivered: got, read: seen };
        socket.emit("receipt", { delivered: got, read: seen });
      }, RECEIPT_DELAY_MS);
    }
    socket.on("message", function (m) {
      if (m && m.sender === "adviser") {
        typingLine.textContent = "";
        scheduleReceipt();
      }
    });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) scheduleReceipt(); });
    socket.on("receipt", function (r) {
      if (!r || r.by !== "adviser") return;
      if (typeof r.delivered === "number") marks.delivered = Math.max(marks.delivered, r.delivered);
      if (typeof r.read === "number") {
        marks.read = Math.max(marks.read, r.read);
        marks.delivered = Math.max(marks.delivered, marks.read);
      }
      renderMarks();
    });
    socket.on("typing", function (t) {
      if (!t || t.by !== "adviser") return;
      window.clearTimeout(typingTimer);
      typingLine.textContent = t.typing ? AC.t("The adviser is typing…") : "";
      if (t.typing) typingTimer = window.setTimeout(function () { typingLine.textContent = ""; }, 8000);
    });
    socket.on("ended", function () { typingLine.textContent = ""; });

    if (!box) return;
    var typingSentAt = 0;
    var idle = null;
    function sendTyping(on) { if (socket.connected) socket.emit("typing", { typing: on }); }
    box.addEventListener("input", function () {
      if (!box.value.trim()) return;
      var now = Date.now();
      if (now - typingSentAt > TYPING_EVERY_MS) { typingSentAt = now; sendTyping(true); }
      window.clearTimeout(idle);
      idle = window.setTimeout(function () { typingSentAt = 0; sendTyping(false); }, TYPING_IDLE_MS);
    });
    box.form && box.form.addEventListener("submit", function () {
      window.clearTimeout(idle);
      if (typingSentAt) { typingSentAt = 0; sendTyping(false); }
    });
  };
})();
