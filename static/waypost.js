// waypost default theme: theme toggle, language memory and menu, the root language
// chooser, the sidebar drawer, "On this page" highlighting and search. No dependencies;
// Pagefind's search library is fetched the first time search is used. Every page reads
// the same without this file.
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var $ = function (sel, el) { return (el || doc).querySelector(sel); };
  var $$ = function (sel, el) { return Array.prototype.slice.call((el || doc).querySelectorAll(sel)); };
  var store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  };

  // Remember an explicit language choice (switcher or chooser link).
  doc.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-lang-choice]");
    if (a) store.set("waypost-lang", a.getAttribute("data-lang-choice"));
  });

  // The root page sends the visitor to the best language: an earlier explicit choice,
  // else the first of the browser's languages we have (exact tag, then primary subtag).
  var chooser = $("[data-language-chooser]");
  if (chooser) {
    var byCode = {};
    $$("a[data-lang-choice]", chooser).forEach(function (a) { byCode[a.getAttribute("data-lang-choice").toLowerCase()] = a.getAttribute("href"); });
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
  var toggles = $$("[data-theme-toggle]");
  var current = function () {
    return root.dataset.theme || (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  };
  var syncToggles = function () {
    toggles.forEach(function (t) { t.setAttribute("aria-pressed", current() === "dark" ? "true" : "false"); });
  };
  toggles.forEach(function (t) {
    t.hidden = false;
    t.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      store.set("waypost-theme", next);
      syncToggles();
    });
  });
  syncToggles();

  // Language menu (a <details>): closes on a click elsewhere and on Escape.
  var langMenu = $("[data-lang-menu]");
  if (langMenu) {
    doc.addEventListener("click", function (ev) {
      if (langMenu.open && !langMenu.contains(ev.target)) langMenu.open = false;
    });
    langMenu.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && langMenu.open) { ev.preventDefault(); langMenu.open = false; $("summary", langMenu).focus(); }
    });
  }

  // Sidebar: a drawer below 1100 px, opened by the menu button (a link to #sidebar
  // without JavaScript); sections fold open and shut.
  var menuButton = $("[data-menu-toggle]");
  var sidebar = $("[data-sidebar]");
  if (menuButton && sidebar) {
    var setMenu = function (open, focusBack) {
      root.classList.toggle("menu-open", open);
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var first = $("a[aria-current='page'], a", sidebar); if (first) first.focus(); }
      else if (focusBack) menuButton.focus();
    };
    menuButton.setAttribute("role", "button");
    menuButton.setAttribute("aria-expanded", "false");
    menuButton.addEventListener("click", function (ev) {
      ev.preventDefault();
      setMenu(!root.classList.contains("menu-open"), false);
    });
    doc.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && root.classList.contains("menu-open")) setMenu(false, true);
    });
    doc.addEventListener("click", function (ev) {
      if (root.classList.contains("menu-open") && !sidebar.contains(ev.target) && !menuButton.contains(ev.target)) setMenu(false, false);
    });
  }
  $$("[data-nav-expand]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var group = b.closest(".nav-group");
      var open = !group.classList.contains("is-open");
      group.classList.toggle("is-open", open);
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
  var currentLink = sidebar && $("a[aria-current='page']", sidebar);
  if (currentLink && sidebar.scrollHeight > sidebar.clientHeight) {
    var r = currentLink.getBoundingClientRect(), s = sidebar.getBoundingClientRect();
    if (r.bottom > s.bottom) sidebar.scrollTop += r.top - s.top - s.height / 3;
  }

  // "On this page": open beside the text on wide screens; the heading being read is
  // marked as the reader scrolls.
  var toc = $("[data-toc]");
  if (toc) {
    var wide = window.matchMedia("(min-width: 68.75rem)");
    var syncToc = function () { if (wide.matches) toc.open = true; };
    syncToc();
    if (wide.addEventListener) wide.addEventListener("change", syncToc);
    var links = $$("a[href^='#']", toc);
    var targets = links.map(function (a) {
      try { return doc.getElementById(decodeURIComponent(a.getAttribute("href").slice(1))); } catch (e) { return null; }
    });
    var marked = null, ticking = false;
    var spy = function () {
      ticking = false;
      var offset = ($(".site-header") || root).getBoundingClientRect().height + 24;
      var at = 0;
      for (var i = 0; i < targets.length; i++) {
        if (targets[i] && targets[i].getBoundingClientRect().top <= offset) at = i;
      }
      if (window.innerHeight + window.scrollY >= root.scrollHeight - 4) {
        for (var j = targets.length - 1; j > at; j--) {
          if (targets[j] && targets[j].getBoundingClientRect().top < window.innerHeight) { at = j; break; }
        }
      }
      var link = links[at];
      if (link === marked) return;
      if (marked) marked.removeAttribute("aria-current");
      if (link) link.setAttribute("aria-current", "true");
      marked = link;
    };
    window.addEventListener("scroll", function () { if (!ticking) { ticking = true; requestAnimationFrame(spy); } }, { passive: true });
    spy();
  }

  // Arriving from the language switcher on a page not translated into this language.
  if (/[?&]untranslated\b/.test(window.location.search)) {
    var n = $("[data-untranslated-notice]");
    if (n) n.hidden = false;
  }

  // Search, with Pagefind's library (not its UI), loaded on first use: the header button,
  // "/" or Ctrl/⌘-K open an overlay; on /<lang>/search/ the page's own box. Results come
  // first, filters behind "Filters" on narrow screens; Enter opens the selected result or
  // the first; arrows move through results; Escape closes and gives focus back.
  var dialog = $("[data-search-dialog]");
  var pagePanel = $("[data-search-page]");
  if (!dialog && !pagePanel) return;
  var engines = {};
  // Ranking (with the index's weights, src/search/mod.rs): a query that is a page's whole
  // title matches that page's title key exactly; termSimilarity 10 makes an exact word
  // count about 16 times a word one letter longer (`gitk` for `git`), and body words,
  // weighted low in the index, stay below BM25's saturation (termSaturation 2, its most)
  // so that many mentions of `git` on a short page do not catch up. pageLength 0.3: a
  // long page is penalised less. In Chinese, Japanese and Thai a query is one run of
  // text that rarely equals an indexed word (the index is segmented, the query is not),
  // so there word length must not count: Pagefind's defaults.
  var unspacedLang = function (code) { return /^(zh|ja|th)\b/i.test(code || ""); };
  var ownLang = doc.documentElement.lang || "";
  var segmented = unspacedLang(ownLang);
  // Each bundle is searched with its own language's ranking: the overlay of a Chinese
  // page may also search the English bundle (results in other languages, below).
  var engine = function (bundle, code) {
    if (!engines[bundle]) {
      var ranking = unspacedLang(code) ? {} : { termSimilarity: 10, termSaturation: 2, pageLength: 0.3 };
      engines[bundle] = import(bundle + "pagefind.js").then(function (pf) {
        return Promise.resolve(pf.options({ excerptLength: 22, ranking: ranking })).then(function () { pf.init(); return pf; });
      });
    }
    return engines[bundle];
  };
  var esc = function (s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  };
  // Pagefind's excerpts are escaped text with <mark> around matches.
  var excerpt = function (s) {
    return esc(s || "").replace(/&#60;mark&#62;/g, "<mark>").replace(/&#60;\/mark&#62;/g, "</mark>");
  };
  // In Chinese, Japanese and Thai Pagefind marks the index's segments: 二维码 comes out as
  // 二, 维 and 码 marked one by one (and any word holding one of them), and its excerpt
  // may miss the match. There the theme marks what was typed instead: each word of the
  // query, where it occurs whole, as one <mark>; the page's excerpt is moved to the first
  // occurrence when Pagefind's has none.
  var typedWords = function (term) {
    return term.toLowerCase().split(/\s+/).filter(Boolean).sort(function (a, b) { return b.length - a.length; });
  };
  var plain = function (s) {
    return String(s || "").replace(/<\/?mark>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  };
  var markTyped = function (text, words) {
    var lower = text.toLowerCase(), html = "", i = 0;
    while (i < text.length) {
      var next = -1, len = 0;
      words.forEach(function (w) {
        var at = lower.indexOf(w, i);
        if (at >= 0 && (next < 0 || at < next || (at === next && w.length > len))) { next = at; len = w.length; }
      });
      if (next < 0) break;
      html += esc(text.slice(i, next)) + "<mark>" + esc(text.slice(next, next + len)) + "</mark>";
      i = next + len;
    }
    return html + esc(text.slice(i));
  };
  var hasTyped = function (text, words) {
    var lower = text.toLowerCase();
    return words.some(function (w) { return lower.indexOf(w) >= 0; });
  };
  var SEGMENTED_EXCERPT = 60; // characters
  var segmentedExcerpt = function (pagefindExcerpt, content, words) {
    var text = plain(pagefindExcerpt);
    if (hasTyped(text, words) || !content) return markTyped(text, words);
    var lower = content.toLowerCase(), at = -1;
    words.forEach(function (w) { var i = lower.indexOf(w); if (i >= 0 && (at < 0 || i < at)) at = i; });
    if (at < 0) return markTyped(text, words);
    var start = Math.max(0, at - SEGMENTED_EXCERPT / 3), end = Math.min(content.length, start + SEGMENTED_EXCERPT);
    return (start > 0 ? "… " : "") + markTyped(content.slice(start, end).trim(), words) + (end < content.length ? " …" : "");
  };

  // Pagefind scores words, not sentences: a query that is a page's whole title, or its
  // whole description (pasted from a result or a chat), comes first, then pages whose
  // title or description holds the query as a phrase; otherwise Pagefind's order stays.
  // Compared without case, accents, width or punctuation (and without spaces in
  // Chinese, Japanese and Thai).
  var fold = function (s) { return String(s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); };
  var squash = function (s, seg) { return fold(s).replace(/[\s\p{P}\p{S}]+/gu, seg ? "" : " ").trim(); };
  var rerank = function (items, term, seg) {
    var q = squash(term, seg);
    if (!q) return items;
    var phrase = seg || q.indexOf(" ") > 0;
    var holds = function (text) { return phrase && (" " + text + " ").indexOf(seg ? q : " " + q + " ") >= 0; };
    var tier = function (d) {
      var meta = d.meta || {}, title = squash(meta.title, seg), description = squash(meta.description, seg);
      if (title === q) return 0;
      if (description === q) return 1;
      if (holds(title)) return 2;
      if (holds(description)) return 3;
      return 4;
    };
    return items.map(function (d, i) { return { d: d, i: i, t: tier(d) }; })
      .sort(function (a, b) { return a.t - b.t || a.i - b.i; })
      .map(function (x) { return x.d; });
  };

  // A query's text key: `wpk` and the FNV-1a hash of its letters and digits,
  // lower-cased one by one — the word each page is indexed with for its whole title and
  // description in Chinese, Japanese and Thai (`text_key` in src/search/document.rs).
  // Searched exactly beside the query, it finds the page whose whole title or
  // description was typed, though Pagefind splits such a query into words.
  var textKey = function (term) {
    var key = Array.from(String(term || "")).filter(function (c) { return /[\p{Alphabetic}\p{N}]/u.test(c); })
      .map(function (c) { return c.toLowerCase(); }).join("");
    if (!key) return null;
    var bytes = new TextEncoder().encode(key), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return "wpk" + ("0000000" + h.toString(16)).slice(-8);
  };
  // The exact search of `term`'s text key, in a language whose pages have text keys
  // (`code`: Chinese, Japanese, Thai); null elsewhere.
  var keySearch = function (pf, term, options, code) {
    var key = unspacedLang(code) && textKey(term);
    return key ? pf.search("\"" + key + "\"", options) : null;
  };
  // Pagefind's results for `term` with the pages of its text key first.
  var withKey = function (pf, term, options, code) {
    return Promise.all([pf.search(term, options), keySearch(pf, term, options, code)]).then(function (rs) {
      return merged(rs[0], rs[1]);
    });
  };
  var merged = function (r, keyed) {
    if (!r || !keyed || !keyed.results.length) return r;
    var seen = {};
    keyed.results.forEach(function (x) { seen[x.id] = true; });
    return { results: keyed.results.concat(r.results.filter(function (x) { return !seen[x.id]; })) };
  };

  // Typo tolerance: when a search finds nothing, each word of the query that no indexed
  // word starts with is replaced by the closest word of the language's pages
  // (`waypost-words.txt` beside the bundle, most used first; src/search/words.rs): at
  // most one edit (a letter added, dropped, changed, or two swapped) for a word of up to
  // seven letters, two for a longer one, compared without case or accents. Words of
  // fewer than four letters, and words in Chinese, Japanese, Korean or Thai (where the
  // index is segmented), are left as typed. The list is fetched once a bundle.
  var UNSPACED = /[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u1100-\u11ff\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff65-\uffdc]|[\ud840-\ud8bf][\udc00-\udfff]/;
  var vocabularies = {};
  var vocabulary = function (bundle) {
    if (!vocabularies[bundle]) {
      vocabularies[bundle] = fetch(bundle + "waypost-words.txt")
        .then(function (r) { return r.ok ? r.text() : ""; })
        .catch(function () { return ""; })
        .then(function (t) {
          var words = t.split("\n").filter(Boolean);
          return { words: words, folded: words.map(fold) };
        });
    }
    return vocabularies[bundle];
  };
  // Optimal string alignment distance of a and b, or max + 1 once it exceeds max.
  var distance = function (a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var before = null, prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var low = i;
      for (j = 1; j <= b.length; j++) {
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (before && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2] + 1);
        cur[j] = v;
        if (v < low) low = v;
      }
      if (low > max) return max + 1;
      before = prev;
      prev = cur;
    }
    return prev[b.length];
  };
  var closest = function (word, vocab) {
    var w = word.toLowerCase(), f = fold(word), i;
    if (!correctable(w)) return null;
    for (i = 0; i < vocab.words.length; i++) if (vocab.words[i].indexOf(w) === 0) return null;
    var max = Array.from(f).length > 7 ? 2 : 1, best = max + 1, pick = null;
    for (i = 0; i < vocab.folded.length && best > 0; i++) {
      var d = distance(f, vocab.folded[i], best - 1);
      if (d < best) { best = d; pick = vocab.words[i]; }
    }
    return best <= max ? pick : null;
  };
  // The words of a query that can be corrected (see above).
  var correctable = function (word) { return Array.from(word).length >= 4 && !UNSPACED.test(word); };
  // The query with its words in `only` (every word when null) corrected from `bundle`'s
  // list where no listed word starts with them, or null if none was.
  var corrected = function (term, bundle, only) {
    return vocabulary(bundle).then(function (vocab) {
      var changed = false;
      var out = term.split(/(\s+)/).map(function (part) {
        if (!part.trim() || (only && only.indexOf(part) < 0)) return part;
        var fixed = closest(part, vocab);
        if (fixed && fixed !== part.toLowerCase()) { changed = true; return fixed; }
        return part;
      }).join("");
      return changed ? out : null;
    });
  };
  // Pagefind ranks pages that have any of a query's words, and for a word it cannot find
  // it falls back to shorter prefixes (`idemtidad` finds `ID`): results do not mean
  // every word was found. A word counts as found when a result's text has a word that
  // shares its first letters (seven in ten, at least four, as stemming allows:
  // `passports` finds `passport`, `verificaciones` `verificación`); the others are the
  // ones to correct.
  var unmatched = function (term, items) {
    var words = {};
    items.forEach(function (d) {
      (fold((d.meta && d.meta.title || "") + " " + (d.content || "")).match(/[\p{L}\p{N}]+/gu) || []).forEach(function (w) { words[w] = true; });
    });
    var seen = Object.keys(words);
    return term.split(/\s+/).filter(correctable).filter(function (typed) {
      var f = fold(typed), need = Math.max(4, Math.ceil(f.length * 0.7));
      return !seen.some(function (w) {
        var n = 0;
        while (n < w.length && n < f.length && w[n] === f[n]) n++;
        return n >= need || n === f.length;
      });
    });
  };
  // Results in other languages, on a language with untranslated pages (whose search
  // box names the default language's bundle): when the reader's language finds
  // nothing, or fewer than this many pages for a query of a few words, the default
  // language's results follow, labelled. A sentence that found its page does not
  // fetch a second bundle.
  var OTHER_BELOW = 3, OTHER_WORDS = 3;

  var mount = function (host) {
    var bundle = host.getAttribute("data-bundle");
    var input = $("input[type=search]", host);
    var form = $("[data-search-form]", host);
    var status = $(".search-status", host);
    var results = $(".search-results", host);
    var filters = $(".search-filters", host);
    var filtersToggle = $("[data-filters-toggle]", host);
    var chosen = {};
    var pending = null, seq = 0, filtersShown = false;
    var text = function (attr, n) { return (host.getAttribute(attr) || "").replace("{n}", n); };

    var renderFilters = function (pf) {
      if (filtersShown) return;
      filtersShown = true;
      Promise.resolve(pf.filters()).then(function (all) {
        var html = "";
        Object.keys(all || {}).sort().forEach(function (name) {
          var values = Object.keys(all[name]).sort();
          if (!values.length) return;
          html += "<fieldset><legend>" + esc(name) + "</legend>";
          values.forEach(function (v) {
            html += "<label><input type=\"checkbox\" data-filter=\"" + esc(name) + "\" value=\"" + esc(v) + "\"> <span>" +
              esc(v) + "</span> <span class=\"count\">" + all[name][v] + "</span></label>";
          });
          html += "</fieldset>";
        });
        filters.innerHTML = html;
        if (filtersToggle) filtersToggle.hidden = !html;
      });
    };

    // A result opens its page with the query in `?highlight=`, which marks its words there.
    var withTerm = function (url, term) {
      if (!term) return url;
      var cut = url.indexOf("#"), hash = cut >= 0 ? url.slice(cut) : "", path = cut >= 0 ? url.slice(0, cut) : url;
      return path + (path.indexOf("?") >= 0 ? "&" : "?") + "highlight=" + encodeURIComponent(term) + hash;
    };
    // One language's results as a list: `seg` says whether it is written without spaces.
    var list = function (items, term, seg, attrs) {
      var words = seg && term ? typedWords(term) : null;
      var pageExcerpt = function (d) { return words ? segmentedExcerpt(d.excerpt, d.content, words) : excerpt(d.excerpt); };
      var subExcerpt = function (s) { return words ? markTyped(plain(s.excerpt), words) : excerpt(s.excerpt); };
      return "<ol" + (attrs || "") + ">" + items.map(function (d) {
        var subs = (d.sub_results || []).filter(function (s) { return s.url.indexOf("#") > 0 && s.url !== d.url; }).slice(0, 3);
        return "<li class=\"result\"><a class=\"result-link\" href=\"" + esc(withTerm(d.url, term)) + "\">" + esc(d.meta && d.meta.title || d.url) +
          "</a><p class=\"result-excerpt\">" + pageExcerpt(d) + "</p>" +
          (subs.length ? "<ul>" + subs.map(function (s) {
            return "<li><a class=\"result-sub-link\" href=\"" + esc(withTerm(s.url, term)) + "\">" + esc(s.title) + "</a><p>" + subExcerpt(s) + "</p></li>";
          }).join("") + "</ul>" : "") + "</li>";
      }).join("") + "</ol>";
    };
    // `found`: the reader's language's results and the default language's (see
    // `OTHER_BELOW`), for `found.term` — the query as typed, or as corrected.
    var render = function (found) {
      var own = found.own, other = found.other, term = found.term;
      if (!own.length && !other.length) { results.innerHTML = ""; status.textContent = text("data-no-results"); return; }
      status.textContent = own.length ? text("data-results-count", found.ownTotal) : text("data-no-results");
      var html = found.corrected ? "<p class=\"search-corrected\">" +
        esc(host.getAttribute("data-corrected") || "{q}").replace("{q}", "<strong>" + esc(term) + "</strong>") + "</p>" : "";
      if (own.length) html += list(own, term, segmented);
      if (other.length) {
        var name = "<bdi lang=\"" + esc(otherLang) + "\">" + esc(otherName) + "</bdi>";
        html += "<h2 class=\"search-other\">" + esc(host.getAttribute("data-other-results") || "{lang}").replace("{lang}", name) + "</h2>" +
          list(other, term, unspacedLang(otherLang), " class=\"search-other-results\" lang=\"" + esc(otherLang) + "\" dir=\"" + esc(otherDir) + "\"");
      }
      results.innerHTML = html;
    };

    // The first 12 results of one search, their data loaded and re-ranked.
    var otherBundle = host.getAttribute("data-other-bundle");
    var otherLang = host.getAttribute("data-other-lang") || "", otherDir = host.getAttribute("data-other-dir") || "ltr";
    var otherName = host.getAttribute("data-other-name") || otherLang;
    var top = function (r, term, seg) {
      var all = r && r.results || [];
      return Promise.all(all.slice(0, 12).map(function (x) { return x.data(); })).then(function (items) {
        return { items: rerank(items, term, seg), total: all.length };
      });
    };
    var searchOther = function (term, ownCount, filtered) {
      var few = ownCount === 0 || (ownCount < OTHER_BELOW && term.split(/\s+/).length <= OTHER_WORDS);
      if (!otherBundle || filtered || !term || !few) return Promise.resolve({ items: [], total: 0 });
      return engine(otherBundle, otherLang).then(function (pf) { return withKey(pf, term, {}, otherLang); })
        .then(function (r) { return top(r, term, unspacedLang(otherLang)); });
    };
    // What to show for a query: the reader's results (`r`, then re-ranked), corrected
    // where a word finds nothing (see `corrected`); then the default language's, if the
    // reader's are few — for the query corrected from that language's words when
    // neither finds anything as typed.
    var gather = function (r, term, active, filtered) {
      var shown = function (own, t, fixed) {
        return searchOther(t, own.total, filtered).then(function (other) {
          return { own: own.items, ownTotal: own.total, other: other.items, term: t, corrected: fixed };
        });
      };
      var own = function (t) {
        return engine(bundle, ownLang).then(function (pf) { return withKey(pf, t, { filters: active }, ownLang); })
          .then(function (r2) { return top(r2, t, segmented); });
      };
      return top(r, term, segmented).then(function (first) {
        if (!term) return shown(first, term, false);
        var suspects = first.total ? unmatched(term, first.items) : null;
        return Promise.resolve(suspects).then(function (only) {
          return only && !only.length ? null : corrected(term, bundle, only);
        }).then(function (fixed) {
          return fixed ? own(fixed).then(function (mine) { return mine.total ? shown(mine, fixed, true) : null; }) : null;
        }).then(function (done) {
          return done || shown(first, term, false);
        }).then(function (found) {
          if (found.own.length || found.other.length || !otherBundle || filtered) return found;
          return corrected(term, otherBundle, null).then(function (fixed) {
            if (!fixed) return found;
            return searchOther(fixed, 0, false).then(function (other) {
              return other.total ? { own: [], ownTotal: 0, other: other.items, term: fixed, corrected: true } : found;
            });
          });
        });
      });
    };

    var run = function () {
      var term = input.value.trim();
      var active = {};
      var any = false;
      Object.keys(chosen).forEach(function (k) { if (chosen[k].length) { active[k] = chosen[k]; any = true; } });
      var mine = ++seq;
      if (!term && !any) { results.innerHTML = ""; status.textContent = ""; pending = null; return Promise.resolve(); }
      if (!results.firstChild) status.textContent = text("data-loading");
      pending = engine(bundle, ownLang).then(function (pf) {
        renderFilters(pf);
        return Promise.resolve(pf.debouncedSearch(term || null, { filters: active }, 120)).then(function (r) {
          return r && Promise.resolve(keySearch(pf, term, { filters: active }, ownLang)).then(function (k) { return merged(r, k); });
        });
      }).then(function (r) {
        if (!r || mine !== seq) return;
        return gather(r, term, active, any).then(function (found) { if (mine === seq) render(found); });
      }).catch(function (e) { status.textContent = String(e && e.message || e); });
      return pending;
    };

    var links = function () { return $$(".result-link, .result-sub-link", results); };
    var openFirst = function () {
      var go = function () {
        var a = $(".result-link", results);
        if (a) window.location.href = a.href;
      };
      if (pending) pending.then(go); else go();
    };

    input.addEventListener("input", function () {
      run();
      if (pagePanel === host) {
        var url = new URL(window.location.href);
        if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
        window.history.replaceState(null, "", url.toString());
      }
    });
    input.addEventListener("focus", function () { engine(bundle, ownLang).then(renderFilters); }, { once: true });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); openFirst(); });
    filters.addEventListener("change", function (ev) {
      var box = ev.target;
      if (!box.matches("input[data-filter]")) return;
      var name = box.getAttribute("data-filter");
      chosen[name] = $$("input[data-filter]:checked", filters)
        .filter(function (b) { return b.getAttribute("data-filter") === name; })
        .map(function (b) { return b.value; });
      run();
    });
    if (filtersToggle) {
      filtersToggle.addEventListener("click", function () {
        var open = !filters.classList.contains("is-open");
        filters.classList.toggle("is-open", open);
        filtersToggle.setAttribute("aria-expanded", open ? "true" : "false");
        engine(bundle, ownLang).then(renderFilters);
      });
    }
    host.addEventListener("keydown", function (ev) {
      var all = links();
      var i = all.indexOf(doc.activeElement);
      if (ev.key === "ArrowDown" && all.length && (i >= 0 || doc.activeElement === input)) {
        ev.preventDefault();
        all[i < 0 ? 0 : Math.min(i + 1, all.length - 1)].focus();
      } else if (ev.key === "ArrowUp" && i >= 0) {
        ev.preventDefault();
        if (i === 0) input.focus(); else all[i - 1].focus();
      }
    });
    return { input: input, run: run, warm: function () { return engine(bundle, ownLang); } };
  };

  var page = pagePanel && mount(pagePanel);
  if (page) {
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { page.input.value = q; page.run(); }
  }

  var overlay = dialog && mount(dialog);
  var opener = null;
  var openSearch = function (from) {
    if (page) { page.input.focus(); page.input.select(); return; }
    if (!overlay || dialog.open) return;
    opener = from && from !== doc.body ? from : $("[data-search-open]");
    overlay.warm();
    if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
    overlay.input.focus();
    overlay.input.select();
  };
  if (dialog) {
    dialog.addEventListener("close", function () {
      if (opener && opener.focus) opener.focus();
      opener = null;
    });
    $("[data-search-close]", dialog).addEventListener("click", function () { dialog.close(); });
    // Escape closes (also where the browser keeps the dialog open after a repeated cancel).
    dialog.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { ev.preventDefault(); dialog.close(); }
    });
    // A click on the backdrop (outside the box) closes.
    dialog.addEventListener("click", function (ev) {
      if (ev.target !== dialog) return;
      var r = dialog.getBoundingClientRect();
      if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) dialog.close();
    });
  }
  $$("[data-search-open]").forEach(function (b) {
    b.addEventListener("click", function (ev) { ev.preventDefault(); openSearch(b); });
    b.addEventListener("focus", function () { if (overlay) overlay.warm(); }, { once: true });
  });
  doc.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    var slash = ev.key === "/" && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !typing;
    var ctrlK = (ev.key === "k" || ev.key === "K") && (ev.ctrlKey || ev.metaKey) && !ev.altKey;
    if (slash || ctrlK) { ev.preventDefault(); openSearch(doc.activeElement); }
  });

  // Offline reading. A build with it on names its service worker on <html>; pages of a
  // site without it (or a preview by `waypost serve`) unregister a worker an earlier
  // build left, so nothing stale is ever shown.
  var sw = navigator.serviceWorker;
  var workerUrl = root.getAttribute("data-offline-worker");
  if (sw && window.caches) {
    if (!workerUrl) {
      sw.getRegistrations().then(function (regs) {
        regs.forEach(function (r) { if (r.active && /\/sw\.js$/.test(r.active.scriptURL)) r.unregister(); });
      }, function () {});
    } else {
      sw.register(workerUrl, { scope: root.getAttribute("data-offline-scope") }).catch(function () {});
    }
  }
  // The parts only some readers use — saving a language, and the words of the search
  // that opened the page — are in `waypost-more.js`, fetched when wanted.
  var moreUrl = root.getAttribute("data-theme-more");
  var more = function () {
    if (!more.loaded) {
      more.loaded = new Promise(function (ok, fail) {
        var s = doc.createElement("script");
        s.src = moreUrl; s.onload = ok; s.onerror = fail;
        doc.head.appendChild(s);
      });
    }
    return more.loaded.then(function () { return window.waypostMore; });
  };
  var saver = $("[data-offline-save]");
  if (saver && workerUrl && sw && window.caches && moreUrl) {
    saver.hidden = false;
    var lang = saver.getAttribute("data-lang");
    var start = $("[data-offline-start]", saver);
    var wire = function (then) { return more().then(function (m) { m.offline(saver, sw, then); }); };
    var first = function () { start.removeEventListener("click", first); wire("start"); };
    start.addEventListener("click", first);
    // A copy saved earlier: shown as saved (and brought up to this build if older).
    caches.keys().then(function (names) {
      if (names.some(function (n) { return n.indexOf("waypost-saved-" + lang + "-") === 0; })) {
        start.removeEventListener("click", first);
        wire("saved");
      }
    }, function () {});
  }
  var hl = (function () { try { return new URLSearchParams(location.search).get("highlight"); } catch (e) { return null; } })();
  var article = $("article .content") || $("main");
  if (hl && article && moreUrl) more().then(function (m) { m.highlight(hl, article); });
})();
