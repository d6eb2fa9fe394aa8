/* The patient chat: mounts the rasa-webchat widget (window.WebChat, served from
 * /vendor/rasa-webchat.js) on #chat, shows emergency messages in a banner that stays,
 * and fills in what the widget lacks for keyboard and screen-reader users. */
(function () {
  "use strict";

  var EMERGENCY_KEY = "intake-emergency";
  var chat = document.getElementById("chat");
  var banner = document.getElementById("emergency");
  var status = document.getElementById("chat-status");
  if (!chat) { return; }
  var config = chat.dataset;

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  /* -- emergency banner ------------------------------------------------------------ */
  function showEmergency(text) {
    if (!banner || !text) { return; }
    var box = document.createElement("div");
    box.className = "emergency-box";
    var title = document.createElement("p");
    title.className = "emergency-title";
    title.textContent = "Important";
    var body = document.createElement("p");
    body.className = "emergency-text";
    body.textContent = text;
    box.appendChild(title);
    box.appendChild(body);
    if (/\b911\b/.test(text)) {
      var call = document.createElement("a");
      call.className = "emergency-call";
      call.href = "tel:911";
      call.textContent = "Call 911";
      box.appendChild(call);
    }
    // Filling the role="alert" region makes screen readers say it at once.
    banner.replaceChildren(box);
    banner.classList.add("is-shown");
    var store = storage();
    if (store) { store.setItem(EMERGENCY_KEY, text); }
  }

  function onBotUttered(message) {
    // actions/common.send_texts sends {"emergency": true, "text": ...} beside the plain text.
    if (message && message.emergency === true && typeof message.text === "string") {
      showEmergency(message.text);
    }
  }

  var saved = storage() && storage().getItem(EMERGENCY_KEY);
  if (saved) { showEmergency(saved); }

  function setStatus(text) { if (status) { status.textContent = text; } }

  /* -- accessibility fix-ups of the widget's markup --------------------------------- */
  var focusedOnce = false;
  function input() { return chat.querySelector(".rw-new-message"); }

  function activateReply(event) {
    var reply = event.currentTarget;
    if (event.type === "keydown") {
      if (event.key !== "Enter" && event.key !== " ") { return; }
      event.preventDefault();
      reply.click();
    }
    // The widget removes the buttons once one is chosen: keep the focus in the chat.
    window.setTimeout(function () {
      var field = input();
      if (field && !document.activeElement.closest(".rw-reply")) { field.focus(); }
    }, 0);
  }

  function enhance() {
    var log = chat.querySelector(".rw-messages-container");
    if (log && !log.hasAttribute("role")) {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "Conversation");
      log.setAttribute("tabindex", "0"); // scrollable: reachable by keyboard
    }
    var field = input();
    if (field && !field.hasAttribute("aria-label")) {
      field.setAttribute("aria-label", "Your message");
      field.setAttribute("aria-describedby", "chat-help");
      if (!focusedOnce) {
        // The widget autofocuses its field on load: give the page back its normal start.
        focusedOnce = true;
        if (document.activeElement === field) { field.blur(); }
      }
    }
    var send = chat.querySelector(".rw-send");
    if (send && !send.hasAttribute("aria-label")) { send.setAttribute("aria-label", "Send"); }
    chat.querySelectorAll(".rw-send svg, .rw-avatar").forEach(function (el) {
      if (el.tagName.toLowerCase() === "svg") {
        el.setAttribute("aria-hidden", "true");
        el.setAttribute("focusable", "false");
      } else if (!el.hasAttribute("alt")) {
        el.setAttribute("alt", "");
      }
    });
    chat.querySelectorAll(".rw-header h4, .rw-header .rw-title").forEach(function (el) {
      el.setAttribute("role", "heading");
      el.setAttribute("aria-level", "3");
    });
    chat.querySelectorAll(".rw-reply:not([data-a11y])").forEach(function (reply) {
      reply.setAttribute("data-a11y", "1");
      if (reply.tagName.toLowerCase() !== "a") {
        reply.setAttribute("role", "button");
        reply.setAttribute("tabindex", "0");
        reply.addEventListener("keydown", activateReply);
        reply.addEventListener("click", activateReply);
      }
    });
    chat.querySelectorAll(".rw-replies:not([role])").forEach(function (group) {
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
    });
  }

  new MutationObserver(enhance).observe(chat, { childList: true, subtree: true });

  /* -- the widget ------------------------------------------------------------------ */
  if (!window.WebChat || !window.WebChat.default) {
    setStatus("The chat could not be loaded. Please call us at " + (config.phone || "the clinic") + ".");
    return;
  }
  window.WebChat.default({
    socketUrl: window.location.origin, // same origin: bot/web proxies /socket.io/ to rasa
    socketPath: config.socketPath || "/socket.io/",
    initPayload: config.initPayload || "/greet",
    params: { storage: "session" }, // the conversation survives a reload of this tab
    embedded: true,
    withRules: false, // no page-visit tracking in localStorage
    title: config.title || "Intake assistant",
    subtitle: config.subtitle || "",
    inputTextFieldHint: "Type your answer",
    connectingText: "Connecting...",
    hideWhenNotConnected: false,
    showFullScreenButton: false,
    showCloseButton: false,
    showMessageDate: false,
    customMessageDelay: function () { return 300; },
    mainColor: "#0b5561",
    userBackgroundColor: "#0b5561",
    userTextColor: "#ffffff",
    assistBackgoundColor: "#eef2f3",
    assistTextColor: "#1a1a1a",
    conversationBackgroundColor: "#ffffff",
    onSocketEvent: {
      bot_uttered: onBotUttered,
      connect: function () { setStatus(""); },
      disconnect: function () { setStatus("Connection lost. Trying to reconnect..."); }
    }
  }, chat);
})();
