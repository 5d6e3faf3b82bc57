/* Quick exit on every page a professional sees: the "Leave this page" button, or Shift pressed
 * three times. It clears this tab's session storage (the only place a chat is kept; nothing of a
 * chat is ever put in local storage, so there is nothing there to clear), hides the page at once, and replaces it with a neutral site, so
 * Back does not return to it. Other tabs of this site (e.g. guidance opened from the chat)
 * are told to leave too. */
(function () {
  "use strict";
  var EXIT_URL = "https://www.bbc.co.uk/weather";
  var CHANNEL = "advice-chat-exit";
  var leaving = false;
  var channel = null;
  try { channel = new BroadcastChannel(CHANNEL); } catch (e) { channel = null; }

  function leave(tellOthers) {
    if (leaving) return;
    leaving = true;
    try { sessionStorage.clear(); } catch (e) { /* storage may be blocked */ }
    if (tellOthers && channel) { try { channel.postMessage("leave"); } catch (e) { /* ignore */ } }
    document.documentElement.style.visibility = "hidden";
    document.title = "";
    window.location.replace(EXIT_URL);
  }

  if (channel) channel.onmessage = function () { leave(false); };

  var shiftPresses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { if (event.key !== "Shift") shiftPresses = []; return; }
    var now = Date.now();
    shiftPresses = shiftPresses.filter(function (time) { return now - time < 1500; });
    shiftPresses.push(now);
    if (shiftPresses.length >= 3) leave(true);
  });
  var button = document.getElementById("quick-exit");
  if (button) button.addEventListener("click", function () { leave(true); });

  // A page brought back from the back/forward cache after leaving shows nothing of the chat.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && leaving) window.location.replace(EXIT_URL);
  });

  window.AdviceChatExit = { leave: function () { leave(true); } };
})();
