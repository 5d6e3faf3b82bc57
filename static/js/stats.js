/* Manager statistics: SVG charts drawn from the tables beside them, and the live panel.
   The tables are the source: a chart shows nothing the table does not. Hidden counts
   (<5, [c]) are drawn as hatched gaps, never as a guessed value. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function svgEl(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }

  function readTable(table) {
    var columns = Array.prototype.map.call(table.querySelectorAll("thead th[data-col]"), function (th) {
      return { id: th.getAttribute("data-col"), label: th.textContent };
    });
    var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
      var cells = {};
      Array.prototype.forEach.call(tr.querySelectorAll("td[data-col]"), function (td) {
        var raw = td.getAttribute("data-value");
        cells[td.getAttribute("data-col")] = raw === null ? { hidden: true, text: td.textContent } : { value: Number(raw), text: raw };
      });
      return { label: tr.querySelector("th").textContent, cells: cells };
    });
    return { columns: columns, rows: rows };
  }

  function mainColumn(data) {
    var ids = data.columns.map(function (c) { return c.id; });
    return ids.indexOf("requested") >= 0 ? "requested" : ids[0];
  }

  function frame(figure, width, height, label) {
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, role: "img", class: "chart__svg",
      "aria-label": label + ". The same figures are in the table below." });
    var defs = svgEl("defs");
    var pattern = svgEl("pattern", { id: "hatch-" + figure.getAttribute("data-table"), width: 6, height: 6,
      patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    pattern.appendChild(svgEl("rect", { width: 6, height: 6, class: "chart__hatch-bg" }));
    pattern.appendChild(svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "chart__hatch" }));
    defs.appendChild(pattern);
    svg.appendChild(defs);
    figure.appendChild(svg);
    return svg;
  }

  function text(svg, x, y, content, cls, anchor) {
    var t = svgEl("text", { x: x, y: y, class: cls || "chart__label", "text-anchor": anchor || "start" });
    t.textContent = content;
    svg.appendChild(t);
    return t;
  }

  function bars(figure, data, title) {
    var col = mainColumn(data);
    var max = 1;
    data.rows.forEach(function (r) { var c = r.cells[col]; if (c && !c.hidden) max = Math.max(max, c.value); });
    var rowH = 26, labelW = 300, barW = 380, width = labelW + barW + 70;
    var height = data.rows.length * rowH + 10;
    var svg = frame(figure, width, height, "Bar chart: " + title);
    var hatch = "url(#hatch-" + figure.getAttribute("data-table") + ")";
    data.rows.forEach(function (r, i) {
      var y = 5 + i * rowH;
      var c = r.cells[col] || { value: 0 };
      text(svg, labelW - 8, y + 17, r.label.length > 44 ? r.label.slice(0, 42) + "…" : r.label, "chart__label", "end");
      if (c.hidden) {
        svg.appendChild(svgEl("rect", { x: labelW, y: y + 4, width: 24, height: rowH - 8, fill: hatch, class: "chart__bar--hidden" }));
        text(svg, labelW + 30, y + 17, c.text, "chart__value");
      } else {
        var w = Math.round(barW * c.value / max);
        svg.appendChild(svgEl("rect", { x: labelW, y: y + 4, width: Math.max(w, c.value ? 2 : 0), height: rowH - 8, class: "chart__bar" }));
        text(svg, labelW + w + 6, y + 17, String(c.value), "chart__value");
      }
    });
  }

  function line(figure, data, title) {
    var col = mainColumn(data);
    var width = 720, height = 220, left = 44, bottom = 28, top = 10;
    var n = data.rows.length;
    var max = 1;
    data.rows.forEach(function (r) { var c = r.cells[col]; if (c && !c.hidden) max = Math.max(max, c.value); });
    var svg = frame(figure, width, height, "Line chart: " + title + " (" + col + " per day)");
    var plotW = width - left - 10, plotH = height - top - bottom;
    svg.appendChild(svgEl("line", { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: "chart__axis" }));
    svg.appendChild(svgEl("line", { x1: left, y1: top, x2: left, y2: top + plotH, class: "chart__axis" }));
    text(svg, left - 6, top + 10, String(max), "chart__value", "end");
    text(svg, left - 6, top + plotH, "0", "chart__value", "end");
    var hatch = "url(#hatch-" + figure.getAttribute("data-table") + ")";
    var points = [];
    data.rows.forEach(function (r, i) {
      var x = left + (n > 1 ? plotW * i / (n - 1) : plotW / 2);
      var c = r.cells[col] || { value: 0 };
      if (c.hidden) {
        svg.appendChild(svgEl("rect", { x: x - 3, y: top + plotH - 12, width: 6, height: 12, fill: hatch, class: "chart__bar--hidden" }));
        if (points.length) { drawPath(svg, points); points = []; }
      } else {
        points.push([x, top + plotH - plotH * c.value / max]);
      }
    });
    if (points.length) drawPath(svg, points);
    if (n) {
      text(svg, left, height - 8, data.rows[0].label, "chart__value");
      text(svg, left + plotW, height - 8, data.rows[n - 1].label, "chart__value", "end");
    }
  }

  function drawPath(svg, points) {
    if (points.length === 1) {
      svg.appendChild(svgEl("circle", { cx: points[0][0], cy: points[0][1], r: 3, class: "chart__dot" }));
      return;
    }
    svg.appendChild(svgEl("polyline", { points: points.map(function (p) { return p.join(","); }).join(" "), class: "chart__line" }));
  }

  function heatmap(figure, data, title) {
    var hours = data.columns.filter(function (c) { return c.id !== "requested"; });
    var cell = 24, left = 90, top = 22;
    var width = left + hours.length * cell + 10, height = top + data.rows.length * cell + 10;
    var max = 1;
    data.rows.forEach(function (r) { hours.forEach(function (h) { var c = r.cells[h.id]; if (c && !c.hidden) max = Math.max(max, c.value); }); });
    var svg = frame(figure, width, height, "Heat map: " + title + ", day of week by hour");
    var hatch = "url(#hatch-" + figure.getAttribute("data-table") + ")";
    hours.forEach(function (h, j) { if (j % 3 === 0) text(svg, left + j * cell + cell / 2, top - 6, h.label.slice(0, 2), "chart__value", "middle"); });
    data.rows.forEach(function (r, i) {
      text(svg, left - 6, top + i * cell + 16, r.label.slice(0, 3), "chart__label", "end");
      hours.forEach(function (h, j) {
        var c = r.cells[h.id] || { value: 0 };
        var attrs = { x: left + j * cell + 1, y: top + i * cell + 1, width: cell - 2, height: cell - 2 };
        if (c.hidden) { attrs.fill = hatch; attrs.class = "chart__bar--hidden"; }
        else { attrs.class = "chart__heat"; attrs["fill-opacity"] = (0.08 + 0.92 * c.value / max).toFixed(2); }
        svg.appendChild(svgEl("rect", attrs));
      });
    });
  }

  var DRAW = { bar: bars, line: line, heatmap: heatmap };
  Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), function (figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    var draw = DRAW[figure.getAttribute("data-chart")];
    if (!table || !draw) return;
    draw(figure, readTable(table), figure.getAttribute("data-title") || "");
    figure.classList.add("chart--drawn");
  });

  /* ---- live panel: queue length and advisers online, every 15 seconds ---- */
  var live = document.getElementById("stats-live");
  function refresh() {
    fetch("/api/stats/live", { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      Array.prototype.forEach.call(live.querySelectorAll("[data-live]"), function (dd) {
        var key = dd.getAttribute("data-live");
        if (key in data) dd.textContent = String(data[key]);
      });
      var now = new Date();
      document.getElementById("stats-live-updated").textContent =
        "Updated at " + String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0") + ".";
    }).catch(function () { /* keep the last figures */ });
  }
  if (live) window.setInterval(refresh, 15000);
})();
