/* Manager pages: opening hours and advisers' capacity. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var api = window.staffApi; /* static/js/staff.js */

  /* ---- opening hours: one window a day in this form ---- */
  api("GET", "/api/manager/hours").then(function (result) {
    if (result.status !== 200) return;
    result.data.windows.forEach(function (w) {
      $("open-" + w.weekday).checked = true;
      $("opens-" + w.weekday).value = w.opens;
      $("closes-" + w.weekday).value = w.closes;
    });
    $("closed-dates").value = result.data.closed_dates.join("\n");
  });
  $("hours-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var windows = [];
    for (var day = 0; day < 7; day++) {
      if ($("open-" + day).checked) {
        windows.push({ weekday: day, opens: $("opens-" + day).value, closes: $("closes-" + day).value });
      }
    }
    var dates = $("closed-dates").value.split(/\s+/).filter(Boolean);
    api("PUT", "/api/manager/hours", { windows: windows, closed_dates: dates }).then(function (result) {
      $("hours-status").textContent = result.status === 200
        ? "Opening hours saved." : (result.data.message || "The opening hours could not be saved.");
    });
  });

  /* ---- advisers ---- */
  function loadAdvisers() {
    api("GET", "/api/manager/advisers").then(function (result) {
      if (result.status !== 200) return;
      var body = $("advisers-table").querySelector("tbody");
      body.textContent = "";
      result.data.advisers.forEach(function (a) {
        var row = document.createElement("tr");
        var name = document.createElement("th");
        name.scope = "row";
        name.textContent = a.display_name;
        row.appendChild(name);
        [a.status, String(a.active)].forEach(function (text) {
          var cell = document.createElement("td");
          cell.textContent = text;
          row.appendChild(cell);
        });
        var cell = document.createElement("td");
        var input = document.createElement("input");
        input.type = "number";
        input.min = "1";
        input.max = "10";
        input.value = String(a.capacity);
        input.setAttribute("aria-label", "Capacity of " + a.display_name);
        input.addEventListener("change", function () {
          api("PATCH", "/api/manager/advisers/" + a.id, { capacity: Number(input.value) })
            .then(function (r) {
              $("advisers-status").textContent = r.status === 200
                ? a.display_name + " now takes up to " + r.data.capacity + " chats at once."
                : r.data.message;
            });
        });
        cell.appendChild(input);
        row.appendChild(cell);
        body.appendChild(row);
      });
    });
  }
  loadAdvisers();
})();
