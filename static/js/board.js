/* DorfFunk notice board (Digitaler Schaukasten): rotates through the slides, pausable
 * (WCAG 2.2.2), and refetches them when the server says the board changed (socket frame
 * "board.changed" on /ws/?board=<slug>) and every five minutes in case a frame was lost.
 * No dependencies; without JavaScript every slide is shown one below the other. */
(function () {
  "use strict";
  var body = document.body;
  var container = document.getElementById("board-slides");
  if (!body || !container || !body.dataset.board) return;

  var seconds = Math.min(120, Math.max(5, parseInt(body.dataset.seconds, 10) || 15));
  var pauseButton = document.getElementById("board-pause");
  var position = document.getElementById("board-position");
  var status = document.getElementById("board-status");
  var clock = document.getElementById("board-clock");
  var REFRESH_MS = 5 * 60 * 1000;
  var BACKOFF_MAX_MS = 60 * 1000;
  var current = 0;
  var paused = false;
  var held = false; // focus or pointer on the board holds the rotation too
  var timer = null;
  var backoff = 1000;
  var socket = null;

  function slides() {
    return Array.prototype.slice.call(container.querySelectorAll(".slide"));
  }

  function show(index) {
    var all = slides();
    if (!all.length) return;
    current = ((index % all.length) + all.length) % all.length;
    all.forEach(function (slide, i) {
      slide.classList.toggle("is-current", i === current);
    });
    if (position) {
      position.hidden = all.length < 2;
      position.textContent = (body.dataset.textPosition || "%(n)s / %(total)s")
        .replace("%(n)s", String(current + 1))
        .replace("%(total)s", String(all.length));
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    body.dataset.rotation = paused || held ? "paused" : "running";
    if (paused || held) return;
    timer = window.setTimeout(function () {
      show(current + 1);
      schedule();
    }, seconds * 1000);
  }

  function setPaused(value) {
    paused = value;
    if (pauseButton) pauseButton.setAttribute("aria-pressed", value ? "true" : "false");
    schedule();
  }

  function refresh() {
    var url = body.dataset.slidesUrl + "?sekunden=" + seconds;
    return fetch(url, { credentials: "omit", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        container.innerHTML = html;
        show(Math.min(current, slides().length - 1));
        body.dataset.refreshed = String(Date.now());
        schedule();
      })
      .catch(function () {
        /* The next frame or the five-minute refresh tries again. */
      });
  }

  function setStatus(text) {
    if (status) status.textContent = text || "";
  }

  function connect() {
    if (!("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + body.dataset.socketPath);
    socket.onopen = function () {
      backoff = 1000;
      setStatus("");
      body.dataset.live = "open";
      // Whatever changed while the socket was away.
      refresh();
    };
    socket.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (frame && frame.type === "board.changed") refresh();
    };
    socket.onclose = function () {
      body.dataset.live = "closed";
      setStatus(body.dataset.textOffline);
      var wait = backoff + Math.floor(Math.random() * 500);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      window.setTimeout(connect, wait);
    };
  }

  function tick() {
    if (!clock) return;
    var now = new Date();
    var lang = document.documentElement.lang || "de";
    clock.textContent =
      now.toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long" }) +
      ", " +
      now.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  }

  body.classList.add("rotating");
  if (pauseButton) {
    pauseButton.hidden = false;
    pauseButton.addEventListener("click", function () {
      setPaused(!paused);
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") show(current + 1);
    else if (event.key === "ArrowLeft") show(current - 1);
    else return;
    schedule();
  });
  container.addEventListener("mouseenter", function () { held = true; schedule(); });
  container.addEventListener("mouseleave", function () { held = false; schedule(); });
  show(0);
  schedule();
  tick();
  window.setInterval(tick, 30 * 1000);
  window.setInterval(refresh, REFRESH_MS);
  connect();
})();
