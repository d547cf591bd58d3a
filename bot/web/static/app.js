// 反诈群链机器人 · 办公室后台：总览的进度自动刷新，以及模拟微信控制台。无第三方依赖。
"use strict";

(function () {
  const METRICS = ["sign", "delivery", "reach", "ack"];

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function readJSON(response) {
    if (response.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      throw new Error("登录已过期");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || "请求失败（" + response.status + "）");
    return data;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(readJSON);
  }

  function postTo(url, body) {
    const headers = { "X-CSRF-Token": csrfToken(), Accept: "application/json" };
    if (!(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    return fetch(url, { method: "POST", credentials: "same-origin", headers, body })
      .then(readJSON);
  }

  function clock() {
    return new Date().toLocaleTimeString("zh-CN", { hour12: false });
  }

  // -- 总览与推送详情：每 2 秒从 /api/ 取数更新进度条 --------------------------

  function fillCard(card, push) {
    for (const key of METRICS) {
      const bar = card.querySelector('[data-metric="' + key + '"]');
      if (!bar) continue;
      const metric = push[key];
      const progress = bar.querySelector("progress");
      progress.max = Math.max(metric.total, 1);
      progress.value = metric.done;
      bar.querySelector(".num").textContent = metric.text;
    }
  }

  function newCard(push) {
    const template = document.getElementById("push-card-template");
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.pushId = String(push.id);
    const link = card.querySelector('[data-field="link"]');
    link.href = "/pushes/" + push.id;
    link.textContent = "第" + push.id + "期《" + push.title + "》";
    card.querySelector('[data-field="meta"]').textContent =
      "发起 " + push.created_text + " · " + push.created_by + " · 范围 " + push.scope_label +
      " · 截止 " + push.deadline_text;
    fillCard(card, push);
    return card;
  }

  function livePushList(list) {
    const updated = document.querySelector('[data-field="updated"]');
    async function refresh() {
      try {
        const data = await getJSON(list.dataset.source || "/api/pushes");
        const fresh = [];
        const onPage = new Set();
        for (const push of data.pushes) {
          onPage.add(String(push.id));
          const card = list.querySelector('[data-push-id="' + push.id + '"]');
          if (card) fillCard(card, push);
          else fresh.push(push);
        }
        for (const push of fresh.reverse()) list.prepend(newCard(push));
        // A page holds `limit` pushes: newer ones push the oldest off it.
        for (const card of list.querySelectorAll(".push-card")) {
          if (!onPage.has(card.dataset.pushId)) card.remove();
        }
        if (data.pushes.length) {
          const empty = list.querySelector('[data-field="empty"]');
          if (empty) empty.remove();
        }
        if (updated) updated.textContent = "　已更新 " + clock();
      } catch (err) {
        if (updated) updated.textContent = "　刷新失败：" + err.message;
      }
    }
    setInterval(refresh, 2000);
  }

  function livePush(box) {
    const card = box.querySelector(".push-card");
    setInterval(async () => {
      try {
        fillCard(card, await getJSON("/api/pushes/" + box.dataset.push));
      } catch (err) {
        /* the next tick retries */
      }
    }, 2000);
  }

  // -- 模拟微信控制台 ------------------------------------------------------------------

  function consoleApp(root) {
    const groupList = document.getElementById("chat-groups");
    const privateList = document.getElementById("chat-private");
    const title = document.getElementById("chat-title");
    const messages = document.getElementById("messages");
    const sender = document.getElementById("sender");
    const text = document.getElementById("text");
    const image = document.getElementById("image");
    const form = document.getElementById("composer");
    const error = document.getElementById("composer-error");
    const lines = [];
    const seen = new Set();
    const unread = new Map();
    const buttons = new Map();
    let chats = null;
    let current = null;

    function showError(message) {
      error.textContent = message;
      error.hidden = !message;
    }

    function chatButton(id, label, note, disabled) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.chat = id;
      button.textContent = label;
      if (note) {
        const small = document.createElement("small");
        small.textContent = note;
        button.append(small);
      }
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.hidden = true;
      button.append(badge);
      button.disabled = disabled;
      button.addEventListener("click", () => select(id));
      li.append(button);
      buttons.set(id, button);
      return li;
    }

    function renderLine(line) {
      const li = document.createElement("li");
      li.className = "msg " + (line.from_bot ? "from-bot" : "from-member");
      li.dataset.seq = String(line.seq);
      const head = document.createElement("div");
      head.className = "head";
      head.textContent = line.sender_name + "　" + line.at;
      const body = document.createElement("div");
      body.className = "bubble";
      body.textContent = line.kind === "image" ? "[图片]" : line.text;
      li.append(head, body);
      messages.append(li);
      messages.scrollTop = messages.scrollHeight;
    }

    function setUnread(chat, count) {
      unread.set(chat, count);
      const button = buttons.get(chat);
      if (!button) return;
      const badge = button.querySelector(".badge");
      badge.textContent = String(count);
      badge.hidden = count === 0;
    }

    function select(chat) {
      current = chat;
      for (const [id, button] of buttons) button.setAttribute("aria-pressed", String(id === chat));
      setUnread(chat, 0);
      sender.replaceChildren();
      let people;
      if (chat.startsWith("private:")) {
        const wechat = chat.slice("private:".length);
        people = chats.private.filter((m) => m.wechat === wechat);
        const name = people[0] ? people[0].name : wechat;
        title.textContent = "私聊：" + name + " ↔ " + chats.bot;
      } else {
        const group = chats.groups.find((g) => g.id === chat);
        people = group.members;
        title.textContent = group.name + "（" + group.members.length + " 人）";
      }
      for (const m of people) {
        const option = document.createElement("option");
        option.value = m.wechat;
        option.textContent = m.name + "（" + m.role + (m.unit ? "·" + m.unit : "") + "）";
        sender.append(option);
      }
      messages.replaceChildren();
      for (const line of lines) if (line.chat === chat) renderLine(line);
      showError("");
      text.focus();
    }

    function receive(line) {
      if (seen.has(line.seq)) return;
      seen.add(line.seq);
      lines.push(line);
      if (line.chat === current) renderLine(line);
      else setUnread(line.chat, (unread.get(line.chat) || 0) + 1);
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!current) return showError("请先在左侧选择一个群或私聊");
      const file = image.files[0];
      try {
        if (file) {
          const data = new FormData();
          data.append("chat", current);
          data.append("sender", sender.value);
          data.append("text", text.value);
          data.append("image", file);
          await postTo("/api/console/send", data);
        } else {
          const message = { chat: current, sender: sender.value, text: text.value };
          await postTo("/api/console/send", message);
        }
        text.value = "";
        image.value = "";
        showError("");
      } catch (err) {
        showError(err.message);
      }
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    getJSON("/api/console/chats").then((data) => {
      chats = data;
      for (const g of data.groups) {
        const note = g.bot_inside ? "" : "（机器人不在群内）";
        groupList.append(chatButton(g.id, g.name, note, !g.bot_inside));
      }
      for (const m of data.private) {
        const note = m.role + (m.unit ? "·" + m.unit : "");
        privateList.append(chatButton("private:" + m.wechat, m.name, note, false));
      }
      const stream = new EventSource("/api/console/stream?since=" + Math.max(0, data.next - 500));
      stream.addEventListener("line", (event) => receive(JSON.parse(event.data)));
      root.dataset.ready = "true";
    }).catch((err) => showError(err.message));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const list = document.querySelector('[data-live="pushes"]');
    if (list) livePushList(list);
    const push = document.querySelector('[data-live="push"]');
    if (push) livePush(push);
    const root = document.getElementById("console");
    if (root) consoleApp(root);
  });
})();
