// Compliance view: audit a pasted encounter and scan its HCC gaps through the JSON API.
(function () {
  "use strict";
  const message = document.getElementById("message");

  function fill(tableId, rows) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.textContent = "";
    rows.forEach(function (values) {
      const tr = document.createElement("tr");
      values.forEach(function (v) {
        const td = document.createElement("td");
        td.textContent = v === null || v === undefined ? "" : String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  async function call(path) {
    let payload;
    try { payload = JSON.parse(document.getElementById("encounter").value); }
    catch (error) { message.textContent = "The encounter is not valid JSON."; return null; }
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Medcode-CSRF": "1" },
      credentials: "same-origin",
      body: JSON.stringify(payload),
    });
    const data = await response.json();
    if (!response.ok) { message.textContent = data.detail + " (" + data.code + ")"; return null; }
    message.textContent = "";
    return data;
  }

  document.getElementById("run-audit").addEventListener("click", async function () {
    const data = await call("/api/v1/audit");
    if (!data) { return; }
    fill("flags", data.flags.map(function (f) {
      const key = f.icd10cm || f.code || f.hcc || f.column1 || f.billed;
      return [f.type, key, f.severity, f.confidence.toFixed(2), f.impact_usd, f.explanation];
    }));
  });
  document.getElementById("run-hcc").addEventListener("click", async function () {
    const data = await call("/api/v1/hcc/gaps");
    if (!data) { return; }
    fill("gaps", data.gaps.map(function (g) {
      return [g.hcc, g.label, g.icd10cm, g.kind, g.confidence.toFixed(2)];
    }));
  });
})();
