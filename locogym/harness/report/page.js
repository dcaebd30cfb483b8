// The episode browser: pick an episode on the left, read its trajectory step by step on the right.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("run-data").textContent);
  const episodes = data.episodes;
  const list = document.getElementById("episode-list");
  const view = document.getElementById("episode-view");
  const filters = { agent: document.getElementById("f-agent"), env: document.getElementById("f-env"),
                    status: document.getElementById("f-status"), text: document.getElementById("f-text") };
  let current = null, stepIndex = 0;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k === "onclick") node.onclick = v; else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function fill(select, values) {
    for (const v of values) select.appendChild(el("option", { value: v }, v));
  }
  function verdict(ep) {
    if (ep.status === "errored") return el("span", { class: "pill bad" }, "errored");
    const cls = ep.success >= 1 ? "pill ok" : ep.success > 0 ? "pill warn" : "pill";
    return el("span", { class: cls }, ep.success.toFixed(2) + " " + ep.outcome);
  }
  function fmtLength(n) { return n % 1048576 === 0 ? n / 1048576 + "m" : n % 1024 === 0 ? n / 1024 + "k" : String(n); }

  fill(filters.agent, data.agents);
  fill(filters.env, data.envs);
  function matches(ep) {
    if (filters.agent.value && ep.agent !== filters.agent.value) return false;
    if (filters.env.value && ep.env !== filters.env.value) return false;
    if (filters.status.value === "errored" && ep.status !== "errored") return false;
    if (filters.status.value === "solved" && !(ep.status === "done" && ep.success >= 1)) return false;
    if (filters.status.value === "failed" && !(ep.status === "done" && ep.success < 1)) return false;
    const q = filters.text.value.trim().toLowerCase();
    return !q || (ep.key + " " + ep.outcome + " " + (ep.error || "") + " " + ep.task_id).toLowerCase().includes(q);
  }
  function renderList() {
    list.textContent = "";
    const shown = episodes.filter(matches);
    document.getElementById("ep-count").textContent = shown.length + " of " + episodes.length + " episodes";
    for (const ep of shown) {
      const row = el("div", { class: "ep" + (ep === current ? " active" : ""), "data-key": ep.key },
        el("div", {}, el("span", { class: "swatch s" + ep.colour }), el("b", {}, ep.agent), " · ", ep.env.replace(/^LoCo-|-v0$/g, "")),
        el("div", { class: "sub" }, fmtLength(ep.length) + " · seed " + ep.seed + " · " + ep.steps_n + " steps ", verdict(ep)));
      row.onclick = () => { select(ep); };
      list.appendChild(row);
    }
  }
  function kv(obj) {
    const box = el("div", { class: "kv" });
    for (const [k, v] of Object.entries(obj)) {
      box.appendChild(el("div", {}, k));
      box.appendChild(el("div", {}, typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v)));
    }
    return box;
  }
  function stepCard(step) {
    const status = step.err ? el("span", { class: "pill bad" }, step.err) :
      step.submit ? el("span", { class: "pill ok" }, "submitted") :
      step.ann && step.ann.wrong ? el("span", { class: "pill warn" }, "wrong") : el("span", { class: "pill" }, "ok");
    const body = el("div", { class: "body" },
      el("div", { class: "label" }, "call"), el("pre", { class: "call" }, step.call),
      el("div", { class: "label" }, "observation" + (step.cut ? " (cut for the report: " + step.cut + " characters more in the trajectory file)" : "")),
      el("pre", { class: "obs" }, step.out || "(empty)"));
    if (step.ev && step.ev.length) body.appendChild(el("div", { class: "label" }, "evidence seen: " + step.ev.join(", ")));
    if (step.ann && Object.keys(step.ann).length) body.appendChild(el("div", { class: "label" }, "annotations: " + JSON.stringify(step.ann)));
    return el("div", { class: "step" },
      el("div", { class: "head" },
        el("span", {}, "step " + step.i + (step.s ? " · session " + step.s : "") + " · ", el("code", {}, step.name)),
        el("span", {}, status, " " + step.obs + " tok · ctx " + step.ctx + " · " + step.ms + " ms" + (step.usage ? " · model " + step.usage : ""))),
      body);
  }
  function renderStep() {
    const steps = current.trajectory ? current.trajectory.steps : [];
    const holder = document.getElementById("step-holder");
    holder.textContent = "";
    const timeline = document.getElementById("timeline");
    timeline.textContent = "";
    steps.forEach((s, i) => {
      const dot = el("span", { class: (s.err ? "err" : s.submit ? "submit" : s.ann && s.ann.wrong ? "wrong" : "") + (i === stepIndex ? " cur" : ""), title: "step " + s.i + ": " + s.name });
      dot.onclick = () => { stepIndex = i; renderStep(); };
      timeline.appendChild(dot);
    });
    document.getElementById("step-pos").textContent = steps.length ? "step " + (stepIndex + 1) + " of " + steps.length : "no steps recorded";
    document.getElementById("prev").disabled = stepIndex <= 0;
    document.getElementById("next").disabled = stepIndex >= steps.length - 1;
    if (steps.length) holder.appendChild(stepCard(steps[stepIndex]));
  }
  function select(ep) {
    current = ep; stepIndex = 0;
    view.textContent = "";
    const t = ep.trajectory;
    view.appendChild(el("h3", {}, ep.agent + " · " + ep.env + " · " + fmtLength(ep.length) + " · seed " + ep.seed + " "));
    view.querySelector("h3").appendChild(verdict(ep));
    view.appendChild(el("div", { class: "facts" },
      el("span", {}, "termination: " + ep.termination), el("span", {}, ep.steps_n + " steps"),
      el("span", {}, ep.tokens.toLocaleString() + " model tokens"), el("span", {}, "$" + ep.cost.toFixed(4)),
      el("span", {}, ep.wall.toFixed(2) + " s"), el("span", {}, "task " + ep.task_id), el("span", {}, "key " + ep.key)));
    if (ep.error) view.appendChild(el("div", { class: "banner bad" }, ep.error));
    if (t) {
      view.appendChild(el("details", {}, el("summary", {}, "task prompt"), el("pre", {}, t.prompt)));
      if (t.gold !== null) view.appendChild(el("details", {}, el("summary", {}, "expected answer"), el("pre", {}, t.gold)));
    }
    if (Object.keys(ep.metrics).length) view.appendChild(el("details", {}, el("summary", {}, "metrics and labels"), kv(Object.assign({}, ep.metrics, ep.labels))));
    view.appendChild(el("div", { class: "stepper" },
      el("button", { id: "prev", onclick: () => { if (stepIndex > 0) { stepIndex--; renderStep(); } } }, "◀ previous"),
      el("button", { id: "next", onclick: () => { if (current.trajectory && stepIndex < current.trajectory.steps.length - 1) { stepIndex++; renderStep(); } } }, "next ▶"),
      el("span", { id: "step-pos", class: "ci" })));
    view.appendChild(el("div", { id: "timeline", class: "timeline" }));
    view.appendChild(el("div", { id: "step-holder" }));
    if (!t) view.appendChild(el("p", { class: "ci" }, !ep.embedded && ep.file
      ? "This page embeds a share of each agent and env's episodes; read this one in " + ep.file + " (or `locogym replay` it)."
      : "No trajectory was recorded for this episode."));
    renderStep();
    renderList();
  }
  document.addEventListener("keydown", (e) => {
    if (!current || e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === "ArrowRight" || e.key === "j") document.getElementById("next").click();
    if (e.key === "ArrowLeft" || e.key === "k") document.getElementById("prev").click();
  });
  for (const f of Object.values(filters)) f.addEventListener("input", renderList);
  renderList();
  if (episodes.length) select(episodes.find((ep) => ep.trajectory && ep.trajectory.steps.length > 1) || episodes[0]);
  document.body.setAttribute("data-browser", "ready");
})();
