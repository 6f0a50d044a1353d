/* Live results. An element holding a race that is still being counted carries data-live-url
   (the race JSON), data-live-refresh (seconds, chosen by the server) and data-live-layout.
   This script fetches that JSON on the interval, with jitter, with If-None-Match (304 when
   nothing changed), never while the tab is hidden, and copies what the server wrote into the
   elements marked data-live-*: candidates/race_data.py decides every figure and sentence, so
   the page reads the same without this script. It stops when the JSON says refresh: null
   (the race is final). A JSON whose layout the page's markup cannot hold (a new candidate or
   county, the first votes) reloads the page once. One polite live region says what changed. */
(function () {
  "use strict";
  if (window.civicLive || !window.fetch) return;
  window.civicLive = true;

  var announcer = document.querySelector("[data-live-announce]");
  var reloading = false;
  var boxes = [].slice.call(document.querySelectorAll("[data-live-url]"));

  function each(root, selector, fn) {
    [].forEach.call(root.querySelectorAll(selector), fn);
  }

  function number(value) {
    return value == null ? "–" : Number(value).toLocaleString("en-US");
  }

  function outcomeClass(outcome) {
    return "outcome--" + outcome.replace(/_/g, "-");
  }

  function updateRow(row, c) {
    var cls = outcomeClass(c.outcome);
    each(row, "[data-live-field]", function (el) {
      var field = el.getAttribute("data-live-field");
      if (field === "votes") el.textContent = number(c.votes);
      else if (field === "share") el.textContent = c.share ? c.share + "%" : "–";
      else if (field === "bar") {
        el.setAttribute("width", (c.share || 0) + "%");
        el.setAttribute("class", "bar__fill " + cls);
      } else if (field === "outcome") {
        el.textContent = c.outcome_label;
        el.className = el.className.replace(/outcome--[\w-]+/, cls);
        if (el.hasAttribute("data-live-optional")) el.hidden = c.outcome === "pending";
      }
    });
    row.parentNode.appendChild(row); // rows follow the JSON's result order
  }

  function apply(box, data) {
    if (data.layout !== box.getAttribute("data-live-layout")) {
      if (!reloading) {
        reloading = true;
        location.reload();
      }
      return;
    }
    var display = data.display || {};
    each(box, "[data-live-text]", function (el) {
      var text = display[el.getAttribute("data-live-text")] || "";
      el.textContent = text;
      el.hidden = !text;
    });
    each(box, "[data-live-show]", function (el) {
      el.hidden = !display[el.getAttribute("data-live-show")];
    });
    each(box, "[data-live-time]", function (el) {
      el.textContent = display[el.getAttribute("data-live-time")] || "";
      if (display.updated_datetime) el.setAttribute("datetime", display.updated_datetime);
    });
    var votesOf = {};
    data.candidacies.forEach(function (c) {
      votesOf[c.slug] = c.votes;
      each(box, '[data-live-row="' + c.slug + '"]', function (row) {
        updateRow(row, c);
      });
    });
    each(box, "[data-live-votes]", function (el) {
      el.textContent = number(votesOf[el.getAttribute("data-live-votes")]);
    });
    var units = {};
    data.units.forEach(function (u) {
      var votes = {};
      var total = 0;
      (u.votes || []).forEach(function (v) {
        votes[v.candidate] = v.votes;
        total += v.votes;
      });
      units[u.id] = { unit: u, votes: u.votes ? votes : null, total: total };
    });
    each(box, "[data-live-cell]", function (el) {
      var key = el.getAttribute("data-live-cell").split(":");
      var entry = units[key[1]];
      el.textContent = number(entry && entry.votes ? entry.votes[key[0]] : null);
    });
    each(box, "[data-live-unit]", function (el) {
      var key = el.getAttribute("data-live-unit").split(":");
      var entry = units[key[0]];
      if (!entry) return;
      if (key[1] === "total") el.textContent = number(entry.total);
      else if (key[1] === "precincts") el.textContent = entry.unit.precincts;
      else if (key[1] === "named") el.textContent = entry.unit.name + " " + entry.unit.precincts;
      else if (key[1] === "as_of") {
        el.textContent = entry.unit.as_of;
        el.classList.toggle("county-status--quiet", entry.unit.quiet);
      }
    });
    if (announcer && display.announce && display.announce !== box.getAttribute("data-live-said")) {
      box.setAttribute("data-live-said", display.announce);
      announcer.textContent = display.announce;
    }
  }

  function watch(box) {
    var state = { etag: null, refresh: Number(box.getAttribute("data-live-refresh")), failures: 0 };
    var timer = null;

    function schedule(seconds) {
      clearTimeout(timer);
      if (!seconds) return;
      timer = setTimeout(poll, seconds * 1000 * (0.8 + Math.random() * 0.4));
    }

    function poll() {
      if (document.visibilityState === "hidden") {
        state.paused = true; // visibilitychange resumes it
        return;
      }
      var headers = state.etag ? { "If-None-Match": state.etag } : {};
      fetch(box.getAttribute("data-live-url"), { headers: headers, cache: "no-store" })
        .then(function (response) {
          if (response.status === 304) return null;
          if (!response.ok) throw new Error(response.status);
          state.etag = response.headers.get("ETag");
          return response.json();
        })
        .then(function (data) {
          if (data) {
            apply(box, data);
            state.refresh = data.refresh;
          }
          state.failures = 0;
          schedule(state.refresh);
        })
        .catch(function () {
          state.failures += 1;
          schedule(Math.min(state.refresh * Math.pow(2, state.failures), 300));
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && state.paused) {
        state.paused = false;
        schedule(1);
      }
    });
    schedule(state.refresh);
  }

  boxes.forEach(watch);
})();
