// waypost offline reading: the service worker a build writes at the site's root.
// Pages: network first (a new build shows at once when online), the cached copy when the
// network fails or stalls, else the reader's language's offline page. Content-hashed
// files: cache first. A language saved for offline reading is one cache per build
// (`waypost-saved-<lang>-<version>`), complete once its manifest is stored in it last; a
// new build's copy is filled beside the old one (unchanged files copied over) and
// replaces it only when complete, so a saved copy is never a mix of two builds.
"use strict";
const VERSION = "__VERSION__";
const BASE = "__BASE__";
const LANGS = __LANGS__;
const SHELL_FILES = __SHELL__;
const SHELL = "waypost-shell-" + VERSION;
const VISITED = "waypost-visited-";
const SAVED = "waypost-saved-";
const META = "waypost-meta";
const STALL_MS = 4000;

const manifestUrl = (lang) => BASE + "/" + lang + "/offline.json";
const savedName = (lang, version) => SAVED + lang + "-" + version;
const langOf = (path) => {
  const first = path.slice(BASE.length + 1).split("/")[0];
  return LANGS.indexOf(first) >= 0 ? first : LANGS[0];
};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // The visited pages of this build and of the one before stay; older ones go.
      const meta = await caches.open(META);
      const key = BASE + "/__waypost_versions";
      const hit = await meta.match(key);
      let versions = hit ? await hit.json() : [];
      versions = [VERSION].concat(versions.filter((v) => v !== VERSION)).slice(0, 2);
      await meta.put(key, new Response(JSON.stringify(versions)));
      for (const name of await caches.keys()) {
        const old =
          (name.startsWith("waypost-shell-") && name !== SHELL) ||
          (name.startsWith(VISITED) && versions.indexOf(name.slice(VISITED.length)) < 0);
        if (old) await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
  // Saved languages are brought up to this build in the background.
  for (const lang of LANGS) save(lang, true);
});

// Complete saved copies of `lang` (or of every language), this build's first.
async function savedCaches(lang) {
  const found = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith(SAVED)) continue;
    const rest = name.slice(SAVED.length);
    const cut = rest.lastIndexOf("-");
    const l = rest.slice(0, cut), version = rest.slice(cut + 1);
    if (lang && l !== lang) continue;
    const cache = await caches.open(name);
    const manifest = await cache.match(manifestUrl(l));
    if (manifest) found.push({ name, lang: l, version, cache, manifest });
  }
  found.sort((a, b) => (b.version === VERSION) - (a.version === VERSION));
  return found;
}

async function lookup(request) {
  const names = [SHELL];
  for (const s of await savedCaches(null)) names.push(s.name);
  const versions = await caches.open(META).then((m) => m.match(BASE + "/__waypost_versions"));
  const visited = versions ? await versions.json() : [VERSION];
  for (const v of visited) names.push(VISITED + v);
  for (const name of names) {
    if (!(await caches.has(name))) continue;
    const hit = await (await caches.open(name)).match(bare(request), { ignoreSearch: true });
    if (hit) return hit;
  }
  return null;
}

// Kept under the URL without its query: the site's files do not vary by it, and
// Pagefind asks for `pagefind-entry.json?ts=<now>` each time.
const bare = (request) => {
  const url = new URL(request.url);
  return url.origin + url.pathname;
};

async function keep(request, response) {
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(VISITED + VERSION);
    await cache.put(bare(request), response.clone());
  }
  return response;
}

const stall = (ms) => new Promise((resolve) => setTimeout(() => resolve(null), ms));

async function page(request) {
  const url = new URL(request.url);
  const cached = lookup(request);
  const network = fetch(request).then((r) => keep(request, r), () => null);
  // On a connection that hangs (airport Wi-Fi), a kept copy is shown after a while.
  let response = await Promise.race([network, stall(STALL_MS).then(() => cached)]);
  if (!response) response = (await network) || (await cached);
  if (response) return response;
  const offline = await caches.match(BASE + "/" + langOf(url.pathname) + "/offline/", {
    cacheName: SHELL,
  });
  return offline || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

// The theme's content-hashed files and Pagefind's (every `.pf_*` file is named by its hash).
const hashed = (path) =>
  /\.[0-9a-f]{8,}\.[a-z0-9]+$/.test(path) || /\/pagefind\/.*\.pf_[a-z]+$/.test(path);

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(BASE + "/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (hashed(url.pathname)) {
    event.respondWith(
      lookup(request).then((hit) => hit || fetch(request).then((r) => keep(request, r)))
    );
  } else {
    event.respondWith(
      fetch(request).then(
        (r) => keep(request, r),
        () => lookup(request).then((hit) => hit || Response.error())
      )
    );
  }
});

async function tell(message) {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) {
    client.postMessage(message);
  }
}

const running = {};

// Stores every file `lang`'s manifest lists in a new cache, copying the ones an older
// complete copy holds with the same digest; the manifest goes in last. With `onlyIfSaved`,
// does nothing unless an older copy exists and is out of date.
function save(lang, onlyIfSaved) {
  if (!running[lang]) {
    running[lang] = fill(lang, onlyIfSaved).finally(() => delete running[lang]);
  }
  return running[lang];
}

async function fill(lang, onlyIfSaved) {
  const before = await savedCaches(lang);
  if (onlyIfSaved && !before.length) return;
  let manifest, text;
  try {
    const r = await fetch(manifestUrl(lang), { cache: "no-store" });
    if (!r.ok) throw new Error(r.status + " " + manifestUrl(lang));
    text = await r.text();
    manifest = JSON.parse(text);
  } catch (e) {
    if (!onlyIfSaved) tell({ type: "offline-error", lang, error: String(e) });
    return;
  }
  const current = before.find((s) => s.version === manifest.version);
  if (current) {
    if (!onlyIfSaved) tell({ type: "offline-saved", lang, bytes: manifest.bytes });
    return;
  }
  const old = before[0];
  const had = {};
  if (old) for (const [u, , d] of (await old.manifest.json()).files) had[u] = d;
  const name = savedName(lang, manifest.version);
  const cache = await caches.open(name);
  let done = 0;
  const queue = manifest.files.slice();
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const [u, size, digest] = f;
      let response = had[u] === digest ? await old.cache.match(u) : null;
      if (!response) {
        response = await fetch(u, { cache: "no-cache" });
        if (!response.ok) throw new Error(response.status + " " + u);
        // A navigation may not be answered with a response that followed a redirect.
        if (response.redirected) {
          response = new Response(await response.blob(), { headers: response.headers });
        }
      }
      await cache.put(u, response);
      done += size;
      tell({ type: "offline-progress", lang, done, total: manifest.bytes });
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
    await cache.put(
      manifestUrl(lang),
      new Response(text, { headers: { "Content-Type": "application/json" } })
    );
  } catch (e) {
    await caches.delete(name);
    tell({ type: "offline-error", lang, error: String(e) });
    return;
  }
  for (const s of before) await caches.delete(s.name);
  tell({ type: "offline-saved", lang, bytes: manifest.bytes });
}

self.addEventListener("message", (event) => {
  const m = event.data || {};
  if (LANGS.indexOf(m.lang) < 0) return;
  if (m.type === "offline-save") event.waitUntil(save(m.lang, false));
  if (m.type === "offline-sync") event.waitUntil(save(m.lang, true));
  if (m.type === "offline-remove") {
    event.waitUntil(
      savedCaches(m.lang)
        .then((all) => Promise.all(all.map((s) => caches.delete(s.name))))
        .then(() => tell({ type: "offline-removed", lang: m.lang }))
    );
  }
});
