/* Managers' safeguarding alerts, on every manager page: a socket connection that receives
   `flag` (an adviser raised a safeguarding flag) and `flag_acknowledged`, lists the open
   flags, and acknowledges one (`acknowledge_flag`). Protocol: docs/protocol.md. */
(function () {
  "use strict";
  if (typeof window.io !== "function") return;
  var main = document.getElementById("main");
  if (!main) return;
  var reasons = {};
  try {
    (JSON.parse(document.getElementById("flag-reasons").textContent) || []).forEach(function (r) { reasons[r.id] = r.label; });
  } catch (e) { /* labels fall back to ids */ }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function time(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? "" : d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  var section = el("section", "flag-alerts");
  section.setAttribute("aria-labelledby", "flag-alerts-heading");
  section.hidden = true;
  var heading = el("h2", "", "Safeguarding flags to acknowledge");
  heading.id = "flag-alerts-heading";
  var list = el("ul", "flag-alerts__list");
  var live = el("p", "visually-hidden");
  live.setAttribute("role", "alert");
  section.appendChild(heading);
  section.appendChild(list);
  main.insertBefore(live, main.firstChild);
  main.insertBefore(section, main.firstChild);

  var socket = window.io({ transports: ["websocket", "polling"] });
  window.AdviceChatStaffSocket = socket; // the supervision panel (supervise.js) shares it
  var shown = new Map(); // flag_id -> li

  function refresh() { section.hidden = shown.size === 0; }
  function describe(flag) {
    var pre = flag.pre_chat || {};
    return (reasons[flag.reason] || flag.reason) + " – raised by " +
      ((flag.raised_by && flag.raised_by.display_name) || "an adviser") + " at " + time(flag.raised_at) +
      (pre.topic ? " (chat about " + pre.topic + (pre.immediate_risk ? ", immediate risk" : "") + ")" : "");
  }
  function add(flag, fresh) {
    if (!flag || shown.has(flag.flag_id) || flag.acknowledged_at) return;
    var li = el("li", "flag-alert");
    li.appendChild(el("p", "flag-alert__what", describe(flag)));
    var button = el("button", "button button--warning", "Acknowledge");
    button.type = "button";
    button.setAttribute("aria-label", "Acknowledge flag: " + describe(flag));
    var status = el("p", "flag-alert__status");
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      button.disabled = true;
      socket.timeout(10000).emit("acknowledge_flag", { flag_id: flag.flag_id }, function (err, ack) {
        button.disabled = false;
        if (err || !ack || ack.error) { status.textContent = (ack && ack.message) || "Not acknowledged. Please try again."; return; }
        done(ack);
      });
    });
    li.appendChild(button);
    var watch = el("a", "flag-alert__watch", "Watch this chat (read only)");
    watch.href = "/manager/live#watch=" + encodeURIComponent(flag.chat_id);
    li.appendChild(watch);
    li.appendChild(status);
    list.appendChild(li);
    shown.set(flag.flag_id, li);
    refresh();
    if (fresh) {
      live.textContent = "Safeguarding flag: " + describe(flag);
      if (window.AdviceChatAlerts) window.AdviceChatAlerts.notify("Safeguarding flag", describe(flag), { urgent: true });
    }
  }
  function done(flag) {
    var li = shown.get(flag.flag_id);
    if (!li) return;
    shown.delete(flag.flag_id);
    var who = (flag.acknowledged_by && flag.acknowledged_by.display_name) || "a manager";
    live.textContent = "Flag acknowledged by " + who + ".";
    li.remove();
    refresh();
  }
  socket.on("flags", function (data) { ((data && data.flags) || []).forEach(function (f) { add(f, false); }); });
  socket.on("flag", function (f) { add(f, true); });
  socket.on("flag_acknowledged", done);
})();
