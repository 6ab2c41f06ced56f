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

// Search: Pagefind's own UI (translated into the page's language by Pagefind), in the
// header and on /<lang>/search/. Keyboard: "/" focuses the box, arrows move through the
// results, Enter opens one, Escape clears and closes.
(function () {
  "use strict";
  if (typeof window.PagefindUI !== "function") return;

  var mount = function (host, opts) {
    var bundle = host.getAttribute("data-bundle");
    host.innerHTML = "";
    var ui = new window.PagefindUI(Object.assign({
      element: host,
      bundlePath: bundle,
      showSubResults: true,
      showImages: false,
      resetStyles: false,
      debounceTimeoutMs: 150
    }, opts || {}));
    return ui;
  };

  var resultLinks = function (host) {
    return Array.prototype.slice.call(host.querySelectorAll("a.pagefind-ui__result-link"));
  };

  var wireKeys = function (host, ui, closes) {
    host.addEventListener("keydown", function (ev) {
      var input = host.querySelector("input.pagefind-ui__search-input");
      var links = resultLinks(host);
      var i = links.indexOf(document.activeElement);
      if (ev.key === "ArrowDown" && links.length) {
        ev.preventDefault();
        links[i < 0 ? 0 : Math.min(i + 1, links.length - 1)].focus();
      } else if (ev.key === "ArrowUp" && i >= 0) {
        ev.preventDefault();
        if (i === 0 && input) input.focus(); else links[i - 1].focus();
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        if (input) { input.value = ""; }
        ui.triggerSearch("");
        if (closes) { host.classList.remove("is-open"); if (input) input.blur(); }
        else if (input) input.focus();
      }
    });
  };

  var header = document.querySelector("[data-search]");
  if (header) {
    var ui = mount(header);
    header.classList.add("is-ready");
    wireKeys(header, ui, true);
    header.addEventListener("input", function () {
      var input = header.querySelector("input.pagefind-ui__search-input");
      header.classList.toggle("is-open", !!(input && input.value.trim()));
    });
    document.addEventListener("click", function (ev) {
      if (!header.contains(ev.target)) header.classList.remove("is-open");
    });
    header.addEventListener("focusin", function () {
      var input = header.querySelector("input.pagefind-ui__search-input");
      if (input && input.value.trim()) header.classList.add("is-open");
    });
  }

  var page = document.querySelector("[data-search-page]");
  if (page) {
    var pageUi = mount(page, { autofocus: true });
    wireKeys(page, pageUi, false);
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) pageUi.triggerSearch(q);
    page.addEventListener("input", function (ev) {
      if (!ev.target.matches("input.pagefind-ui__search-input")) return;
      var url = new URL(window.location.href);
      if (ev.target.value) url.searchParams.set("q", ev.target.value); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url.toString());
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var host = page || header;
    var input = host && host.querySelector("input.pagefind-ui__search-input");
    if (input) { ev.preventDefault(); input.focus(); }
  });
})();

// Arriving from the language switcher on a page not translated into this language.
(function () {
  "use strict";
  if (!/[?&]untranslated\b/.test(window.location.search)) return;
  var n = document.querySelector("[data-untranslated-notice]");
  if (n) n.hidden = false;
})();
