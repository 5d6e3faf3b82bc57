/* Manager: create and edit knowledge-base articles, preview, versions. API: docs/protocol.md. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var api = window.staffApi; /* static/js/staff.js */
  var current = null; // {slug, version} of the article being edited, or null for a new one
  function lines(text) { return text.split(/\n/).map(function (s) { return s.trim(); }).filter(Boolean); }
  function showVersions(slug) {
    var list = $("kb-versions");
    list.textContent = "";
    if (!slug) return;
    api("GET", "/api/manager/kb/articles/" + encodeURIComponent(slug) + "/versions").then(function (res) {
      if (res.status !== 200) return;
      res.data.versions.forEach(function (v) {
        var who = v.edited_by ? v.edited_by.display_name : "loaded from file";
        var li = document.createElement("li");
        li.textContent = "Version " + v.version + ", " + new Date(v.edited_at).toLocaleString("en-GB") + ", " + who;
        list.appendChild(li);
      });
    });
  }
  function fill(a) {
    $("kb-slug").value = a ? a.slug : "";
    $("kb-slug").readOnly = !!a;
    $("kb-title").value = a ? a.title : "";
    $("kb-summary").value = a ? a.summary : "";
    $("kb-tags").value = a ? a.tags.join(", ") : "";
    $("kb-audience").value = a ? a.audience : "professional";
    $("kb-reviewed").value = a ? a.reviewed : new Date().toISOString().slice(0, 10);
    $("kb-sources").value = a ? a.sources.join("\n") : "";
    $("kb-body").value = a ? a.body : "";
    $("kb-preview").textContent = "";
    current = a ? { slug: a.slug, version: a.version } : null;
    showVersions(a && a.slug);
  }
  $("kb-pick").addEventListener("change", function () {
    var slug = $("kb-pick").value;
    $("kb-status").textContent = "";
    if (!slug) { fill(null); return; }
    api("GET", "/api/kb/articles/" + encodeURIComponent(slug)).then(function (res) {
      if (res.status === 200) fill(res.data);
      else $("kb-status").textContent = "Could not load the article.";
    });
  });
  $("kb-preview-button").addEventListener("click", function () {
    api("POST", "/api/manager/kb/preview", { body: $("kb-body").value }).then(function (res) {
      var box = $("kb-preview");
      // The server returns HTML sanitised with bleach (markdown-it with raw HTML off, then bleach).
      if (res.status === 200) box.innerHTML = res.data.html;
      else box.textContent = res.data.message || "Could not make a preview.";
    });
  });
  $("kb-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var error = $("kb-error");
    error.hidden = true;
    var body = {
      slug: $("kb-slug").value.trim(),
      title: $("kb-title").value,
      summary: $("kb-summary").value,
      tags: $("kb-tags").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean),
      audience: $("kb-audience").value,
      reviewed: $("kb-reviewed").value,
      sources: lines($("kb-sources").value),
      body: $("kb-body").value,
    };
    var request = current
      ? api("PUT", "/api/manager/kb/articles/" + encodeURIComponent(current.slug), Object.assign(body, { version: current.version }))
      : api("POST", "/api/manager/kb/articles", body);
    request.then(function (res) {
      if (res.status === 200 || res.status === 201) {
        fill(res.data);
        $("kb-status").textContent = "Saved: version " + res.data.version + ".";
        return;
      }
      error.textContent = res.data.message || "The article could not be saved.";
      error.hidden = false;
      error.focus && error.focus();
    });
  });
})();
