/* Shared chat logic for the professional's page and the adviser console.
 *
 * Follows docs/protocol.md (v1):
 * - messages are kept in a Map by id, shown in id order, never twice;
 * - after every (re)connect, and whenever a gap in ids shows, the client asks for `history`
 *   after the highest id it holds with no gap below it, and merges the answer;
 * - each outgoing message gets a client_id (a UUID) and stays in an outbox, shown as
 *   "Sending…", until its ack arrives; after a reconnect and resync it is resent with the same
 *   client_id, so the server stores it once.
 * Text is always inserted with textContent, never as markup.
 *
 * Words: a page may carry its translations as JSON in <script id="chat-strings">, keyed by the
 * English text (templates/_chat_strings.html); t() looks them up, English otherwise.
 */
(function () {
  "use strict";

  var ACK_TIMEOUT_MS = 10000;
  var RETRY_DELAY_MS = 2000;
  var MAX_INTERNAL_RETRIES = 5;

  var STRINGS = null;
  function strings() {
    if (STRINGS === null) {
      STRINGS = {};
      var node = document.getElementById("chat-strings");
      if (node) {
        try { STRINGS = JSON.parse(node.textContent) || {}; } catch (e) { STRINGS = {}; }
      }
    }
    return STRINGS;
  }
  /* The page language's words for an English sentence; {name} filled from vars. */
  function t(english, vars) {
    var text = strings()[english];
    if (typeof text !== "string" || !text) text = english;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
      });
    }
    return text;
  }
  /* Is the page in a language other than English (so server sentences, which are English,
   * should give way to the page's own words for their codes)? */
  function translated() {
    return !/^en\b/i.test(document.documentElement.lang || "en");
  }
  // System messages carry a machine-readable code beside their English text (protocol v1).
  var SYSTEM_TEXT = {
    adviser_joined: "An adviser has joined the chat.",
    ended: "The chat has ended.",
    requeued: "Your adviser has been disconnected. You are back in the queue, ahead of anyone who arrived after you.",
    transferred: "Your chat has been passed to another adviser, who can see everything said so far.",
    team_moved: "Your chat has been passed to another team, who are best placed to help. You keep your place in the queue by the time you first joined.",
  };

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Older browsers: a random v4-style id from getRandomValues.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); });
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" + hex.slice(6, 8).join("") +
      "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
  }

  function formatTime(iso) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    try {
      return date.toLocaleTimeString(document.documentElement.lang || "en-GB", { hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return "";
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* Parse a fetch response as JSON whatever happens: {status, data}. */
  function readJson(response) {
    return response.text().then(function (text) {
      var data = {};
      try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
      return { status: response.status, data: data || {} };
    });
  }

  function postJson(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body === undefined ? {} : body),
    }).then(readJson);
  }

  /* ---------------------------------------------------------------------------------------- */
  /* ChatLog: a message list that holds each stored message once, in id order, then pending. */

  function ChatLog(list, options) {
    this.list = list;
    this.labels = options.labels; // by sender: {professional, adviser, system}
    this.own = options.own; // "professional" or "adviser": whose messages are "mine"
    this.byId = new Map();
    this.pending = new Map(); // client_id -> li
  }

  ChatLog.prototype.highestContiguous = function () {
    var n = 0;
    while (this.byId.has(n + 1)) n += 1;
    return n;
  };

  ChatLog.prototype.maxId = function () {
    var max = 0;
    this.byId.forEach(function (_, id) { if (id > max) max = id; });
    return max;
  };

  ChatLog.prototype.hasGap = function () {
    return this.maxId() > this.highestContiguous();
  };

  ChatLog.prototype._fill = function (li, msg, state) {
    li.textContent = "";
    var mine = msg.sender === this.own;
    li.className = "message message--" + msg.sender + (mine ? " message--mine" : "") +
      (state ? " message--" + state : "");
    if (msg.sender !== "system") {
      li.appendChild(el("span", "message__who", this.labels[msg.sender] || msg.sender));
    }
    var text = msg.text;
    if (msg.sender === "system" && translated() && SYSTEM_TEXT[msg.code]) text = t(SYSTEM_TEXT[msg.code]);
    li.appendChild(el("p", "message__text", text));
    if (msg.code === "article" && msg.article && /^\/kb\/[a-z0-9-]+$/.test(msg.article.url || "")) {
      var link = el("a", "message__link", t("Open the article: {title}", { title: msg.article.title || "" }));
      link.href = msg.article.url;
      link.target = "_blank";
      link.rel = "noopener";
      li.appendChild(link);
    }
    var meta;
    if (state === "pending") meta = t("Sending…");
    else if (state === "failed") meta = t("Not sent");
    else meta = formatTime(msg.sent_at);
    var metaNode = el("span", "message__meta", meta);
    if (state === "pending" || state === "failed") metaNode.setAttribute("aria-live", "off");
    li.appendChild(metaNode);
  };

  /* Add a stored message (from an event, an ack or history). Returns true when it was new. */
  ChatLog.prototype.add = function (msg) {
    if (!msg || typeof msg.id !== "number" || this.byId.has(msg.id)) return false;
    var li = null;
    if (msg.client_id && msg.sender === this.own && this.pending.has(msg.client_id)) {
      li = this.pending.get(msg.client_id);
      this.pending.delete(msg.client_id);
      li.remove();
    } else {
      li = document.createElement("li");
    }
    li.dataset.id = String(msg.id);
    this._fill(li, msg, "");
    this.byId.set(msg.id, msg);
    // Before the first stored message with a higher id; else before the first pending one.
    var before = null;
    var children = this.list.children;
    for (var i = 0; i < children.length; i++) {
      var child = children[i];
      if (!child.dataset.id || Number(child.dataset.id) > msg.id) { before = child; break; }
    }
    this.list.insertBefore(li, before);
    return true;
  };

  /* Is a message of mine with this client_id already stored? */
  ChatLog.prototype.holdsClientId = function (clientId) {
    var found = false;
    var own = this.own;
    this.byId.forEach(function (m) { if (m.sender === own && m.client_id === clientId) found = true; });
    return found;
  };

  ChatLog.prototype.addPending = function (clientId, text) {
    var li = document.createElement("li");
    li.dataset.clientId = clientId;
    this._fill(li, { sender: this.own, text: text }, "pending");
    this.pending.set(clientId, li);
    this.list.appendChild(li);
  };

  ChatLog.prototype.markFailed = function (clientId, text) {
    var li = this.pending.get(clientId);
    if (!li) return;
    this._fill(li, { sender: this.own, text: text }, "failed");
    this.pending.delete(clientId);
  };

  ChatLog.prototype.scrollToEnd = function () {
    var box = this.list.parentNode;
    if (box) box.scrollTop = box.scrollHeight;
  };

  /* ---------------------------------------------------------------------------------------- */
  /* Outbox: every message is held until its ack; resent with the same client_id.            */

  function Outbox(socket, event) {
    this.socket = socket;
    this.event = event || "message";
    this.items = new Map(); // client_id -> item
  }

  Outbox.prototype.send = function (payload, onAck, onError) {
    if (!payload.client_id) payload.client_id = uuid();
    var item = { payload: payload, onAck: onAck, onError: onError, attempt: 0, internal: 0,
      inFlight: false, timer: null };
    this.items.set(payload.client_id, item);
    this._try(payload.client_id);
    return payload.client_id;
  };

  Outbox.prototype._retryLater = function (clientId) {
    var self = this;
    var item = this.items.get(clientId);
    if (!item || item.timer) return;
    item.timer = window.setTimeout(function () {
      item.timer = null;
      self._try(clientId);
    }, RETRY_DELAY_MS * Math.min(8, Math.pow(2, item.internal)));
  };

  Outbox.prototype._try = function (clientId) {
    var self = this;
    var item = this.items.get(clientId);
    if (!item || item.inFlight) return;
    // While disconnected nothing is emitted (socket.io would buffer it and send it before the
    // resync); the next connect resyncs, then calls resendAll().
    if (!this.socket.connected) return;
    item.inFlight = true;
    item.attempt += 1;
    var attempt = item.attempt;
    this.socket.timeout(ACK_TIMEOUT_MS).emit(this.event, item.payload, function (err, ack) {
      if (self.items.get(clientId) !== item || item.attempt !== attempt) return;
      item.inFlight = false;
      if (err) {
        // No ack in time, or the connection dropped: keep it. If still connected the server
        // may just be slow, so try again (same client_id, so it is never stored twice).
        if (self.socket.connected) self._retryLater(clientId);
        return;
      }
      if (ack && typeof ack.id === "number") {
        self.items.delete(clientId);
        item.onAck(ack, item.payload);
        return;
      }
      if (ack && ack.error === "internal" && item.internal < MAX_INTERNAL_RETRIES) {
        item.internal += 1;
        self._retryLater(clientId);
        return;
      }
      self.items.delete(clientId);
      item.onError(ack && ack.error ? ack : { error: "internal", message: "" }, item.payload);
    });
  };

  /* After a reconnect and its history: forget what the server already holds, resend the rest. */
  Outbox.prototype.resendAll = function (log) {
    var self = this;
    this.items.forEach(function (item, clientId) {
      if (log && log.holdsClientId(clientId)) {
        self.items.delete(clientId);
        if (item.timer) window.clearTimeout(item.timer);
        return;
      }
      // A send from before the reconnect will never be answered; start a fresh attempt.
      item.inFlight = false;
      if (item.timer) { window.clearTimeout(item.timer); item.timer = null; }
      self._try(clientId);
    });
  };

  Outbox.prototype.clear = function () {
    this.items.forEach(function (item) { if (item.timer) window.clearTimeout(item.timer); });
    var left = Array.from(this.items.keys());
    this.items.clear();
    return left;
  };

  /* ---------------------------------------------------------------------------------------- */
  /* Resync: one history call at a time per chat; asked again if more was needed meanwhile.   */

  function Resync(socket, payloadFor, onMessages) {
    this.socket = socket;
    this.payloadFor = payloadFor; // function(after_id) -> payload
    this.onMessages = onMessages; // function(ack)
    this.busy = false;
    this.again = false;
  }

  Resync.prototype.run = function (log) {
    var self = this;
    if (!this.socket.connected) return;
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    this.again = false;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("history", this.payloadFor(log.highestContiguous()),
      function (err, ack) {
        self.busy = false;
        if (err) {
          if (self.socket.connected) window.setTimeout(function () { self.run(log); }, RETRY_DELAY_MS);
          return;
        }
        if (ack && Array.isArray(ack.messages)) {
          ack.messages.forEach(function (m) { log.add(m); });
        }
        self.onMessages(ack || {});
        if (self.again || log.hasGap()) self.run(log);
      });
  };

  function errorText(ack) {
    var byCode = {
      text_required: "Please write a message first.",
      too_long: "This message is too long. Please split it into shorter messages.",
      invalid_text: "This message contains characters that cannot be sent.",
      chat_ended: "This chat has ended, so the message was not sent.",
      not_assigned: "This chat is not assigned to you.",
      not_found: "This chat could not be found.",
      rate_limited: "You are sending messages too quickly. Please wait a moment.",
    };
    var known = ack && byCode[ack.error];
    // The server's sentence is English: a translated page uses its own words for the code.
    if (known && translated()) return t(known);
    return (ack && ack.message) || (known && t(known)) ||
      t("The message could not be sent. Please try again.");
  }

  function labelFor(options, listName, id) {
    var list = (options && options[listName]) || [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].label;
    return id;
  }

  window.AdviceChat = {
    uuid: uuid,
    el: el,
    readJson: readJson,
    postJson: postJson,
    formatTime: formatTime,
    ChatLog: ChatLog,
    Outbox: Outbox,
    Resync: Resync,
    errorText: errorText,
    t: t,
    translated: translated,
    labelFor: labelFor,
    ACK_TIMEOUT_MS: ACK_TIMEOUT_MS,
  };
})();
