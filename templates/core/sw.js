// DorfFunk service worker: offline page and cached static files. Pages themselves are
// never cached, so nobody sees another person's data or stale village news.
const CACHE = "dorffunk-v1";
const OFFLINE_URL = "{{ offline_url }}";
const PRECACHE = [OFFLINE_URL, "{{ css_url }}"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          })
      )
    );
  }
});

// --- Web Push ---------------------------------------------------------------------------
// The payload is JSON from the server: title, body, url (opens and marks read), tag (a newer
// push about the same thing replaces the older one), urgent, icon.
self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  const options = {
    body: data.body || "",
    icon: data.icon,
    tag: data.tag,
    renotify: Boolean(data.tag),
    requireInteraction: Boolean(data.urgent),
    data: { url: data.url || "/benachrichtigungen/" },
  };
  event.waitUntil(self.registration.showNotification(data.title || "DorfFunk", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
      const ours = tabs.filter((tab) => new URL(tab.url).origin === self.location.origin);
      const same = ours.find((tab) => tab.url === target);
      if (same) return same.focus();
      if (ours.length && "navigate" in ours[0]) {
        return ours[0].focus().then((tab) => tab.navigate(target));
      }
      return self.clients.openWindow(target);
    })
  );
});

// The browser replaced the subscription (keys rotated, expired): subscribe again and tell
// the server, proving the old subscription by its auth secret.
self.addEventListener("pushsubscriptionchange", (event) => {
  const old = event.oldSubscription;
  const options = old && old.options && old.options.applicationServerKey
    ? Promise.resolve(old.options)
    : fetch("{{ vapid_key_url }}")
        .then((response) => response.json())
        .then((body) => ({ userVisibleOnly: true, applicationServerKey: body.public_key }));
  event.waitUntil(
    options
      .then((chosen) => event.newSubscription || self.registration.pushManager.subscribe(chosen))
      .then((subscription) => {
        if (!old) return undefined;
        return fetch("{{ renew_url }}", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            old_endpoint: old.endpoint,
            old_auth: old.toJSON().keys.auth,
            subscription: subscription.toJSON(),
          }),
        });
      })
  );
});
