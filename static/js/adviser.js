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

  function alertPerson(title, body, urgent) {
    if (window.AdviceChatAlerts) window.AdviceChatAlerts.notify(title, body, { urgent: !!urgent });
  }
  function emit(event, payload, done) {
    socket.timeout(AC.ACK_TIMEOUT_MS).emit(event, payload, function (err, ack) {
      if (done) done(err ? { error: "timeout", message: "No answer from the server. Please try again." } : (ack || {}));
    });
  }
  var TYPING_EVERY_MS = 3000; // at most one typing event per 3 s while typing (protocol: throttle)
  var TYPING_IDLE_MS = 4000;
  var RECEIPT_DELAY_MS = 400;

  /* ------------------------------------------------------------ canned replies ---- */
  var canned = [];
  function fillCanned(select) {
    while (select.options.length > 1) select.remove(1);
    canned.forEach(function (r) {
      var o = document.createElement("option");
      o.value = String(r.id);
      o.textContent = (r.shared ? "Team: " : "Mine: ") + r.title + (r.shortcut ? " (/" + r.shortcut + ")" : "");
      select.appendChild(o);
    });
  }
  function loadCanned() {
    if (!window.staffApi) return;
    window.staffApi("GET", "/api/canned").then(function (res) {
      if (res.status !== 200 || !Array.isArray(res.data.replies)) return;
      canned = res.data.replies;
      chats.forEach(function (chat) { fillCanned(chat.cannedSelect); });
    });
  }
  window.AdviceChatCanned = { reload: loadCanned }; // canned-manage.js: after a change
  function insertText(textarea, text, from, to) {
    var value = textarea.value;
    var start = typeof from === "number" ? from : textarea.selectionStart;
    var end = typeof to === "number" ? to : textarea.selectionEnd;
    textarea.value = value.slice(0, start) + text + value.slice(end);
    var at = start + text.length;
    textarea.focus();
    textarea.setSelectionRange(at, at);
    textarea.dispatchEvent(new Event("input"));
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
  var lastStatus = null;
  var lastCapacity = null;
  function openCount() {
    var n = 0;
    chats.forEach(function (c) { if (c.state === "open") n += 1; });
    return n;
  }
  function refreshLoad() { if (lastStatus) showPresence(lastStatus, openCount(), lastCapacity); }
  function showPresence(status, active, capacity) {
    lastStatus = status;
    if (typeof capacity === "number") lastCapacity = capacity;
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
    alertPerson("Chat offered" + (pre.immediate_risk ? ": immediate risk" : ""), describe(pre), pre.immediate_risk);
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
    refreshLoad();
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
        scheduleReceipt(chat);
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
    chat.panel.querySelectorAll(".note-form, .flag-form, .transfer-form, .team-form, .canned").forEach(function (f) { f.hidden = true; });
    chat.typingLine.textContent = "";
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
    chat.panel.querySelectorAll(".note-form, .flag-form, .transfer-form, .team-form, .canned").forEach(function (f) { f.hidden = false; });
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
    panel.querySelector(".composer .composer__label").htmlFor = textarea.id;
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

    /* -- canned replies: a list, and "/shortcut" then Tab in the reply box -- */
    var cannedSelect = panel.querySelector(".canned__select");
    cannedSelect.id = "canned-" + uid;
    panel.querySelector(".canned__label").htmlFor = cannedSelect.id;
    chat.cannedSelect = cannedSelect;
    fillCanned(cannedSelect);
    cannedSelect.addEventListener("change", function () {
      var reply = canned.filter(function (r) { return String(r.id) === cannedSelect.value; })[0];
      cannedSelect.value = "";
      if (reply) insertText(textarea, reply.text);
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key !== "Tab" || event.shiftKey || event.altKey || event.ctrlKey) return;
      var before = textarea.value.slice(0, textarea.selectionStart);
      var m = /(^|\s)\/([a-z0-9-]+)$/.exec(before);
      if (!m) return;
      var reply = canned.filter(function (r) { return r.shortcut === m[2]; })[0];
      if (!reply) return;
      event.preventDefault();
      insertText(textarea, reply.text, textarea.selectionStart - m[2].length - 1, textarea.selectionStart);
    });

    /* -- typing (throttled) and the professional's typing -- */
    chat.typingLine = panel.querySelector(".typing-line");
    var typingSentAt = 0;
    var typingIdle = null;
    function sendTyping(on) {
      if (!socket.connected || chat.state !== "open") return;
      socket.emit("typing", { chat_id: uid, typing: on });
    }
    textarea.addEventListener("input", function () {
      if (!textarea.value.trim()) return;
      var now = Date.now();
      if (now - typingSentAt > TYPING_EVERY_MS) { typingSentAt = now; sendTyping(true); }
      window.clearTimeout(typingIdle);
      typingIdle = window.setTimeout(function () { typingSentAt = 0; sendTyping(false); }, TYPING_IDLE_MS);
    });
    chat.stopTyping = function () {
      window.clearTimeout(typingIdle);
      if (typingSentAt) { typingSentAt = 0; sendTyping(false); }
    };

    /* -- private notes -- */
    var notesList = panel.querySelector(".notes-list");
    var noteForm = panel.querySelector(".note-form");
    var noteText = noteForm.querySelector("textarea");
    var noteError = noteForm.querySelector(".field__error");
    noteText.id = "note-" + uid;
    noteForm.querySelector(".note-form__label").htmlFor = noteText.id;
    chat.noteIds = new Set();
    chat.addNote = function (note) {
      if (!note || chat.noteIds.has(note.id)) return;
      chat.noteIds.add(note.id);
      var li = el("li", "note");
      li.appendChild(el("p", "note__text", note.text));
      var who = (note.author && note.author.display_name) || "An adviser";
      li.appendChild(el("p", "note__meta", who + ", " + AC.formatTime(note.created_at)));
      notesList.appendChild(li);
    };
    chat.loadNotes = function () {
      emit("notes", { chat_id: uid }, function (ack) {
        if (Array.isArray(ack.notes)) ack.notes.forEach(chat.addNote);
      });
    };
    noteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = noteText.value;
      if (!text.trim()) { noteError.textContent = "Write the note first."; noteError.hidden = false; noteText.focus(); return; }
      noteError.hidden = true;
      var button = noteForm.querySelector("button");
      button.disabled = true;
      emit("note", { chat_id: uid, text: text, client_id: AC.uuid() }, function (ack) {
        button.disabled = false;
        if (ack.error) { noteError.textContent = ack.message || "The note was not saved."; noteError.hidden = false; return; }
        chat.addNote(ack);
        noteText.value = "";
        announce("Private note saved.");
      });
    });

    /* -- safeguarding flag -- */
    var flagForm = panel.querySelector(".flag-form");
    var flagSelect = flagForm.querySelector("select");
    var flagError = flagForm.querySelector(".field__error");
    chat.flagStatus = flagForm.querySelector(".flag-status");
    flagSelect.id = "flag-" + uid;
    flagForm.querySelector(".flag-form__label").htmlFor = flagSelect.id;
    flagSelect.setAttribute("aria-describedby", "flag-error-" + uid);
    flagError.id = "flag-error-" + uid;
    flagForm.addEventListener("submit", function (event) {
      event.preventDefault();
      flagError.hidden = true;
      if (!flagSelect.value) {
        flagError.textContent = "Choose why you are raising the flag.";
        flagError.hidden = false;
        flagSelect.focus();
        return;
      }
      var button = flagForm.querySelector("button");
      button.disabled = true;
      emit("flag", { chat_id: uid, reason: flagSelect.value }, function (ack) {
        button.disabled = false;
        if (ack.error) { flagError.textContent = ack.message || "The flag was not raised."; flagError.hidden = false; return; }
        chat.flagStatus.textContent = "Flag raised at " + AC.formatTime(ack.raised_at) +
          " (" + label("flag_reasons", ack.reason) + "). Managers have been alerted; waiting for one to acknowledge it.";
      });
    });

    /* -- pass to another team (move_team; docs/queue.md) -- */
    var teamForm = panel.querySelector(".team-form");
    if (teamForm) {
      var teamSelect = teamForm.querySelector("select");
      var teamNote = teamForm.querySelector("textarea");
      var teamError = teamForm.querySelector(".field__error");
      teamSelect.id = "team-" + uid;
      teamForm.querySelector(".team-form__label").htmlFor = teamSelect.id;
      teamNote.id = "team-note-" + uid;
      teamForm.querySelector(".team-form__note-label").htmlFor = teamNote.id;
      teamForm.querySelector(".team-form__current").textContent = info.team
        ? "This chat is with the " + (teamSelect.querySelector("option[value='" + info.team + "']") || { textContent: info.team }).textContent +
          " team" + (info.overflow ? " (you are answering it for them)" : "") + "." : "";
      teamForm.addEventListener("submit", function (event) {
        event.preventDefault();
        teamError.hidden = true;
        if (!teamSelect.value) {
          teamError.textContent = "Choose the team to pass the chat to.";
          teamError.hidden = false;
          teamSelect.focus();
          return;
        }
        var button = teamForm.querySelector("button[type=submit]");
        button.disabled = true;
        emit("move_team", { chat_id: uid, team: teamSelect.value, note: teamNote.value || null }, function (ack) {
          button.disabled = false;
          if (ack.error) { teamError.textContent = ack.message || "The chat was not passed on."; teamError.hidden = false; return; }
          movedTeam(uid);
        });
      });
    }
    if (info.team_note) {
      var noteLine = panel.querySelector(".transfer-info");
      noteLine.textContent = "Passed to your team with a note: " + info.team_note;
      noteLine.hidden = false;
    }

    /* -- transfer to another adviser -- */
    var transferForm = panel.querySelector(".transfer-form");
    var transferSelect = transferForm.querySelector("select");
    var transferNote = transferForm.querySelector("textarea");
    var transferError = transferForm.querySelector(".field__error");
    transferSelect.id = "transfer-" + uid;
    transferForm.querySelector(".transfer-form__label").htmlFor = transferSelect.id;
    transferNote.id = "transfer-note-" + uid;
    transferForm.querySelector(".transfer-form__note-label").htmlFor = transferNote.id;
    function loadAdvisers() {
      emit("advisers", {}, function (ack) {
        if (!Array.isArray(ack.advisers)) return;
        var keep = transferSelect.value;
        while (transferSelect.options.length > 1) transferSelect.remove(1);
        ack.advisers.forEach(function (a) {
          var o = document.createElement("option");
          o.value = String(a.id);
          o.textContent = a.display_name + " (" + a.active + " of " + a.capacity + " chats)";
          o.disabled = a.free < 1;
          transferSelect.appendChild(o);
        });
        transferSelect.value = keep;
        transferSelect.options[0].textContent = ack.advisers.length
          ? "Choose an available adviser" : "No adviser is available just now";
      });
    }
    transferSelect.addEventListener("focus", loadAdvisers);
    transferForm.querySelector(".transfer-refresh").addEventListener("click", loadAdvisers);
    transferForm.addEventListener("submit", function (event) {
      event.preventDefault();
      transferError.hidden = true;
      if (!transferSelect.value) {
        transferError.textContent = "Choose the adviser to pass the chat to.";
        transferError.hidden = false;
        transferSelect.focus();
        return;
      }
      var button = transferForm.querySelector("button[type=submit]");
      button.disabled = true;
      emit("transfer", { chat_id: uid, to: Number(transferSelect.value), note: transferNote.value || null }, function (ack) {
        button.disabled = false;
        if (ack.error) { transferError.textContent = ack.message || "The chat was not transferred."; transferError.hidden = false; return; }
        transferred(uid, ack.to && ack.to.display_name);
      });
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
      chat.stopTyping();
      var clientId = AC.uuid();
      chat.log.addPending(clientId, text);
      chat.log.scrollToEnd();
      chat.outbox.send({ chat_id: uid, text: text, client_id: clientId }, function (ack, payload) {
        chat.log.add({ id: ack.id, chat_id: uid, sender: "adviser", text: payload.text,
          sent_at: ack.sent_at, client_id: payload.client_id });
        renderMarks(chat);
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
      existing.loadNotes();
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
    if (info.transfer) {
      var from = (info.transfer.from && info.transfer.from.display_name) || "another adviser";
      var infoLine = chat.panel.querySelector(".transfer-info");
      infoLine.textContent = "Transferred to you by " + from + "." +
        (info.transfer.note ? " Their note: " + info.transfer.note : "");
      infoLine.hidden = false;
      announce("Chat transferred to you by " + from + ".");
      alertPerson("Chat transferred to you", chat.title);
    }
    chat.resync.run(chat.log);
    chat.loadNotes();
  }

  socket.on("assigned", openChat);
  socket.on("message", function (m) {
    if (!m) return;
    var chat = chats.get(m.chat_id);
    if (!chat) return;
    if (chat.log.add(m)) {
      if (m.chat_id !== activeChat || document.hidden) {
        chat.unread += 1;
        updateTab(chat);
        // The notification names the chat, never what was said (it may be on a shared screen).
        if (m.sender === "professional") alertPerson("New message", chat.title);
      }
      if (m.chat_id === activeChat) chat.log.scrollToEnd();
      if (m.sender === "professional") {
        chat.typingLine.textContent = "";
        scheduleReceipt(chat);
      }
      renderMarks(chat);
    }
    if (chat.log.hasGap()) chat.resync.run(chat.log);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && activeChat && chats.has(activeChat)) {
      chats.get(activeChat).unread = 0;
      updateTab(chats.get(activeChat));
      scheduleReceipt(chats.get(activeChat));
    }
  });

  /* ------------------------------------------- typing, delivered and read marks ---- */
  function scheduleReceipt(chat) {
    if (chat.state !== "open" || chat.receiptTimer) return;
    chat.receiptTimer = window.setTimeout(function () {
      chat.receiptTimer = null;
      if (!socket.connected || chat.state !== "open") return;
      var got = chat.log.highestContiguous();
      var seen = chat.id === activeChat && !document.hidden ? got : (chat.sentRead || 0);
      if (got === chat.sentDelivered && seen === chat.sentRead) return;
      chat.sentDelivered = got;
      chat.sentRead = seen;
      socket.emit("receipt", { chat_id: chat.id, delivered: got, read: seen });
    }, RECEIPT_DELAY_MS);
  }
  function renderMarks(chat) {
    var marks = chat.marks || { delivered: 0, read: 0 };
    Array.prototype.forEach.call(chat.log.list.querySelectorAll("li.message--mine[data-id]"), function (li) {
      var id = Number(li.dataset.id);
      var text = id <= marks.read ? "Read" : id <= marks.delivered ? "Delivered" : "Sent";
      var node = li.querySelector(".message__mark");
      if (!node) { node = el("span", "message__mark"); li.appendChild(node); }
      if (node.textContent !== text) node.textContent = text;
    });
  }
  socket.on("receipt", function (r) {
    var chat = r && chats.get(r.chat_id);
    if (!chat || r.by !== "professional") return;
    var marks = chat.marks || { delivered: 0, read: 0 };
    if (typeof r.delivered === "number") marks.delivered = Math.max(marks.delivered, r.delivered);
    if (typeof r.read === "number") {
      marks.read = Math.max(marks.read, r.read);
      marks.delivered = Math.max(marks.delivered, marks.read);
    }
    chat.marks = marks;
    renderMarks(chat);
  });
  socket.on("typing", function (t) {
    var chat = t && chats.get(t.chat_id);
    if (!chat || t.by !== "professional") return;
    window.clearTimeout(chat.typingTimer);
    chat.typingLine.textContent = t.typing ? "The professional is typing…" : "";
    if (t.typing) chat.typingTimer = window.setTimeout(function () { chat.typingLine.textContent = ""; }, 8000);
  });
  socket.on("note", function (n) {
    var chat = n && chats.get(n.chat_id);
    if (chat) chat.addNote(n);
  });
  socket.on("flag", function (f) {
    var chat = f && chats.get(f.chat_id);
    if (chat) chat.flagStatus.textContent = "Flag raised at " + AC.formatTime(f.raised_at) + ". Waiting for a manager to acknowledge it.";
  });
  socket.on("flag_acknowledged", function (f) {
    var chat = f && chats.get(f.chat_id);
    if (!chat) return;
    var who = (f.acknowledged_by && f.acknowledged_by.display_name) || "A manager";
    chat.flagStatus.textContent = who + " acknowledged the safeguarding flag at " + AC.formatTime(f.acknowledged_at) + ".";
    announce(who + " acknowledged the safeguarding flag on " + chat.title + ".");
    alertPerson("Safeguarding flag acknowledged", who + " – " + chat.title);
  });
  function movedTeam(chatId) {
    var chat = chats.get(chatId);
    if (!chat || chat.state !== "open") return;
    setClosed(chatId, "transferred", "You passed this chat to another team. It keeps its place in their queue.");
    announce(chat.title + " was passed to another team.");
  }
  function transferred(chatId, toName) {
    var chat = chats.get(chatId);
    if (!chat || chat.state !== "open") return;
    setClosed(chatId, "transferred", "You transferred this chat to " + (toName || "another adviser") + ".");
    announce(chat.title + " was transferred to " + (toName || "another adviser") + ".");
  }

  /* Alt+1 … Alt+9: open the chat in that tab. */
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !/^[1-9]$/.test(event.key)) return;
    var ids = Array.from(chats.keys());
    var id = ids[Number(event.key) - 1];
    if (!id) return;
    event.preventDefault();
    selectChat(id, true);
  });
  socket.on("ended", function (info) { if (info) markEnded(info.chat_id, info.ended_by); });
  socket.on("unassigned", function (info) {
    if (!info) return;
    if (info.reason === "transferred") { transferred(info.chat_id, info.to && info.to.display_name); return; }
    if (info.reason === "moved_team") { movedTeam(info.chat_id); return; }
    setClosed(info.chat_id, "returned",
      "This chat went back to the queue because you were offline for too long. Another adviser will answer it.");
    announce("A chat went back to the queue while you were offline.");
  });

  /* ------------------------------------------------------------- connection ---- */
  socket.on("connect", function () {
    $("connection").textContent = "";
    loadCanned();
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
