/* The professional's page: quick exit, pre-chat form, queue, chat. Protocol: docs/protocol.md. */
(function () {
  "use strict";
  var AC = window.AdviceChat;
  var STORE_KEY = "advice_chat";
  var t = AC.t;

  function $(id) { return document.getElementById(id); }

  var socket = null;

  // Quick exit (button and Shift x3) is static/js/quick-exit.js, on every public page.

  /* ---- the chat kept for this tab: session storage only, never local storage ---- */
  function saved() {
    try {
      var value = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      return value && value.chat_id && value.token ? value : null;
    } catch (e) { return null; }
  }
  function save(value) {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(value)); } catch (e) { /* ignore */ }
  }
  function forget() {
    try { sessionStorage.removeItem(STORE_KEY); sessionStorage.clear(); } catch (e) { /* ignore */ }
  }

  /* ---- pre-chat form ---- */
  var FIELDS = ["role", "region", "topic", "open_to_drive", "high_risk", "immediate_risk", "message", "consent"];
  var form = $("prechat-form");

  function clearErrors() {
    FIELDS.forEach(function (name) {
      var input = $(name);
      var error = $(name + "-error");
      if (input) input.removeAttribute("aria-invalid");
      if (error) { error.hidden = true; error.textContent = ""; }
      var field = $("field-" + name);
      if (field) field.classList.remove("field--invalid");
    });
    $("form-error").hidden = true;
    $("form-error").textContent = "";
  }

  /* Show an error beside its field (or above the form when it names none). Returns the input. */
  function showError(name, message) {
    var input = name ? $(name) : null;
    var error = name ? $(name + "-error") : null;
    if (input && error) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = message;
      error.hidden = false;
      var field = $("field-" + name);
      if (field) field.classList.add("field--invalid");
      return input;
    }
    $("form-error").textContent = message;
    $("form-error").hidden = false;
    return null;
  }

  /* The sentence for a refused start. The server's sentences are English, so a translated
   * page says it in its own words by the error's code and field (docs/protocol.md). */
  var FIELD_TEXT = {
    role: "Choose your role.",
    region: "Choose the region where you work.",
    topic: "Choose what you would like advice about.",
    consent: "Tick the box to agree to the privacy notice before you start.",
  };
  function serverError(result) {
    var data = result.data || {};
    var english = null;
    if (result.status === 503 && data.error === "closed") {
      if (!AC.translated() && data.message) return data.message;
      // A closed team's contact details are the manager's own words: shown as they are.
      return t("The webchat is closed just now.") + (data.contact ? " " + data.contact : "") +
        " " + t("If anyone is in immediate danger, call 999.");
    }
    if (data.error === "rate_limited") english = "Too many chats have been started from your network. Please wait a moment.";
    else if (data.field && FIELD_TEXT[data.field]) english = FIELD_TEXT[data.field];
    else if (data.field === "message") return AC.errorText(data);
    if (!AC.translated() && data.message) return data.message;
    return t(english || "Something went wrong. Please try again.");
  }

  function validate() {
    var problems = [];
    if (!$("role").value) problems.push(["role", t("Choose your role.")]);
    if (!$("region").value) problems.push(["region", t("Choose the region where you work.")]);
    if (!$("topic").value) problems.push(["topic", t("Choose what you would like advice about.")]);
    var max = Number($("message").getAttribute("maxlength")) || 4000;
    if ($("message").value.length > max) {
      problems.push(["message", t("Your question must be {max} characters or fewer.", { max: max })]);
    }
    if (!$("consent").checked) {
      problems.push(["consent", t("Tick the box to agree to the privacy notice before you start.")]);
    }
    return problems;
  }

  if (form) {
    $("immediate_risk").addEventListener("change", function () {
      $("risk-warning").hidden = !this.checked;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      var problems = validate();
      if (problems.length) {
        var first = null;
        problems.forEach(function (p) {
          var input = showError(p[0], p[1]);
          if (!first) first = input;
        });
        if (first) first.focus();
        return;
      }
      var body = {
        role: $("role").value,
        region: $("region").value,
        topic: $("topic").value,
        immediate_risk: $("immediate_risk").checked,
        open_to_drive: $("open_to_drive").checked,
        high_risk: $("high_risk").checked,
        consent: true,
      };
      var text = $("message").value;
      if (text.trim()) body.message = text;
      var button = $("start-chat");
      button.disabled = true;
      button.textContent = t("Starting…");
      AC.postJson("/api/chats", body).then(function (result) {
        button.disabled = false;
        button.textContent = t("Start chat");
        if (result.status === 201 && result.data.chat_id && result.data.token) {
          save({ chat_id: result.data.chat_id, token: result.data.token });
          openChat(true);
          return;
        }
        var input = showError(result.data.field || null, serverError(result));
        if (input) input.focus(); else $("form-error").focus();
      }).catch(function () {
        button.disabled = false;
        button.textContent = t("Start chat");
        showError(null, t("We could not reach the service. Check your connection and try again."));
      });
    });
  }
  if ($("form-error")) $("form-error").setAttribute("tabindex", "-1");

  /* ---- waiting: position and an honest range, never a point figure ---- */
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function waitRange(seconds) {
    var minutes = seconds / 60;
    if (seconds <= 0) return t("An adviser should be with you shortly.");
    if (minutes < 2) return t("Estimated wait: about 1–2 minutes.");
    if (minutes >= 90) return t("Estimated wait: more than an hour.");
    var low;
    var high;
    if (minutes < 10) {
      low = Math.max(1, Math.floor(minutes * 0.75));
      high = Math.max(low + 1, Math.ceil(minutes * 1.25));
    } else {
      low = Math.max(5, Math.floor((minutes * 0.75) / 5) * 5);
      high = Math.max(low + 5, Math.ceil((minutes * 1.25) / 5) * 5);
    }
    if (high >= 60) return t("Estimated wait: about {low} minutes to an hour or more.", { low: low });
    return t("Estimated wait: about {low}–{high} minutes.", { low: low, high: high });
  }

  function describeWait(q) {
    var parts = [];
    if (q.position === 1) parts.push(t("You are next in the queue."));
    else if (typeof q.position === "number") parts.push(t("You are number {position} in the queue.", { position: q.position }));
    var s = q.estimated_wait_seconds;
    if (s === null || s === undefined) {
      parts.push(t("We can't estimate your wait yet: no adviser is free at the moment. Please stay on this page."));
    } else {
      parts.push(waitRange(s));
    }
    if (q.may_close_first) {
      parts.push(t("The webchat may close before an adviser reaches you. If you need help sooner, " +
        "follow your agency's safeguarding procedures, and call 999 if anyone is in danger."));
    }
    return parts.join(" ");
  }

  /* ---- the conversation ---- */
  var log = null;
  var outbox = null;
  var resync = null;
  var ended = false;
  var assigned = false;

  function setStatus(text) { $("queue-status").textContent = text; }
  var connectionTimer = null;
  /* The connection line: "Reconnecting…" stays while the link is down (and marks the chat
   * as offline for sight as well as for screen readers); "Connected again." fades later. */
  function showConnection(text, down) {
    var line = $("connection");
    if (connectionTimer) { window.clearTimeout(connectionTimer); connectionTimer = null; }
    line.textContent = text;
    line.classList.toggle("connection--down", !!down);
    line.classList.toggle("connection--up", !down && !!text);
    $("conversation").classList.toggle("chat--offline", !!down);
    if (text && !down) {
      connectionTimer = window.setTimeout(function () { showConnection("", false); }, 8000);
    }
  }
  function setConnection(text) { showConnection(text, false); }

  function showEnded(endedBy) {
    if (ended) return;
    ended = true;
    forget();
    var unsent = outbox ? outbox.clear() : [];
    unsent.forEach(function (clientId) {
      var li = log.pending.get(clientId);
      if (li) log.markFailed(clientId, li.querySelector(".message__text").textContent);
    });
    if (socket) { socket.disconnect(); }
    $("composer-text").disabled = true;
    $("send").disabled = true;
    $("end-chat").hidden = true;
    $("end-confirm").hidden = true;
    $("composer-hint").textContent = t("This chat has ended, so you cannot send more messages.");
    var words = {
      professional: t("This chat has ended. You ended it."),
      adviser: t("This chat has ended. The adviser ended it."),
      system: t("This chat has ended."),
    };
    $("ended-text").textContent = words[endedBy] || t("This chat has ended.");
    setStatus("");
    setConnection("");
    $("conversation").classList.add("chat--ended");
    $("ended").hidden = false;
    $("ended-text").focus();
  }

  function setAssigned(name) {
    var chat = saved();
    var announced = chat && chat.assigned;
    assigned = true;
    if (announced) {
      setStatus(t("You are chatting with an adviser."));
      return;
    }
    if (chat) { chat.assigned = true; save(chat); }
    setStatus(name ? t("An adviser has joined the chat ({name}). You can talk now.", { name: name })
      : t("An adviser has joined the chat. You can talk now."));
    $("composer-text").focus();
  }

  function openChat(fresh) {
    var chat = saved();
    if (!chat) return;
    if ($("prechat")) $("prechat").hidden = true;
    if ($("closed")) $("closed").hidden = true;
    $("conversation").hidden = false;
    setStatus(fresh ? t("Your chat has started. Connecting you to the queue…") : t("Reconnecting to your chat…"));
    $("conversation-heading").focus();

    log = new AC.ChatLog($("messages"), {
      own: "professional",
      labels: { professional: t("You"), adviser: t("Adviser"), system: "" },
    });
    socket = window.io({ auth: { token: chat.token }, transports: ["websocket", "polling"] });
    outbox = new AC.Outbox(socket, "message");
    if (AC.onChatSocket) AC.onChatSocket(socket, log, $("composer-text")); // typing, read marks
    resync = new AC.Resync(socket, function (afterId) { return { after_id: afterId }; }, function (ack) {
      if (ack.status === "ended") { showEnded(); return; }
      if (ack.status === "assigned" && !assigned) setAssigned(null);
      log.scrollToEnd();
      outbox.resendAll(log);
    });

    var dropped = false;
    socket.on("connect", function () {
      if (dropped) showConnection(t("Connected again."), false);
      else showConnection("", false);
      dropped = false;
      resync.run(log);
    });
    socket.on("disconnect", function () {
      if (ended) return;
      dropped = true;
      showConnection(t("Reconnecting… Your messages will be sent when the connection is back."), true);
    });
    socket.on("connect_error", function (err) {
      var reason = err && err.message;
      if (reason === "chat_ended") { showEnded(); return; }
      if (reason === "unauthorized") {
        showEnded();
        $("ended-text").textContent = t("This chat is no longer available.");
        return;
      }
      dropped = true;
      showConnection(t("Reconnecting… Your messages will be sent when the connection is back."), true);
    });
    socket.on("queue", function (q) {
      if (ended || !q) return;
      assigned = false;
      var current = saved();
      if (current && current.assigned) { current.assigned = false; save(current); }
      setStatus(describeWait(q));
    });
    socket.on("assigned", function (info) {
      if (ended) return;
      setAssigned(info && info.adviser && info.adviser.display_name);
    });
    socket.on("message", function (m) {
      if (log.add(m)) log.scrollToEnd();
      if (log.hasGap()) resync.run(log);
    });
    socket.on("ended", function (info) {
      if (info && typeof info.survey_token === "string") offerSurvey(info.survey_token);
      showEnded(info && info.ended_by);
    });
  }

  /* ---- survey after an answered chat: one-time token, rating 1-5, optional comment ---- */
  var surveyToken = null;
  function offerSurvey(token) {
    if (surveyToken) return;
    surveyToken = token;
    $("survey").hidden = false;
  }
  $("survey").addEventListener("submit", function (event) {
    event.preventDefault();
    var error = $("survey-error");
    var chosen = document.querySelector("#survey input[name=rating]:checked");
    error.hidden = true;
    if (!chosen) {
      error.textContent = t("Choose a rating from 1 to 5.");
      error.hidden = false;
      document.querySelector("#survey input[name=rating]").focus();
      return;
    }
    var body = { survey_token: surveyToken, rating: Number(chosen.value) };
    var comment = $("survey-comment").value.trim();
    if (comment) body.comment = comment;
    var button = $("survey").querySelector("button");
    button.disabled = true;
    fetch("/api/survey", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) { return { status: r.status, data: d }; });
    }).then(function (result) {
      button.disabled = false;
      if (result.status === 200 || result.status === 404) {
        $("survey").hidden = true;
        $("survey-comment").value = "";
        $("survey-thanks").textContent = result.status === 200
          ? t("Thank you for your feedback.")
          : t("This feedback form has already been used.");
        return;
      }
      error.textContent = (!AC.translated() && result.data && result.data.message) ||
        t("Your feedback could not be sent. Please try again.");
      error.hidden = false;
    }).catch(function () {
      button.disabled = false;
      error.textContent = t("Your feedback could not be sent. Please try again.");
      error.hidden = false;
    });
  });

  /* ---- composer ---- */
  var composer = $("composer");
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("composer-text");
    var error = $("composer-error");
    if (ended || !outbox) return;
    var text = box.value;
    if (!text.trim()) {
      error.textContent = t("Write a message first.");
      error.hidden = false;
      box.setAttribute("aria-invalid", "true");
      return;
    }
    error.hidden = true;
    box.removeAttribute("aria-invalid");
    box.value = "";
    var clientId = AC.uuid();
    log.addPending(clientId, text);
    log.scrollToEnd();
    outbox.send({ text: text, client_id: clientId }, function (ack, payload) {
      var chat = saved();
      log.add({ id: ack.id, chat_id: chat ? chat.chat_id : null, sender: "professional",
        text: payload.text, sent_at: ack.sent_at, client_id: payload.client_id });
      if (log.hasGap()) resync.run(log);
    }, function (failure, payload) {
      if (failure.error === "chat_ended") { log.markFailed(clientId, payload.text); showEnded(); return; }
      log.markFailed(clientId, payload.text);
      error.textContent = AC.errorText(failure);
      error.hidden = false;
      if (!box.value) box.value = payload.text;
    });
  });
  $("composer-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  $("composer-text").addEventListener("input", function () {
    if (this.value.trim()) { $("composer-error").hidden = true; this.removeAttribute("aria-invalid"); }
  });

  /* ---- ending, with a confirmation step ---- */
  function closeConfirm() {
    $("end-confirm").hidden = true;
    $("end-chat").setAttribute("aria-expanded", "false");
  }
  $("end-chat").addEventListener("click", function () {
    $("end-error").hidden = true;
    $("end-confirm").hidden = false;
    $("end-chat").setAttribute("aria-expanded", "true");
    $("end-confirm-text").focus();
  });
  $("end-no").addEventListener("click", function () {
    closeConfirm();
    $("composer-text").focus();
  });
  $("end-yes").addEventListener("click", function () {
    if (!socket || !socket.connected) {
      $("end-error").textContent = t("You are not connected just now. Try again when the connection is back.");
      $("end-error").hidden = false;
      return;
    }
    $("end-yes").disabled = true;
    socket.timeout(AC.ACK_TIMEOUT_MS).emit("end", {}, function (err, ack) {
      $("end-yes").disabled = false;
      if (!err && ack && (ack.ok || ack.error === "chat_ended")) { showEnded("professional"); return; }
      $("end-error").textContent = (!AC.translated() && ack && ack.message) ||
        t("We could not end the chat just now. Please try again.");
      $("end-error").hidden = false;
    });
  });
  $("new-chat").addEventListener("click", function () {
    forget();
    window.location.replace("/");
  });

  // Brought back from the back/forward cache with the chat gone from this tab (quick exit from
  // a later page, or the chat ended): load afresh rather than show an old conversation.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !saved() && !$("conversation").hidden) window.location.replace("/");
  });

  if (saved()) openChat(false);
})();
