// Review item page: renders the note with evidence marks (textContent only, never innerHTML of note text),
// and records accept / reject / edit decisions through the JSON API with keyboard shortcuts.
(function () {
  "use strict";
  const item = JSON.parse(document.getElementById("item-data").textContent);
  const note = document.getElementById("note");
  const body = document.querySelector("#suggestions tbody");
  const reason = document.getElementById("reason");
  const message = document.getElementById("message");
  let selected = 0;

  function renderNote() {
    const marks = [];
    item.suggestions.forEach(function (s) {
      s.evidence.forEach(function (e) { marks.push({ start: e.start, end: e.end, id: s.id }); });
    });
    marks.sort(function (a, b) { return a.start - b.start || b.end - a.end; });
    note.textContent = "";
    let at = 0;
    marks.forEach(function (m) {
      if (m.start < at || m.end > item.text.length) { return; }
      note.appendChild(document.createTextNode(item.text.slice(at, m.start)));
      const mark = document.createElement("mark");
      mark.dataset.suggestion = String(m.id);
      mark.textContent = item.text.slice(m.start, m.end);
      note.appendChild(mark);
      at = m.end;
    });
    note.appendChild(document.createTextNode(item.text.slice(at)));
  }

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }

  function renderTable() {
    body.textContent = "";
    item.suggestions.forEach(function (s, i) {
      const row = document.createElement("tr");
      row.dataset.suggestion = String(s.id);
      row.dataset.code = s.code;
      if (i === selected) { row.classList.add("selected"); }
      cell(row, s.final_code && s.final_code !== s.code ? s.code + " → " + s.final_code : s.code, "code");
      cell(row, s.title || "");
      cell(row, s.confidence.toFixed(2));
      cell(row, s.tier);
      cell(row, s.status, "status");
      const actions = cell(row, "");
      [["accept", "Accept"], ["reject", "Reject"], ["edit", "Edit"]].forEach(function (pair) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = pair[1];
        button.className = "act-" + pair[0];
        button.addEventListener("click", function () { selected = i; decide(pair[0]); });
        actions.appendChild(button);
      });
      row.addEventListener("click", function () { selected = i; highlight(); });
      body.appendChild(row);
    });
    highlight();
  }

  function highlight() {
    const current = item.suggestions[selected];
    document.querySelectorAll("#suggestions tbody tr").forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
    });
    document.querySelectorAll("#note mark").forEach(function (mark) {
      mark.classList.toggle("active", current !== undefined && mark.dataset.suggestion === String(current.id));
    });
  }

  async function send(path, payload) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Medcode-CSRF": "1" },
      credentials: "same-origin",
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const data = await response.json();
    if (!response.ok) { throw new Error(data.detail + " (" + data.code + ")"); }
    return data;
  }

  async function reload() {
    const response = await fetch("/api/v1/review-queue/" + item.id, { credentials: "same-origin" });
    const fresh = await response.json();
    if (response.ok) {
      item.suggestions = fresh.suggestions;
      item.status = fresh.status;
      document.getElementById("item-status").textContent = fresh.status;
      renderNote();
      renderTable();
    }
  }

  async function decide(action) {
    const s = item.suggestions[selected];
    if (!s) { return; }
    const decision = { suggestion_id: s.id, action: action, reason: reason.value.trim() };
    if (action === "edit") {
      const code = window.prompt("Corrected code for " + s.code, s.final_code || s.code);
      if (!code) { return; }
      decision.code = code;
    }
    if ((action === "reject" || action === "edit") && !decision.reason) {
      message.textContent = "Give a reason to " + action + " (press / to type it).";
      reason.focus();
      return;
    }
    try {
      await send("/api/v1/review-queue/" + item.id + "/decisions", { decisions: [decision] });
      message.textContent = s.code + ": " + action + " saved.";
      reason.value = "";
      await reload();
      if (selected < item.suggestions.length - 1) { selected += 1; highlight(); }
    } catch (error) {
      message.textContent = String(error.message);
    }
  }

  async function claim() {
    try {
      await send("/api/v1/review-queue/" + item.id + "/claim");
      message.textContent = "Claimed.";
      await reload();
    } catch (error) {
      message.textContent = String(error.message);
    }
  }

  document.getElementById("claim").addEventListener("click", claim);
  document.addEventListener("keydown", function (event) {
    if (event.target === reason) {
      if (event.key === "Escape" || event.key === "Enter") { reason.blur(); event.preventDefault(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    const keys = {
      j: function () { selected = Math.min(selected + 1, item.suggestions.length - 1); highlight(); },
      k: function () { selected = Math.max(selected - 1, 0); highlight(); },
      a: function () { decide("accept"); },
      r: function () { decide("reject"); },
      e: function () { decide("edit"); },
      c: claim,
      "/": function () { reason.focus(); },
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  renderNote();
  renderTable();
})();
