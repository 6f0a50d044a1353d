/*
 * The article form's helpers (articles/admin.py, ArticleAdmin.Media); CSP-clean, no library.
 * Nothing here is needed to write, save or publish: without it the form works as before.
 *
 * - Word counts come from civicsite/core/static/core/word_count.js, loaded beside this.
 * - Tag suggestions: the tags input's datalist follows the last tag after a comma.
 * - Autosave: the form's fields are kept in this browser (localStorage) every few seconds
 *   while the editor types; opened again with unsaved changes, the form offers "Restore
 *   unsaved changes from <time>". A save that the admin confirms clears them.
 */
(function () {
  "use strict";

  function tagSuggestions(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var names = Array.prototype.map.call(list.options, function (option) { return option.value; });
    input.addEventListener("input", function () {
      var cut = input.value.lastIndexOf(",");
      var before = cut < 0 ? "" : input.value.slice(0, cut + 1) + " ";
      var typed = input.value.slice(cut + 1).trim().toLowerCase();
      var chosen = before.toLowerCase();
      list.replaceChildren.apply(list, names.filter(function (name) {
        return name.toLowerCase().indexOf(typed) === 0 && chosen.indexOf(name.toLowerCase()) < 0;
      }).slice(0, 50).map(function (name) {
        var option = document.createElement("option");
        option.value = before + name;
        return option;
      }));
    });
  }

  // --- Autosave -----------------------------------------------------------------------------

  var PREFIX = "civicsite:autosave:";
  var EVERY_MS = 5000;

  function savedFields(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") { return; }
      if (/^(hidden|file|submit|button|password)$/.test(field.type)) { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.type === "radio" && !field.checked) { return; }
        values[field.name] = field.type === "checkbox" ? field.checked : field.value;
      } else if (field.multiple) {
        values[field.name] = Array.prototype.filter.call(field.options, function (o) {
          return o.selected;
        }).map(function (o) { return o.value; });
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    Object.keys(values).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field || field instanceof RadioNodeList) { return; }
      if (field.type === "checkbox") {
        field.checked = values[name];
      } else if (field.multiple) {
        Array.prototype.forEach.call(field.options, function (o) {
          o.selected = values[name].indexOf(o.value) >= 0;
        });
      } else if (field.tagName !== "SELECT" || field.querySelector(
        'option[value="' + CSS.escape(values[name]) + '"]')) {
        field.value = values[name];
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function read(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function write(key, draft) {
    try { window.localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* full */ }
  }

  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
  }

  function sameValues(a, b) {
    return Object.keys(a).every(function (name) {
      return JSON.stringify(a[name]) === JSON.stringify(b[name]);
    });
  }

  function autosave(form, notice) {
    var key = PREFIX + window.location.pathname;
    var refused = document.querySelector(".errornote");
    var draft = read(key);
    var loaded = savedFields(form);
    if (draft && !refused && !sameValues(draft.values, loaded)) {
      var time = new Date(draft.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      var restoreButton = document.createElement("button");
      restoreButton.type = "button";
      restoreButton.textContent = "Restore unsaved changes from " + time;
      var discardButton = document.createElement("button");
      discardButton.type = "button";
      discardButton.textContent = "Discard them";
      var text = document.createElement("p");
      text.textContent = "This browser kept changes to this form that were not saved.";
      notice.replaceChildren(text, restoreButton, " ", discardButton);
      notice.hidden = false;
      restoreButton.addEventListener("click", function () {
        restore(form, draft.values);
        notice.hidden = true;
      });
      discardButton.addEventListener("click", function () {
        forget(key);
        notice.hidden = true;
      });
    }
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    window.setInterval(function () {
      if (!dirty) { return; }
      dirty = false;
      write(key, { at: Date.now(), values: savedFields(form), submitted: false });
    }, EVERY_MS);
    form.addEventListener("submit", function () {
      write(key, { at: Date.now(), values: savedFields(form), submitted: true });
    });
  }

  function clearConfirmedDrafts() {
    // The admin confirms a save with a success message on the page it goes to next (this
    // form again, or the list): the draft that was submitted is saved, wherever it came from
    // (an add form's draft is confirmed on the change form or the list).
    if (!document.querySelector(".messagelist .success") || document.querySelector(".errornote")) {
      return;
    }
    try {
      Object.keys(window.localStorage).forEach(function (key) {
        var draft = key.indexOf(PREFIX) === 0 && read(key);
        if (draft && draft.submitted) { forget(key); }
      });
    } catch (e) { /* storage unavailable */ }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[list][name$='tags']").forEach(tagSuggestions);
    clearConfirmedDrafts();
    var notice = document.querySelector("[data-autosave-notice]");
    var form = notice && notice.closest("form");
    if (form) { autosave(form, notice); }
  });
})();
