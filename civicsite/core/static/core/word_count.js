/*
 * Live word counts (issue 18), CSP-clean, no library: under every textarea with
 * data-word-count (the article body) or data-word-limit (voter-guide answers), "123 words"
 * or "123 of 150 words", marked once over the limit. The limit is also checked on the server
 * (candidates/guides.py, word_limit_error); this only shows it while typing. Words are
 * counted as candidates/guides.py count_words counts them: a Markdown link counts as its
 * text, and a token counts when it has a letter or a digit.
 */
(function () {
  "use strict";

  var WORD = /[\p{L}\p{N}]/u;
  var MARKDOWN_LINK = /!?\[([^\]]*)\]\([^)]*\)/g;

  function countWords(text) {
    return text.replace(MARKDOWN_LINK, " $1 ").split(/\s+/).filter(function (token) {
      return WORD.test(token);
    }).length;
  }

  function wordCounter(textarea) {
    var limit = parseInt(textarea.dataset.wordLimit || "", 10);
    var output = document.createElement("p");
    output.className = "word-count help";
    output.id = (textarea.id || textarea.name) + "-word-count";
    output.setAttribute("aria-live", "polite");
    // Under the field's row (the admin lays the label and the field out side by side).
    (textarea.closest(".flex-container") || textarea).insertAdjacentElement("afterend", output);
    var described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + output.id);
    function update() {
      var words = countWords(textarea.value);
      var text = words.toLocaleString() + (words === 1 ? " word" : " words");
      if (limit > 0) {
        text = words.toLocaleString() + " of " + limit.toLocaleString() + " words";
        if (words > limit) {
          text += ": " + (words - limit).toLocaleString() + " over the limit";
        }
      }
      output.textContent = text;
      output.classList.toggle("word-count--over", limit > 0 && words > limit);
    }
    textarea.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-word-count], textarea[data-word-limit]")
      .forEach(wordCounter);
  });
})();
