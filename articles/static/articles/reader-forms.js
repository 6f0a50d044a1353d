// Readers' forms (comments, questions: templates/articles/includes/comment_form.html and
// event_question_form.html), on pages cached and shared between readers:
// - the signed form time: the cached page carries none, so when the reader starts on the form
//   this asks data-token-url (never cached) for a fresh one (articles/comments.py). A form
//   drawn again after a post already has one and keeps it. Without this script the first
//   post comes back asking the reader to confirm, with a fresh time.
// - a character counter under the text box, against its maxlength (the server checks too).
// Nothing here is needed to read the page or to post.
(function () {
  "use strict";

  function fetchToken(form) {
    var field = form.querySelector('input[name="form_token"]');
    if (!field || field.value || form.hasAttribute("data-token-asked")) return;
    form.setAttribute("data-token-asked", "");
    fetch(form.getAttribute("data-token-url"), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && answer.token && !field.value) field.value = answer.token;
      })
      .catch(function () {
        form.removeAttribute("data-token-asked"); // try again on the next focus
      });
  }

  function counter(form) {
    var note = form.querySelector("[data-count-for]");
    var box = note && document.getElementById(note.getAttribute("data-count-for"));
    if (!box || !box.maxLength || box.maxLength < 0) return;
    var limit = box.maxLength;
    function update() {
      var used = box.value.length;
      note.textContent =
        used.toLocaleString("en-US") + " of " + limit.toLocaleString("en-US") + " characters";
      note.classList.toggle("reader-form__count--near", used > limit * 0.9);
    }
    box.addEventListener("input", update);
    if (box.value) update();
  }

  document.querySelectorAll("form[data-token-url]").forEach(function (form) {
    if (form.hasAttribute("data-reader-form")) return; // the script is on the page twice
    form.setAttribute("data-reader-form", "");
    form.addEventListener("focusin", function () {
      fetchToken(form);
    });
    counter(form);
  });
})();
