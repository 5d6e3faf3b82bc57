/* Managing canned responses (`/api/canned`): managers keep the shared set (/manager/canned),
   advisers their own (in the console). Text is inserted as text, never as markup. */
(function () {
  "use strict";
  var root = document.getElementById("canned-manage");
  if (!root || !window.staffApi) return;
  var shared = root.dataset.scope === "shared";
  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function status(text) { $("canned-status").textContent = text; }
  function error(text) { $("canned-error").textContent = text; $("canned-error").hidden = !text; }
  function resetForm() {
    $("canned-id").value = "";
    $("canned-title").value = "";
    $("canned-shortcut").value = "";
    $("canned-text").value = "";
    $("canned-form-heading").textContent = "Add a canned response";
    $("canned-cancel").hidden = true;
    error("");
  }
  function edit(reply) {
    $("canned-id").value = String(reply.id);
    $("canned-title").value = reply.title;
    $("canned-shortcut").value = reply.shortcut || "";
    $("canned-text").value = reply.text;
    $("canned-form-heading").textContent = "Edit “" + reply.title + "”";
    $("canned-cancel").hidden = false;
    $("canned-title").focus();
  }
  function load() {
    window.staffApi("GET", "/api/canned").then(function (res) {
      var list = $("canned-manage-list");
      list.textContent = "";
      var mine = (res.data.replies || []).filter(function (r) { return r.shared === shared; });
      if (!mine.length) list.appendChild(el("li", "", "None yet."));
      mine.forEach(function (r) {
        var li = el("li", "canned-manage__item");
        li.appendChild(el("p", "canned-manage__title", r.title + (r.shortcut ? " (/" + r.shortcut + ")" : "")));
        li.appendChild(el("p", "canned-manage__text", r.text));
        var e = el("button", "button button--small button--secondary", "Edit");
        e.type = "button";
        e.setAttribute("aria-label", "Edit canned response: " + r.title);
        e.addEventListener("click", function () { edit(r); });
        var d = el("button", "button button--small button--secondary", "Delete");
        d.type = "button";
        d.setAttribute("aria-label", "Delete canned response: " + r.title);
        d.addEventListener("click", function () {
          d.disabled = true;
          window.staffApi("DELETE", "/api/canned/" + r.id).then(function (res2) {
            d.disabled = false;
            if (res2.status !== 204) { status(res2.data.message || "Not deleted."); return; }
            status("Deleted “" + r.title + "”.");
            load();
            $("canned-title").focus();
            if (window.AdviceChatCanned) window.AdviceChatCanned.reload();
          });
        });
        li.appendChild(e);
        li.appendChild(d);
        list.appendChild(li);
      });
    });
  }
  $("canned-cancel").addEventListener("click", function () { resetForm(); status("Editing cancelled."); });
  $("canned-form").addEventListener("submit", function (event) {
    event.preventDefault();
    error("");
    var id = $("canned-id").value;
    var body = { title: $("canned-title").value, shortcut: $("canned-shortcut").value || null, text: $("canned-text").value };
    window.staffApi(id ? "PUT" : "POST", id ? "/api/canned/" + id : "/api/canned", body).then(function (res) {
      if (res.status !== 200 && res.status !== 201) {
        error(res.data.message || "The canned response was not saved.");
        var field = { title: "canned-title", shortcut: "canned-shortcut", text: "canned-text" }[res.data.field];
        if (field) $(field).focus();
        return;
      }
      status("Saved “" + res.data.title + "”.");
      resetForm();
      load();
      if (window.AdviceChatCanned) window.AdviceChatCanned.reload();
    });
  });
  load();
})();
