/* Manager page: teams' settings, their own opening hours, and advisers' teams
   (GET/PATCH /api/manager/teams…, PUT /api/manager/advisers/{id}/teams). */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var api = window.staffApi; /* static/js/staff.js */
  var list = $("teams-list");
  if (!list) return;

  function say(text) { $("teams-status").textContent = text; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function field(id, label, input, check) {
    var wrap = el("div", { class: check ? "field field--check" : "field" });
    input.id = id;
    var lab = el("label", { for: id }, label);
    if (check) { wrap.appendChild(input); wrap.appendChild(lab); }
    else { wrap.appendChild(lab); wrap.appendChild(input); }
    return wrap;
  }

  /* The weekly hours as set in the opening-hours form above (manager.html). */
  function hoursFromForm() {
    var windows = [];
    for (var day = 0; day < 7; day++) {
      if ($("open-" + day).checked) {
        windows.push({ weekday: day, opens: $("opens-" + day).value, closes: $("closes-" + day).value });
      }
    }
    return { windows: windows, closed_dates: $("closed-dates").value.split(/\s+/).filter(Boolean) };
  }

  function hoursText(team) {
    if (!team.hours) return "Follows the service's opening hours.";
    var days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    var parts = team.hours.windows.map(function (w) { return days[w.weekday] + " " + w.opens + "–" + w.closes; });
    return "Own hours: " + (parts.join(", ") || "none (always open)") +
      (team.hours.closed_dates.length ? "; closed " + team.hours.closed_dates.join(", ") : "") + ".";
  }

  function teamForm(team) {
    var p = "team-" + team.slug + "-";
    var form = el("form", { class: "panel", "aria-labelledby": p + "heading" });
    form.appendChild(el("h3", { id: p + "heading" }, team.name + (team.open ? " (open now)" : " (closed now)")));
    var name = el("input", { type: "text", maxlength: "80", required: "" });
    name.value = team.name;
    var contact = el("input", { type: "text", maxlength: "300" });
    contact.value = team.contact;
    var redirect = el("input", { type: "checkbox" });
    redirect.checked = team.redirect_when_closed;
    var overflow = el("input", { type: "checkbox" });
    overflow.checked = team.overflow_allowed;
    var minutes = el("input", { type: "number", min: "0", max: "1440" });
    minutes.value = String(Math.round(team.overflow_after_seconds / 60));
    form.appendChild(field(p + "name", "Name", name));
    form.appendChild(field(p + "contact", "Who to contact when this team is closed", contact));
    form.appendChild(field(p + "redirect", "When closed, send its new chats to an open team", redirect, true));
    form.appendChild(field(p + "overflow", "Let advisers of other teams answer its chats that wait too long", overflow, true));
    form.appendChild(field(p + "minutes", "Minutes a chat waits before other teams may answer it", minutes));
    form.appendChild(el("p", { id: p + "hours" }, hoursText(team)));
    var save = el("button", { type: "submit", class: "button" }, "Save " + team.name);
    form.appendChild(save);
    var copy = el("button", { type: "button", class: "button button--secondary" }, "Give " + team.name + " the hours in the form above");
    form.appendChild(copy);
    var inherit = el("button", { type: "button", class: "button button--secondary" }, team.name + ": follow the service's hours");
    form.appendChild(inherit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      api("PATCH", "/api/manager/teams/" + team.slug, {
        name: name.value,
        contact: contact.value,
        redirect_when_closed: redirect.checked,
        overflow_allowed: overflow.checked,
        overflow_after_seconds: Math.max(0, Math.round(Number(minutes.value) * 60)),
      }).then(function (r) { say(r.status === 200 ? team.name + " saved." : r.data.message); });
    });
    function setHours(method, body) {
      api(method, "/api/manager/teams/" + team.slug + "/hours", body).then(function (r) {
        if (r.status === 200) { $(p + "hours").textContent = hoursText(r.data); say(team.name + ": opening hours saved."); }
        else say(r.data.message || "The hours could not be saved.");
      });
    }
    copy.addEventListener("click", function () { setHours("PUT", hoursFromForm()); });
    inherit.addEventListener("click", function () { setHours("DELETE"); });
    return form;
  }

  function members(data) {
    var head = $("team-members").querySelector("thead tr");
    var body = $("team-members").querySelector("tbody");
    while (head.children.length > 1) head.removeChild(head.lastChild);
    data.teams.forEach(function (t) { head.appendChild(el("th", { scope: "col" }, t.name)); });
    body.textContent = "";
    data.advisers.forEach(function (a) {
      var row = el("tr");
      row.appendChild(el("th", { scope: "row" }, a.display_name));
      data.teams.forEach(function (t) {
        var cell = el("td");
        var box = el("input", { type: "checkbox", "aria-label": a.display_name + " answers for " + t.name });
        box.checked = a.teams.indexOf(t.slug) >= 0;
        box.dataset.team = t.slug;
        box.addEventListener("change", function () {
          var chosen = Array.prototype.filter.call(row.querySelectorAll("input"), function (b) { return b.checked; })
            .map(function (b) { return b.dataset.team; });
          api("PUT", "/api/manager/advisers/" + a.id + "/teams", { teams: chosen }).then(function (r) {
            if (r.status === 200) say(a.display_name + " now answers for: " + r.data.teams.join(", ") + ".");
            else { box.checked = !box.checked; say(r.data.message); }
          });
        });
        cell.appendChild(box);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  api("GET", "/api/manager/teams").then(function (result) {
    if (result.status !== 200) return;
    list.textContent = "";
    result.data.teams.forEach(function (t) { list.appendChild(teamForm(t)); });
    members(result.data);
  });
})();
