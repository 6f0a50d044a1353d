// The results grid (admin/candidates/race/results_grid.html): row, county and grand totals
// follow the figures as they are typed, and a moment later the server says what readers would
// see (outcomes, the majority sentence: candidates/results.py, the one home of those rules)
// through .../results/check/, which writes nothing. Without this script "Check totals" does
// the same with a page load. Nothing here saves: publishing goes through the confirmation page.
(function () {
  "use strict";
  var form = document.getElementById("results-grid");
  if (!form) return;
  var preview = document.getElementById("results-preview");
  var markFinal = document.getElementById("results-mark-final");
  var markFinalHelp = document.getElementById("results-mark-final-help");
  var timer = null;
  var asked = 0;

  function count(input) {
    var value = input.value.trim();
    return /^[0-9]+$/.test(value) ? parseInt(value, 10) : 0;
  }

  function format(number) {
    return number.toLocaleString("en-US");
  }

  function recount() {
    var columns = [];
    var grand = 0;
    form.querySelectorAll("tr[data-grid-row]").forEach(function (row) {
      var total = 0;
      row.querySelectorAll("td[data-grid-column]").forEach(function (cell) {
        var input = cell.querySelector("input");
        var votes = input ? count(input) : 0;
        var column = parseInt(cell.getAttribute("data-grid-column"), 10);
        columns[column] = (columns[column] || 0) + votes;
        total += votes;
      });
      row.querySelector("[data-row-total]").textContent = format(total);
      grand += total;
    });
    form.querySelectorAll("[data-column-total]").forEach(function (cell) {
      var column = parseInt(cell.getAttribute("data-column-total"), 10);
      cell.textContent = format(columns[column] || 0);
    });
    form.querySelector("[data-grand-total]").textContent = format(grand);
  }

  function showFinalOffer(ready) {
    if (markFinal) markFinal.hidden = !ready;
    if (markFinalHelp) markFinalHelp.hidden = !ready;
  }

  function check() {
    var mine = ++asked;
    fetch(form.getAttribute("data-check-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (!answer || mine !== asked) return; // a newer check is on its way
        if (answer.errors.length) {
          preview.textContent = "Not checked: " + answer.errors.join(" ");
        } else {
          preview.innerHTML = answer.table; // rendered and escaped by the server's template
        }
        showFinalOffer(answer.final_ready);
      })
      .catch(function () {
        /* offline or signed out: "Check totals" still works */
      });
  }

  function changed() {
    recount();
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  recount();
})();
