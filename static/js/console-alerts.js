/* Alerts for staff pages: a short tone (Web Audio, no sound file) and a desktop notification
   (the Notification API), each of which the person can turn off. Settings are kept in this
   browser (localStorage). Used by the adviser console and the managers' safeguarding alerts. */
(function () {
  "use strict";
  var SOUND_KEY = "advice_chat_alert_sound";
  var DESKTOP_KEY = "advice_chat_alert_desktop";
  var audio = null;

  function setting(key, fallback) {
    try {
      var v = localStorage.getItem(key);
      return v === null ? fallback : v === "on";
    } catch (e) { return fallback; }
  }
  function remember(key, on) {
    try { localStorage.setItem(key, on ? "on" : "off"); } catch (e) { /* ignore */ }
  }
  function canNotify() { return typeof window.Notification === "function"; }

  function tone(urgent) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      var notes = urgent ? [880, 660, 880] : [660];
      notes.forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.value = 0.08;
        osc.connect(gain);
        gain.connect(audio.destination);
        var at = audio.currentTime + i * 0.22;
        osc.start(at);
        osc.stop(at + 0.18);
      });
    } catch (e) { /* a page without sound still works */ }
  }

  var api = {
    soundOn: function () { return setting(SOUND_KEY, true); },
    desktopOn: function () {
      return setting(DESKTOP_KEY, true) && canNotify() && window.Notification.permission === "granted";
    },
    /* Alert the person: tone and/or desktop notification, as they chose. Text is plain. */
    notify: function (title, body, options) {
      var urgent = options && options.urgent;
      if (api.soundOn()) tone(urgent);
      if (api.desktopOn()) {
        try {
          var n = new window.Notification(title, { body: body || "", tag: (options && options.tag) || undefined });
          n.onclick = function () { window.focus(); if (options && options.onclick) options.onclick(); n.close(); };
        } catch (e) { /* some browsers allow notifications only from a service worker */ }
      }
    },
  };

  function bind(id, key, fallback, onEnable) {
    var box = document.getElementById(id);
    if (!box) return;
    box.checked = setting(key, fallback);
    box.addEventListener("change", function () {
      remember(key, box.checked);
      if (box.checked && onEnable) onEnable(box);
    });
  }
  bind("alert-sound", SOUND_KEY, true, function () { tone(false); });
  bind("alert-desktop", DESKTOP_KEY, true, function (box) {
    if (!canNotify()) { box.checked = false; remember(DESKTOP_KEY, false); return; }
    if (window.Notification.permission === "default") {
      window.Notification.requestPermission().then(function (p) {
        if (p !== "granted") { box.checked = false; remember(DESKTOP_KEY, false); }
      });
    }
  });
  var desktop = document.getElementById("alert-desktop");
  if (desktop && (!canNotify() || window.Notification.permission === "denied")) {
    desktop.checked = false;
  }
  window.AdviceChatAlerts = api;
})();
