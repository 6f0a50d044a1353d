/* Click-to-load stream players (articles/events/streams.py).
   An event page shows a placeholder with a plain link; nothing is requested from the
   player's host until the reader presses "Play". Only then is the iframe created, from the
   address the server wrote in data-stream-src, and only for the two players the page's CSP
   allows as frame sources. Without JavaScript the button stays hidden and the link works. */
(function () {
  "use strict";
  var PLAYERS = ["https://player.twitch.tv/", "https://www.youtube-nocookie.com/embed/"];

  function allowed(src) {
    return PLAYERS.some(function (prefix) { return src.indexOf(prefix) === 0; });
  }

  function load(box, src) {
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = box.getAttribute("data-stream-title") || "Video player";
    frame.className = "stream-embed__player";
    frame.setAttribute("allow", "autoplay; fullscreen; encrypted-media; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    var placeholder = box.querySelector(".stream-embed__placeholder");
    placeholder.parentNode.replaceChild(frame, placeholder);
    box.classList.add("stream-embed--playing");
    frame.focus();
  }

  document.querySelectorAll("[data-stream-embed]").forEach(function (box) {
    var src = box.getAttribute("data-stream-src") || "";
    var button = box.querySelector("[data-stream-load]");
    if (!button || !allowed(src)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { load(box, src); });
  });
}());
