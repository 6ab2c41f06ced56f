// waypost default theme, the parts only some readers use (fetched by waypost.js when
// wanted): the footer's control that saves a language for offline reading, and the marks
// on the words of the search that opened the page.
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var $ = function (sel, el) { return (el || doc).querySelector(sel); };

  // The footer's "save these guides" control, wired once `action` asks for it: "start"
  // (the reader clicked it) or "saved" (a copy is stored: show it, and sync it). It
  // fetches the language's list first to show the size, then the worker stores every
  // file and reports progress; `data-offline-state` is idle, confirm, saving, saved or
  // failed.
  var offline = function (saver, sw, action) {
    var lang = saver.getAttribute("data-lang");
    var part = function (sel) { return $(sel, saver); };
    var status = part("[data-offline-status]"), bar = part("[data-offline-progress]");
    var buttons = { start: part("[data-offline-start]"), confirm: part("[data-offline-confirm]"),
      cancel: part("[data-offline-cancel]"), remove: part("[data-offline-remove]") };
    var size = function (n) {
      var units = ["B", "KB", "MB", "GB"], i = 0;
      while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
      var num = new Intl.NumberFormat(root.lang, { maximumFractionDigits: n < 10 && i > 0 ? 1 : 0 }).format(n);
      return num + "\u00a0" + units[i];
    };
    var say = function (key, values) {
      var text = saver.getAttribute("data-" + key) || "";
      for (var k in values) text = text.split("{" + k + "}").join(values[k]);
      status.textContent = text;
    };
    var state = function (s) {
      saver.setAttribute("data-offline-state", s);
      buttons.start.hidden = s !== "idle" && s !== "failed";
      buttons.confirm.hidden = buttons.cancel.hidden = s !== "confirm";
      buttons.remove.hidden = s !== "saved";
      bar.hidden = s !== "saving";
      if (s === "idle") status.textContent = "";
    };
    var total = 0;
    var post = function (message) {
      return sw.ready.then(function (reg) { message.lang = lang; reg.active.postMessage(message); });
    };
    sw.addEventListener("message", function (ev) {
      var m = ev.data || {};
      if (m.lang !== lang) return;
      if (m.type === "offline-progress") {
        if (saver.getAttribute("data-offline-state") !== "saving") state("saving");
        bar.max = m.total; bar.value = m.done;
        say("progress", { done: size(m.done), total: size(m.total) });
      } else if (m.type === "offline-saved") {
        state("saved"); say("saved", { size: size(m.bytes) });
      } else if (m.type === "offline-removed") {
        state("idle");
      } else if (m.type === "offline-error") {
        state("failed"); say("failed", {});
      }
    });
    var start = function () {
      fetch(saver.getAttribute("data-manifest"), { cache: "no-store" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (m) { total = m.bytes; state("confirm"); say("confirm", { size: size(total) }); buttons.confirm.focus(); })
        .catch(function () { state("failed"); say("failed", {}); });
    };
    buttons.start.addEventListener("click", start);
    buttons.cancel.addEventListener("click", function () { state("idle"); buttons.start.focus(); });
    buttons.confirm.addEventListener("click", function () {
      state("saving"); bar.max = total || 1; bar.value = 0;
      say("progress", { done: size(0), total: size(total) });
      post({ type: "offline-save" });
    });
    buttons.remove.addEventListener("click", function () { post({ type: "offline-remove" }); buttons.start.focus(); });
    if (action === "start") { start(); return; }
    caches.keys().then(function (names) {
      var mine = names.filter(function (n) { return n.indexOf("waypost-saved-" + lang + "-") === 0; });
      return Promise.all(mine.map(function (n) {
        return caches.open(n).then(function (c) { return c.match(saver.getAttribute("data-manifest")); });
      }));
    }).then(function (found) {
      var hit = found.filter(Boolean)[0];
      if (!hit) { state("idle"); return; }
      return hit.json().then(function (m) { state("saved"); say("saved", { size: size(m.bytes) }); post({ type: "offline-sync" }); });
    }).catch(function () { state("idle"); });
  };

  // A page opened from a search result (`?highlight=<query>`) marks the query's words in
  // its text — case-, accent- and width-insensitively (`linea` marks `línea`, `ｅＳＩＭ`
  // `eSIM`), whole runs in Chinese, Japanese and Thai — scrolls to the first one unless a
  // heading was asked for (`#anchor`), and offers to clear them.
  var highlight = function (hl, article) {
    var fold = function (c) { return c.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); };
    var words = hl.split(/\s+/).map(function (w) { return w.split("").map(fold).join(""); })
      .filter(function (w) { return w.length > 1 || /[^\u0000-\u024f]/.test(w); })
      .sort(function (a, b) { return b.length - a.length; });
    var marks = [];
    var walker = doc.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) { return n.parentNode.closest("script, style, mark, .heading-anchor") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT; }
    });
    var nodes = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
    nodes.forEach(function (node) {
      // The folded text, and where each of its characters came from.
      var text = node.nodeValue, folded = "", from = [];
      for (var i = 0; i < text.length; i++) {
        var f = fold(text[i]);
        for (var j = 0; j < f.length; j++) { folded += f[j]; from.push(i); }
      }
      from.push(text.length);
      var found = [];
      for (var at = 0; at < folded.length;) {
        var best = -1, len = 0;
        words.forEach(function (w) {
          var k = folded.indexOf(w, at);
          if (k >= 0 && (best < 0 || k < best)) { best = k; len = w.length; }
        });
        if (best < 0) break;
        found.push([from[best], from[best + len]]);
        at = best + len;
      }
      // From the last match back, so that the offsets before it stay right.
      var here = [];
      for (var m = found.length - 1; m >= 0; m--) {
        var hit = node.splitText(found[m][0]);
        hit.splitText(found[m][1] - found[m][0]);
        var mark = doc.createElement("mark");
        mark.className = "search-hit";
        hit.parentNode.replaceChild(mark, hit);
        mark.appendChild(hit);
        here.unshift(mark);
      }
      marks = marks.concat(here);
    });
    if (marks.length) {
      var bar = doc.createElement("p");
      bar.className = "search-hits";
      bar.setAttribute("data-search-hits", String(marks.length));
      var clear = doc.createElement("button");
      clear.type = "button";
      clear.setAttribute("data-highlight-clear", "");
      clear.textContent = root.getAttribute("data-clear-highlight") || "×";
      bar.appendChild(clear);
      article.parentNode.insertBefore(bar, article);
      clear.addEventListener("click", function () {
        marks.forEach(function (mk) { var p = mk.parentNode; if (!p) return; p.replaceChild(mk.firstChild, mk); p.normalize(); });
        bar.remove();
        try {
          var u = new URL(location.href);
          u.searchParams.delete("highlight");
          history.replaceState(history.state, "", u.pathname + u.search + u.hash);
        } catch (e) { /* an old browser keeps the address */ }
      });
      if (!location.hash) marks[0].scrollIntoView({ block: "center" });
    }
  };

  window.waypostMore = { offline: offline, highlight: highlight };
})();
