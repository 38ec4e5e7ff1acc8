// "Benachrichtigungen aktivieren": subscribe this browser to Web Push and register it with
// the server. Used on the notification settings page (#push-setup) and by the gentle prompt
// shown after someone's first post, comment, message or reply (#push-prompt). Never asks on
// page load: the browser's permission question only follows a tap on the button.
(function () {
  "use strict";
  var setup = document.getElementById("push-setup");
  var prompt = document.getElementById("push-prompt");
  var host = setup || prompt;
  if (!host) return;
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  var texts = {};
  try {
    texts = JSON.parse(document.getElementById("push-text").textContent);
  } catch (error) {
    texts = {};
  }
  var listUrl = host.dataset.subscriptionsUrl;
  var DISMISSED = "dorffunk:push-prompt-dismissed";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function send(method, body) {
    return fetch(listUrl, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function registration() {
    return navigator.serviceWorker.getRegistration("/").then(function (found) {
      return found || navigator.serviceWorker.register(document.querySelector("script[data-sw]").dataset.sw, { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function current() {
    return registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    });
  }

  function enable() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error(permission);
      return registration();
    }).then(function (reg) {
      return reg.pushManager.getSubscription().then(function (existing) {
        return existing || reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(host.dataset.vapidKey),
        });
      });
    }).then(function (subscription) {
      return send("POST", subscription.toJSON());
    });
  }

  function disable() {
    return current().then(function (subscription) {
      if (!subscription) return undefined;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return send("DELETE", { endpoint: endpoint });
      });
    });
  }

  function say(key) {
    var status = document.getElementById("push-status");
    if (status && texts[key]) status.textContent = texts[key];
  }

  function showSetup(on) {
    say(on ? "on" : "off");
    document.getElementById("push-enable").hidden = on;
    document.getElementById("push-disable").hidden = !on;
  }

  if (setup) {
    if (!supported) {
      say("unsupported");
      return;
    }
    if (Notification.permission === "denied") say("denied");
    current().then(function (subscription) {
      if (Notification.permission !== "denied") showSetup(Boolean(subscription));
    });
    document.getElementById("push-enable").addEventListener("click", function () {
      enable().then(function () {
        showSetup(true);
        window.location.reload();
      }).catch(function (error) {
        say(error && error.message === "denied" ? "denied" : "failed");
      });
    });
    document.getElementById("push-disable").addEventListener("click", function () {
      disable().then(function () {
        showSetup(false);
        window.location.reload();
      }).catch(function () {
        say("failed");
      });
    });
    return;
  }

  // The prompt: only where push can work, is not decided yet, and was not waved away.
  if (!supported || Notification.permission !== "default") return;
  try {
    if (window.localStorage.getItem(DISMISSED)) return;
  } catch (error) {
    return;
  }
  current().then(function (subscription) {
    if (subscription) return;
    prompt.hidden = false;
    prompt.querySelector("[data-push-enable]").addEventListener("click", function () {
      enable().then(function () {
        prompt.hidden = true;
      }).catch(function () {
        prompt.hidden = true;
      });
    });
    prompt.querySelector("[data-push-dismiss]").addEventListener("click", function () {
      try {
        window.localStorage.setItem(DISMISSED, "1");
      } catch (error) {
        // Private mode: the prompt may come back next time, nothing worse.
      }
      prompt.hidden = true;
    });
  });
})();
