// The live socket: chat in real time, unread badge, new posts and comments.
// Progressive enhancement: every page works without it (forms post as usual).
// The frame protocol is in apps/realtime/PROTOCOL.md.
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.dataset.live || !("WebSocket" in window)) { return; }

  var text = {};
  ["live-text", "chat-text"].forEach(function (id) {
    var element = document.getElementById(id);
    if (!element) { return; }
    try {
      var strings = JSON.parse(element.textContent);
      Object.keys(strings).forEach(function (key) { text[key] = strings[key]; });
    } catch (e) { /* the page still works, only without these words */ }
  });
  var userId = Number(body.dataset.user);
  // Pages showing messages carry the cursor they were rendered at; others start from the
  // server's when the socket says hello.
  var cursor = body.dataset.chatCursor ? Number(body.dataset.chatCursor) : null;
  var socket = null;
  var attempt = 0;
  var everConnected = false;
  var reconnectTimer = null;
  var statusEl = document.getElementById("live-status");
  var chat = document.getElementById("chat");
  var conversationId = chat ? Number(chat.dataset.conversation) : null;
  var list = chat ? document.getElementById("messages") : null;
  var unread = {};
  var muted = {};

  // --- the send queue: survives reconnects and reloads ------------------------------------
  var QUEUE_KEY = "dorffunk.outbox." + userId;
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch (e) { return []; }
  }
  function saveQueue(queue) {
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); } catch (e) { /* private mode */ }
  }
  var outbox = loadQueue();

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // --- connection -----------------------------------------------------------------------
  function setStatus(state) {
    if (!statusEl) { return; }
    if (state === "online") {
      statusEl.hidden = true;
      statusEl.textContent = "";
      body.removeAttribute("data-live-state");
    } else {
      statusEl.hidden = false;
      statusEl.textContent = state === "offline" ? text.offline : text.reconnecting;
      body.setAttribute("data-live-state", state);
    }
  }

  function connect() {
    reconnectTimer = null;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + body.dataset.live);
    socket.onopen = function () { attempt = 0; };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame);
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401) { return; } // signed out: nothing to reconnect to
      setStatus(navigator.onLine === false ? "offline" : "reconnecting");
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (reconnectTimer) { return; }
    // Exponential backoff with full jitter, capped at 30 s.
    var ceiling = Math.min(30000, 500 * Math.pow(2, attempt));
    attempt += 1;
    reconnectTimer = setTimeout(connect, Math.random() * ceiling);
  }

  window.addEventListener("online", function () {
    if (!socket) {
      clearTimeout(reconnectTimer);
      attempt = 0;
      connect();
    }
  });
  window.addEventListener("offline", function () {
    setStatus("offline");
    if (socket) { socket.close(); }
  });

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function flushOutbox() {
    outbox.forEach(function (item) { send(item); });
  }

  function refreshBell() {
    if (!document.getElementById("notifications-badge")) { return; }
    fetch("/api/v1/notifications/unread-count/", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { handle({ type: "notifications.unread", unread: data.unread }); }
      })
      .catch(function () { /* the next frame or page load brings it */ });
  }

  // --- frames ---------------------------------------------------------------------------
  function handle(frame) {
    switch (frame.type) {
      case "hello":
        // The bell's frame is not recoverable: whatever rang between rendering the page (or
        // losing the connection) and now, the count from the server has it.
        refreshBell();
        everConnected = true;
        setStatus("online");
        if (cursor === null) { cursor = frame.cursor; }
        send({ type: "resync", cursor: cursor });
        if (document.querySelector("[data-watch-feed]")) { send({ type: "watch_feed" }); }
        var watched = document.querySelector("[data-watch-post]");
        if (watched) { send({ type: "watch_post", post: Number(watched.dataset.watchPost) }); }
        break;
      case "sync":
        cursor = Math.max(cursor, frame.cursor);
        unread = {};
        Object.keys(frame.unread || {}).forEach(function (key) { unread[key] = frame.unread[key]; });
        (frame.muted || []).forEach(function (id) { muted[id] = true; });
        showBadge(frame.unread_total);
        if (frame.more) { send({ type: "resync", cursor: cursor }); } else { flushOutbox(); }
        markRead();
        break;
      case "chat.message":
      case "chat.message_edited":
      case "chat.message_deleted":
        cursor = Math.max(cursor, frame.cursor);
        var message = frame.message;
        if (message.conversation === conversationId) {
          showMessage(message);
          if (frame.type === "chat.message" && message.author.id !== userId) { markRead(); }
        } else if (frame.type === "chat.message" && message.author.id !== userId) {
          // Counted here; the next sync frame brings the server's count.
          unread[message.conversation] = (unread[message.conversation] || 0) + 1;
          showBadge(null);
        }
        dropFromOutbox(message.client_id);
        announce("chat-changed");
        break;
      case "ack":
        dropFromOutbox(frame.client_id);
        break;
      case "chat.read":
        unread[frame.conversation] = frame.unread;
        showBadge(null);
        announce("chat-changed");
        break;
      case "chat.typing":
        if (frame.conversation === conversationId) { showTyping(frame.user.name); }
        break;
      case "chat.joined":
      case "chat.left":
      case "chat.changed":
        announce("chat-changed");
        break;
      case "feed.new_post":
        var notice = document.getElementById("feed-notice");
        if (notice) { notice.hidden = false; }
        break;
      case "post.comment":
      case "post.comment_deleted":
        refreshComments();
        break;
      case "concerns.changed":
        var watchedConcern = document.querySelector("[data-watch-concern]");
        if (watchedConcern && Number(watchedConcern.dataset.watchConcern) === frame.concern) {
          var concernNotice = document.getElementById("concern-notice");
          if (concernNotice) { concernNotice.hidden = false; }
        }
        break;
      case "notifications.unread":
        var bell = document.getElementById("notifications-badge");
        if (bell && typeof frame.unread === "number") {
          bell.dataset.count = String(frame.unread);
          bell.hidden = frame.unread === 0;
          bell.innerHTML = " <span class=\"visually-hidden\">(</span>" + frame.unread +
            "<span class=\"visually-hidden\"> " + (text.unread || "") + ")</span>";
        }
        break;
      case "error":
        if (frame.ref) { failOutbox(frame.ref, frame.message); }
        break;
    }
  }

  function announce(name) {
    body.dispatchEvent(new CustomEvent(name, { bubbles: true }));
  }

  // --- unread badge ---------------------------------------------------------------------
  function showBadge(total) {
    var badge = document.getElementById("unread-badge");
    if (!badge) { return; }
    if (total === null) {
      total = 0;
      Object.keys(unread).forEach(function (key) { if (!muted[key]) { total += unread[key]; } });
    }
    badge.dataset.count = String(total);
    badge.hidden = total === 0;
    badge.innerHTML = " <span class=\"visually-hidden\">(</span>" + total +
      "<span class=\"visually-hidden\"> " + (text.unread || "") + ")</span>";
  }

  // --- the open conversation ------------------------------------------------------------
  function markRead() {
    if (conversationId && document.visibilityState !== "hidden") {
      send({ type: "read", conversation: conversationId });
      unread[conversationId] = 0;
    }
  }
  document.addEventListener("visibilitychange", markRead);

  function timeLabel(iso) {
    var date = new Date(iso);
    return date.toLocaleString(document.documentElement.lang || "de", {
      day: "2-digit", month: "2-digit", year: "2-digit", hour: "2-digit", minute: "2-digit"
    });
  }

  function messageElement(message) {
    var item = document.createElement("li");
    item.className = "message" + (message.author.id === userId ? " message--own" : "") +
      (message.deleted ? " message--deleted" : "");
    item.id = "message-" + message.id;
    item.dataset.messageId = message.id;
    if (message.client_id) { item.dataset.clientId = message.client_id; }
    var meta = document.createElement("p");
    meta.className = "message-meta";
    var name = document.createElement("strong");
    name.textContent = message.author.id === userId ? text.you : message.author.name;
    meta.appendChild(name);
    meta.appendChild(document.createTextNode(" · "));
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = timeLabel(message.created_at);
    meta.appendChild(time);
    if (message.edited_at && !message.deleted) {
      meta.appendChild(document.createTextNode(" · " + text.edited));
    }
    item.appendChild(meta);
    if (message.post && !message.deleted) {
      var about = document.createElement("p");
      about.className = "message-post";
      about.appendChild(document.createTextNode(text.about + " "));
      var link = document.createElement("a");
      link.href = message.post.url;
      link.textContent = message.post.title;
      about.appendChild(link);
      item.appendChild(about);
    }
    var content = document.createElement("div");
    content.className = "message-body prose";
    if (message.deleted) {
      var em = document.createElement("em");
      em.textContent = text.deleted;
      content.appendChild(em);
    } else {
      // body_html is the server's rendering of plain text: escaped, links only.
      content.innerHTML = message.body_html;
    }
    item.appendChild(content);
    if (message.can_change && chat) { item.appendChild(changeActions(message)); }
    return item;
  }

  // The same edit link and delete form the server renders under one's own fresh messages.
  function changeActions(message) {
    var base = "/nachrichten/" + message.conversation + "/" + message.id + "/";
    var actions = document.createElement("p");
    actions.className = "message-actions";
    var edit = document.createElement("a");
    edit.href = base + "bearbeiten/";
    edit.textContent = text.edit;
    actions.appendChild(edit);
    actions.appendChild(document.createTextNode(" "));
    var form = document.createElement("form");
    form.method = "post";
    form.action = base + "loeschen/";
    form.className = "inline-form";
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { form.appendChild(token.cloneNode()); }
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "link-button";
    button.textContent = text.remove;
    form.appendChild(button);
    actions.appendChild(form);
    return actions;
  }

  function showMessage(message) {
    if (!list) { return; }
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    var element = messageElement(message);
    var existing = document.getElementById("message-" + message.id);
    if (existing) {
      existing.replaceWith(element);
      return;
    }
    var pending = message.client_id &&
      list.querySelector("[data-pending][data-client-id=\"" + CSS.escape(message.client_id) + "\"]");
    if (pending) { pending.replaceWith(element); return; }
    // In id order: a message from a resync may be older than one already shown.
    var after = null;
    Array.prototype.forEach.call(list.querySelectorAll("[data-message-id]"), function (other) {
      if (Number(other.dataset.messageId) > message.id && !after) { after = other; }
    });
    list.insertBefore(element, after || list.querySelector("[data-pending]"));
  }

  function showPending(item) {
    var element = document.createElement("li");
    element.className = "message message--own message--pending";
    element.dataset.pending = "true";
    element.dataset.clientId = item.client_id;
    var meta = document.createElement("p");
    meta.className = "message-meta";
    meta.textContent = text.you + " · " + text.sending;
    var content = document.createElement("div");
    content.className = "message-body prose";
    content.textContent = item.body;
    element.appendChild(meta);
    element.appendChild(content);
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    list.appendChild(element);
  }

  function dropFromOutbox(clientId) {
    if (!clientId) { return; }
    var before = outbox.length;
    outbox = outbox.filter(function (item) { return item.client_id !== clientId; });
    if (outbox.length !== before) { saveQueue(outbox); }
  }

  function failOutbox(ref, reason) {
    var item = outbox.filter(function (entry) { return entry.ref === ref; })[0];
    if (!item) { return; }
    dropFromOutbox(item.client_id);
    var pending = list && list.querySelector("[data-client-id=\"" + CSS.escape(item.client_id) + "\"]");
    if (pending) {
      pending.classList.add("message--failed");
      pending.querySelector(".message-meta").textContent = text.you + " · " + text.failed + " " + reason;
    }
  }

  var typingTimer = null;
  function showTyping(name) {
    var line = document.getElementById("typing");
    if (!line) { return; }
    line.textContent = name + " " + text.typing;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { line.textContent = ""; }, 5000);
  }

  var compose = document.getElementById("compose");
  if (compose && chat) {
    var field = compose.querySelector("textarea[name=body]");
    var postField = compose.querySelector("input[name=post]");
    // Messages queued for this conversation before a reload are shown as pending again.
    outbox.forEach(function (item) { if (item.conversation === conversationId) { showPending(item); } });
    compose.addEventListener("submit", function (event) {
      var value = field.value;
      if (!value.trim()) { return; } // the server answers with the form error
      event.preventDefault();
      var item = {
        type: "send",
        conversation: conversationId,
        body: value,
        client_id: compose.querySelector("input[name=client_id]").value || newClientId(),
        ref: newClientId()
      };
      if (postField && postField.value) { item.post = Number(postField.value); postField.value = ""; }
      outbox.push(item);
      saveQueue(outbox);
      showPending(item);
      send(item);
      field.value = "";
      compose.querySelector("input[name=client_id]").value = newClientId();
      field.focus();
    });
    var lastTyping = 0;
    field.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 3000) {
        lastTyping = now;
        send({ type: "typing", conversation: conversationId });
      }
    });
  }

  // --- comments under the open post ------------------------------------------------------
  function refreshComments() {
    var section = document.getElementById("comments");
    if (!section) { return; }
    fetch(location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("comments");
        var current = document.getElementById("comments");
        // Someone typing a comment keeps what they typed.
        var typing = current && current.querySelector("textarea");
        if (fresh && current && !(typing && typing.value)) { current.replaceWith(fresh); }
      })
      .catch(function () { /* shown again on the next notice or reload */ });
  }

  connect();
  setTimeout(function () { if (!everConnected) { setStatus("reconnecting"); } }, 5000);
})();
