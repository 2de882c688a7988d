/* 数据 Data: drag-and-drop upload, load summary, quarantine and the metric catalogue. */
import { T, CATALOGUE, api, table } from "../junshi.js";

export default async function data() {
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("file");
  const send = async (files) => {
    const form = new FormData();
    for (const f of files) form.append("files", f);
    const params = { preset: document.getElementById("preset").value, table: document.getElementById("table").value };
    for (const k of Object.keys(params)) if (!params[k]) delete params[k];
    const box = document.getElementById("load-summary");
    box.textContent = T.loading;
    try {
      const report = await api("ingest", params, { method: "POST", body: form });
      box.innerHTML = "";
      table("load-summary", [{ key: "table", label: T.table }, { key: "loaded", label: T.rows }, { key: "quarantined", label: T.quarantine }], report.summary);
      document.getElementById("load-summary").dataset.done = "1";
      await quarantine();
    } catch (e) { box.textContent = ""; }
  };
  zone.addEventListener("click", () => input.click());
  input.addEventListener("change", () => send(input.files));
  zone.addEventListener("dragover", (ev) => { ev.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (ev) => { ev.preventDefault(); zone.classList.remove("over"); send(ev.dataTransfer.files); });
  await quarantine();
  table("table-catalogue", [{ key: "id", label: "id" }, { key: "name", label: T.metric }, { key: "definition", label: T.definition, wide: true }, { key: "unit", label: T.unit }, { key: "needs", label: T.needs, wide: true }],
    Object.values(CATALOGUE).map((m) => Object.assign({}, m, { needs: (m.needs || []).join(", ") })), { limit: Infinity });
}
async function quarantine() {
  const q = await api("quarantine", { limit: 50 });
  table("table-quarantine", [{ key: "table", label: T.table }, { key: "source_file", label: T.file }, { key: "source_line", label: T.line }, { key: "reason", label: T.reason, wide: true }], q.rows, { total: q.total });
}

