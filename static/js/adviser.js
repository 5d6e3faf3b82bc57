/* The adviser console: presence, offers, queue, several chats in tabs. Protocol: docs/protocol.md. */
(function () {
  "use strict";
  var AC = window.AdviceChat;
  var el = AC.el;
  var root = document.getElementById("console");
  var options = {};
  try { options = JSON.parse(root.dataset.options || "{}"); } catch (e) { options = {}; }
  var routing = root.dataset.routing || "auto";
  var PRESENCE_KEY = "advice_chat_presence";
  var BASE_TITLE = document.title;

  function $(id) { return document.getElementById(id); }
  function label(list, id) { return AC.labelFor(options, list, id); }
  function describe(pre) {
    return label("roles", pre.role) + ", " + label("regions", pre.region) + " – " + label("topics", pre.topic);
  }
  function announce(text) {
    var node = $("announcer");
    node.textContent = "";
    window.setTimeout(function () { node.textContent = text; }, 50);
  }
  function waitedFor(iso) {
    var minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
    if (!isFinite(minutes) || minutes < 1) return "less than a minute";
    if (minutes < 60) return minutes === 1 ? "1 minute" : minutes + " minutes";
    var hours = Math.floor(minutes / 60);
    return hours + (hours === 1 ? " hour " : " hours ") + (minutes % 60) + " min";
  }

  var socket = window.io({ transports: ["websocket", "polling"] });
  AC.adviserSocket = socket; // the knowledge-base panel (kb-adviser.js) shares through it
  AC.resyncChat = function (chatId) {
    var chat = chats.get(chatId);
    if (chat) chat.resync.run(chat.log);
  };
  var chats = new Map(); // chat_id -> chat (see openChat)
  var activeChat = null;
  var chatCounter = 0;

  /* ---------------------------------------------------------------- presence ---- */
  function wantedPresence() {
    try { return sessionStorage.getItem(PRESENCE_KEY) === "away" ? "away" : "available"; } catch (e) { return "available"; }
  }
  function rememberPresence(status) {
    try { sessionStorage.setItem(PRESENCE_KEY, status); } catch (e) { /* ignore */ }
  }
  function showPresence(status, active, capacity) {
    $("presence-available").setAttribute("aria-pressed", String(status === "available"));
    $("presence-away").setAttribute("aria-pressed", String(status === "away"));
    var words = status === "available" ? "You are available." : "You are away: no new chats will come to you.";
    var load = typeof active === "number" && typeof capacity === "number"
      ? " Open chats: " + active + " of " + capacity + "." : "";
    $("presence-status").textContent = words + load;
  }
  function setPresence(status) {
    if (!socket.connected) {
      $("presence-status").textContent = "Not connected. Your status will be set when the connection is back.";
      return;
    }
    var payload = { status: status };
    if (routing === "auto") payload.offers = true; // see docs/queue.md: offers, accepted in the console
    socket.timeout(AC.ACK_TIMEOUT_MS).emit("presence", payload, function (err, ack) {
      if (err) { $("presence-status").textContent = "Could not change your status. Please try again."; return; }
      if (!ack || ack.error) {
        $("presence-status").textContent = (ack && ack.message) || "Could not change your status.";
        return;
      }
      showPresence(ack.status, ack.active, ack.capacity);
    });
  }
  $("presence-available").addEventListener("click", function () {
    rememberPresence("available");
    setPresence("available");
  });
  $("presence-away").addEventListener("click", function () {
    rememberPresence("away");
    setPresence("away");
  });

  /* ------------------------------------------------------------------- queue ---- */
  var lastQueue = null;
  function renderQueue() {
    var summary = lastQueue;
    if (!summary) return;
    var items = Array.isArray(summary.chats) ? summary.chats : [];
    var waiting = typeof summary.waiting === "number" ? summary.waiting : items.length;
    $("queue-count").textContent = String(waiting);
    $("queue-empty").hidden = waiting > 0;
    var list = $("queue-list");
    list.textContent = "";
    items.forEach(function (item) {
      var li = el("li", "queue-item" + (item.immediate_risk ? " queue-item--urgent" : ""));
      if (item.immediate_risk) li.appendChild(el("strong", "badge badge--urgent", "Immediate risk"));
      li.appendChild(el("span", "queue-item__what", label("topics", item.topic)));
      li.appendChild(el("span", "queue-item__who", label("roles", item.role) + ", " + label("regions", item.region)));
      li.appendChild(el("span", "queue-item__wait", "Waiting " + waitedFor(item.waiting_since)));
      if (routing === "manual") {
        var take = el("button", "button button--small", "Take");
        take.type = "button";
        take.setAttribute("aria-label", "Take chat: " + describe(item));
        take.addEventListener("click", function () {
          take.disabled = true;
          socket.timeout(AC.ACK_TIMEOUT_MS).emit("take", { chat_id: item.chat_id }, function (err, ack) {
            take.disabled = false;
            if (err) { $("presence-status").textContent = "Could not take the chat. Please try again."; return; }
            if (ack && ack.error) $("presence-status").textContent = ack.message;
          });
        });
        li.appendChild(take);
      }
      list.appendChild(li);
    });
  }
  socket.on("queue", function (summary) { lastQueue = summary || null; renderQueue(); });
  window.setInterval(renderQueue, 30000);

  /* ------------------------------------------------------------------ offers ---- */
  function removeOffer(chatId) {
    var li = $("offer-" + chatId);
    if (li) { window.clearInterval(Number(li.dataset.timer)); li.remove(); }
    $("offers-panel").hidden = !$("offers").children.length;
  }
  socket.on("offer", function (offer) {
    if (!offer || !offer.chat_id || $("offer-" + offer.chat_id)) return;
    var pre = offer.pre_chat || {};
    $("offers-panel").hidden = false;
    var li = el("li", "offer" + (pre.immediate_risk ? " offer--urgent" : ""));
    li.id = "offer-" + offer.chat_id;
    if (pre.immediate_risk) li.appendChild(el("strong", "badge badge--urgent", "Immediate risk"));
    li.appendChild(el("p", "offer__what", describe(pre)));
    var countdown = el("p", "offer__time");
    li.appendChild(countdown);
    function tick() {
      var left = Math.max(0, Math.round((new Date(offer.expires_at).getTime() - Date.now()) / 1000));
      countdown.textContent = isFinite(left) ? "Accept within " + left + " seconds." : "";
    }
    tick();
    li.dataset.timer = String(window.setInterval(tick, 1000));
    var actions = el("div", "offer__actions");
    var accept = el("button", "button button--primary", "Accept");
    accept.type = "button";
    accept.setAttribute("aria-label", "Accept chat: " + describe(pre));
    var decline = el("button", "button button--secondary", "Decline");
    decline.type = "button";
    decline.setAttribute("aria-label", "Decline chat: " + describe(pre));
    accept.addEventListener("click", function () {
      accept.disabled = true;
      decline.disabled = true;
      socket.timeout(AC.ACK_TIMEOUT_MS).emit("accept", { chat_id: offer.chat_id }, function (err, ack) {
        removeOffer(offer.chat_id);
        if (err) { $("presence-status").textContent = "Could not accept the chat. It will be offered again."; return; }
        if (ack && ack.error) $("presence-status").textContent = ack.message;
      });
    });
    decline.addEventListener("click", function () {
      accept.disabled = true;
      decline.disabled = true;
      socket.timeout(AC.ACK_TIMEOUT_MS).emit("decline", { chat_id: offer.chat_id }, function () {
        removeOffer(offer.chat_id);
      });
    });
    actions.appendChild(accept);
    actions.appendChild(decline);
    li.appendChild(actions);
    $("offers").appendChild(li);
    announce("New chat offered" + (pre.immediate_risk ? ", immediate risk" : "") + ": " + describe(pre) + ".");
    // Move focus to Accept only when the adviser is not in the middle of something else.
    var focused = document.activeElement;
    if (!focused || focused === document.body || focused.closest(".presence")) accept.focus();
  });
  socket.on("offer_expired", function (info) {
    if (info && info.chat_id) removeOffer(info.chat_id);
    rememberPresence("away");
    showPresence("away");
    $("presence-status").textContent = "An offer was not answered in time, so you are now away. Choose Available when you are ready.";
  });

  /* ------------------------------------------------------------------- chats ---- */
  function totalUnread() {
    var n = 0;
    chats.forEach(function (c) { n += c.unread; });
    return n;
  }
  function updateTab(chat) {
    chat.tabText.textContent = chat.title + (chat.state === "open" ? "" : " (closed)");
    chat.tabBadge.textContent = chat.unread ? chat.unread + " new" : "";
    chat.tabBadge.hidden = !chat.unread;
    chat.tab.classList.toggle("tab--closed", chat.state !== "open");
    var n = totalUnread();
    document.title = (n ? "(" + n + ") " : "") + BASE_TITLE;
  }
  function selectChat(chatId, focusTab) {
    chats.forEach(function (chat, id) {
      var on = id === chatId;
      chat.tab.setAttribute("aria-selected", String(on));
      chat.tab.tabIndex = on ? 0 : -1;
      chat.panel.hidden = !on;
      if (on) {
        chat.unread = 0;
        updateTab(chat);
        if (focusTab) chat.tab.focus();
        chat.log.scrollToEnd();
      }
    });
    activeChat = chatId;
  }
  function setClosed(chatId, state, text) {
    var chat = chats.get(chatId);
    if (!chat) return;
    chat.state = state;
    chat.outbox.clear().forEach(function (clientId) {
      var li = chat.log.pending.get(clientId);
      if (li) chat.log.markFailed(clientId, li.querySelector(".message__text").textContent);
    });
    chat.textarea.disabled = true;
    chat.sendButton.disabled = true;
    chat.endForm.hidden = true;
    chat.closedBox.hidden = false;
    chat.closedText.textContent = text;
    chat.stateLine.textContent = text;
    updateTab(chat);
  }
  function reopen(chat) {
    chat.state = "open";
    chat.textarea.disabled = false;
    chat.sendButton.disabled = false;
    chat.endForm.hidden = false;
    chat.closedBox.hidden = true;
    chat.stateLine.textContent = "";
    updateTab(chat);
  }
  var ENDED_TEXT = {
    professional: "This chat has ended. The professional ended it.",
    adviser: "This chat has ended. You ended it.",
    system: "This chat has ended. The service closed it.",
  };
  function markEnded(chatId, endedBy) {
    var chat = chats.get(chatId);
    if (!chat || chat.state === "ended") return;
    setClosed(chatId, "ended", ENDED_TEXT[endedBy] || "This chat has ended.");
    if (chatId !== activeChat) announce(chat.title + " has ended.");
  }
  function closeTab(chatId) {
    var chat = chats.get(chatId);
    if (!chat) return;
    var ids = Array.from(chats.keys());
    var at = ids.indexOf(chatId);
    chat.tab.remove();
    chat.panel.remove();
    chats.delete(chatId);
    $("no-chats").hidden = chats.size > 0;
    if (chats.size) {
      var rest = Array.from(chats.keys());
      selectChat(rest[Math.min(at, rest.length - 1)], true);
    } else {
      activeChat = null;
      document.title = BASE_TITLE;
      $("chats-heading").setAttribute("tabindex", "-1");
      $("chats-heading").focus();
    }
  }

  function buildPanel(info, chat) {
    var uid = info.chat_id;
    var pre = info.pre_chat || {};
    var panel = $("chat-panel-template").content.firstElementChild.cloneNode(true);
    panel.id = "panel-" + uid;
    panel.setAttribute("aria-labelledby", "tab-" + uid);
    var textarea = panel.querySelector(".composer textarea");
    textarea.id = "reply-" + uid;
    panel.querySelector(".composer label").htmlFor = textarea.id;
    var hint = panel.querySelector(".composer .field__hint");
    hint.id = "reply-hint-" + uid;
    var error = panel.querySelector(".composer .field__error");
    error.id = "reply-error-" + uid;
    textarea.setAttribute("aria-describedby", hint.id + " " + error.id);
    var select = panel.querySelector(".end-form select");
    select.id = "outcome-" + uid;
    panel.querySelector(".end-form label").htmlFor = select.id;
    var endError = panel.querySelector(".end-form .field__error");
    endError.id = "outcome-error-" + uid;
    select.setAttribute("aria-describedby", endError.id);
    var topicSelect = panel.querySelector(".wrap-up__topic");
    topicSelect.id = "wrap-topic-" + uid;
    panel.querySelector(".wrap-up__topic-label").htmlFor = topicSelect.id;
    if (pre.topic) topicSelect.value = pre.topic;
    panel.querySelector(".messages").setAttribute("aria-label", "Messages in " + chat.title);

    var dl = panel.querySelector(".prechat");
    function row(term, value, className) {
      dl.appendChild(el("dt", "", term));
      dl.appendChild(el("dd", className || "", value));
    }
    row("Role", label("roles", pre.role));
    row("Region", label("regions", pre.region));
    row("Topic", label("topics", pre.topic));
    row("Immediate risk", pre.immediate_risk ? "Yes" : "No", pre.immediate_risk ? "badge badge--urgent" : "");
    if (info.created_at) row("Started", AC.formatTime(info.created_at));
    if (info.assigned_at) row("You joined", AC.formatTime(info.assigned_at));

    chat.panel = panel;
    chat.textarea = textarea;
    chat.sendButton = panel.querySelector(".composer button[type=submit]");
    chat.endForm = panel.querySelector(".end-form");
    chat.closedBox = panel.querySelector(".chat-closed");
    chat.closedText = panel.querySelector(".chat-closed__text");
    chat.stateLine = panel.querySelector(".chat-panel__state");
    chat.log = new AC.ChatLog(panel.querySelector(".messages__list"), {
      own: "adviser",
      labels: { professional: "Professional", adviser: "You", system: "" },
    });
    chat.outbox = new AC.Outbox(socket, "message");
    chat.resync = new AC.Resync(socket, function (afterId) {
      return { chat_id: uid, after_id: afterId };
    }, function (ack) {
      if (ack.error === "not_found") {
        setClosed(uid, "gone", "This chat is no longer assigned to you.");
        return;
      }
      if (ack.status === "ended") { markEnded(uid); return; }
      chat.log.scrollToEnd();
      if (chat.state === "open") chat.outbox.resendAll(chat.log);
    });

    var composer = panel.querySelector(".composer");
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      if (chat.state !== "open") return;
      var text = textarea.value;
      if (!text.trim()) {
        error.textContent = "Write a reply first.";
        error.hidden = false;
        textarea.setAttribute("aria-invalid", "true");
        return;
      }
      error.hidden = true;
      textarea.removeAttribute("aria-invalid");
      textarea.value = "";
      var clientId = AC.uuid();
      chat.log.addPending(clientId, text);
      chat.log.scrollToEnd();
      chat.outbox.send({ chat_id: uid, text: text, client_id: clientId }, function (ack, payload) {
        chat.log.add({ id: ack.id, chat_id: uid, sender: "adviser", text: payload.text,
          sent_at: ack.sent_at, client_id: payload.client_id });
        if (chat.log.hasGap()) chat.resync.run(chat.log);
      }, function (failure, payload) {
        chat.log.markFailed(clientId, payload.text);
        if (failure.error === "chat_ended") { markEnded(uid); return; }
        error.textContent = AC.errorText(failure);
        error.hidden = false;
        if (!textarea.value) textarea.value = payload.text;
      });
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    textarea.addEventListener("input", function () {
      if (textarea.value.trim()) { error.hidden = true; textarea.removeAttribute("aria-invalid"); }
    });

    chat.endForm.addEventListener("submit", function (event) {
      event.preventDefault();
      endError.hidden = true;
      select.removeAttribute("aria-invalid");
      if (!select.value) {
        endError.textContent = "Choose an outcome before you end the chat.";
        endError.hidden = false;
        select.setAttribute("aria-invalid", "true");
        select.focus();
        return;
      }
      if (!socket.connected) {
        endError.textContent = "Not connected. Try again when the connection is back.";
        endError.hidden = false;
        return;
      }
      var button = chat.endForm.querySelector("button");
      button.disabled = true;
      function checked(name) {
        return Array.prototype.map.call(
          chat.endForm.querySelectorAll("input[name=" + name + "]:checked"),
          function (box) { return box.value; });
      }
      var wrapUp = {
        topic: topicSelect.value,
        advice: checked("advice"),
        referrals: checked("referrals"),
        safeguarding_concern: chat.endForm.querySelector("input[name=safeguarding_concern]").checked,
      };
      socket.timeout(AC.ACK_TIMEOUT_MS).emit("end", { chat_id: uid, outcome: select.value, wrap_up: wrapUp }, function (err, ack) {
        button.disabled = false;
        if (err) {
          endError.textContent = "The chat could not be ended just now. Please try again.";
          endError.hidden = false;
          return;
        }
        if (ack && ack.error && ack.error !== "chat_ended") {
          endError.textContent = ack.message || "The chat could not be ended.";
          endError.hidden = false;
          return;
        }
        markEnded(uid, "adviser");
        chat.closedBox.querySelector(".close-tab").focus();
      });
    });
    panel.querySelector(".close-tab").addEventListener("click", function () { closeTab(uid); });
    return panel;
  }

  function buildTab(info, chat) {
    var tab = el("button", "tab");
    tab.type = "button";
    tab.id = "tab-" + info.chat_id;
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", "panel-" + info.chat_id);
    tab.setAttribute("aria-selected", "false");
    tab.tabIndex = -1;
    if (info.pre_chat && info.pre_chat.immediate_risk) {
      tab.appendChild(el("span", "tab__risk", "Immediate risk: "));
      tab.classList.add("tab--urgent");
    }
    chat.tabText = el("span", "tab__text");
    chat.tabBadge = el("span", "tab__badge");
    chat.tabBadge.hidden = true;
    tab.appendChild(chat.tabText);
    tab.appendChild(chat.tabBadge);
    tab.addEventListener("click", function () { selectChat(info.chat_id, false); });
    tab.addEventListener("keydown", function (event) {
      var ids = Array.from(chats.keys());
      var at = ids.indexOf(info.chat_id);
      var next = null;
      if (event.key === "ArrowRight") next = ids[(at + 1) % ids.length];
      else if (event.key === "ArrowLeft") next = ids[(at + ids.length - 1) % ids.length];
      else if (event.key === "Home") next = ids[0];
      else if (event.key === "End") next = ids[ids.length - 1];
      if (next) { event.preventDefault(); selectChat(next, true); }
    });
    chat.tab = tab;
    return tab;
  }

  function openChat(info) {
    if (!info || !info.chat_id) return;
    removeOffer(info.chat_id);
    var existing = chats.get(info.chat_id);
    if (existing) {
      // `assigned` comes again on every reconnect: the chat is already here; just resync it.
      if (existing.state !== "open") reopen(existing);
      existing.resync.run(existing.log);
      return;
    }
    chatCounter += 1;
    var pre = info.pre_chat || {};
    var chat = {
      id: info.chat_id,
      title: "Chat " + chatCounter + ": " + label("topics", pre.topic),
      unread: 0,
      state: "open",
    };
    buildTab(info, chat);
    buildPanel(info, chat);
    chats.set(info.chat_id, chat);
    updateTab(chat);
    $("chat-tabs").appendChild(chat.tab);
    $("chat-panels").appendChild(chat.panel);
    $("no-chats").hidden = true;
    if (!activeChat || !chats.has(activeChat)) {
      selectChat(info.chat_id, false);
      var focused = document.activeElement;
      if (!focused || focused === document.body || focused.closest(".offers") || !focused.isConnected) {
        chat.textarea.focus();
      }
    } else {
      chat.panel.hidden = true;
    }
    announce("New chat" + (pre.immediate_risk ? ", immediate risk" : "") + ": " + describe(pre) + ".");
    chat.resync.run(chat.log);
  }

  socket.on("assigned", openChat);
  socket.on("message", function (m) {
    if (!m) return;
    var chat = chats.get(m.chat_id);
    if (!chat) return;
    if (chat.log.add(m)) {
      if (m.chat_id !== activeChat || document.hidden) { chat.unread += 1; updateTab(chat); }
      if (m.chat_id === activeChat) chat.log.scrollToEnd();
    }
    if (chat.log.hasGap()) chat.resync.run(chat.log);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && activeChat && chats.has(activeChat)) {
      chats.get(activeChat).unread = 0;
      updateTab(chats.get(activeChat));
    }
  });
  socket.on("ended", function (info) { if (info) markEnded(info.chat_id, info.ended_by); });
  socket.on("unassigned", function (info) {
    if (!info) return;
    setClosed(info.chat_id, "returned",
      "This chat went back to the queue because you were offline for too long. Another adviser will answer it.");
    announce("A chat went back to the queue while you were offline.");
  });

  /* ------------------------------------------------------------- connection ---- */
  socket.on("connect", function () {
    $("connection").textContent = "";
    setPresence(wantedPresence());
    chats.forEach(function (chat) { if (chat.state === "open") chat.resync.run(chat.log); });
  });
  socket.on("disconnect", function () {
    $("connection").textContent = "Reconnecting… Replies you send will go when the connection is back.";
  });
  socket.on("connect_error", function (err) {
    if (err && err.message === "unauthorized") { window.location.assign("/login"); return; }
    $("connection").textContent = "Reconnecting…";
  });
})();
