// waypost default theme: theme toggle, language memory, root language chooser.
// No dependencies, no network requests; everything works without it too.
(function () {
  "use strict";
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  };

  // Remember an explicit language choice (switcher or chooser link).
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-lang-choice]");
    if (a) store.set("waypost-lang", a.getAttribute("data-lang-choice"));
  });

  // The root page sends the visitor to the best language: an earlier explicit choice,
  // else the first of the browser's languages we have (exact tag, then primary subtag).
  var chooser = document.querySelector("[data-language-chooser]");
  if (chooser) {
    var links = Array.prototype.slice.call(chooser.querySelectorAll("a[data-lang-choice]"));
    var byCode = {};
    links.forEach(function (a) { byCode[a.getAttribute("data-lang-choice").toLowerCase()] = a.getAttribute("href"); });
    var pick = function (tag) {
      if (!tag) return null;
      tag = tag.toLowerCase();
      if (byCode[tag]) return byCode[tag];
      var primary = tag.split("-")[0];
      if (byCode[primary]) return byCode[primary];
      for (var code in byCode) { if (code.split("-")[0] === primary) return byCode[code]; }
      return null;
    };
    var target = pick(store.get("waypost-lang"));
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; !target && i < prefs.length; i++) target = pick(prefs[i]);
    if (target) window.location.replace(target);
  }

  // Light/dark toggle: follows the system until the reader chooses, then remembers.
  var root = document.documentElement;
  var toggle = document.querySelector("[data-theme-toggle]");
  if (toggle) {
    toggle.hidden = false;
    var current = function () {
      return root.dataset.theme || (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    };
    var sync = function () { toggle.setAttribute("aria-pressed", current() === "dark" ? "true" : "false"); };
    sync();
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      store.set("waypost-theme", next);
      sync();
    });
  }
})();
