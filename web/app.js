// Checkup reference client: the whole flow of a person filling the form, against the real API, cross-origin.
// No framework: one state object, a few render functions, fetch for JSON and XMLHttpRequest for upload progress.

const $ = (selector, root = document) => root.querySelector(selector);
const SLOTS = 3;
const AUTOSAVE_DELAY_MS = 600;
const POLL_MS = 1000;

const state = {
  api: "",
  token: "",
  apiOrigins: [], // the origins this page may send the token to (see loadConfig)
  submission: null, // last copy the server confirmed
  etag: null,
  saving: null, // the save in flight (a promise), so submit can wait for it
  saveAgain: false,
  saveTimer: null,
  conflict: false,
  polls: new Map(), // imageId -> timer
};

// ---------- HTTP ----------
async function call(method, path, { body, ifMatch } = {}) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  const response = await fetch(state.api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: response.status, json, etag: response.headers.get("ETag") };
}

function uploadImage(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", state.api + "/api/images");
    xhr.setRequestHeader("Authorization", `Bearer ${state.token}`);
    xhr.setRequestHeader("Idempotency-Key", crypto.randomUUID());
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch { json = null; }
      resolve({ status: xhr.status, json });
    };
    xhr.onerror = () => reject(new Error("network error"));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

const problemText = (json, fallback) => (json && (json.detail || json.title)) || fallback;

// ---------- screens ----------
function show(screen) {
  for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== `screen-${screen}`;
  $("#who").hidden = screen === "signin";
  document.body.dataset.screen = screen;
}

function banner(message) {
  const b = $("#banner");
  b.textContent = message || "";
  b.hidden = !message;
}

async function route() {
  banner("");
  const { status, json, etag } = await call("GET", "/api/submission");
  if (status === 401) {
    sessionStorage.removeItem("checkup.token");
    show("signin");
    banner("Your session is not valid (expired or wrong token). Please sign in again.");
    return;
  }
  if (status === 404) return show("start");
  if (status !== 200) {
    banner(problemText(json, `The server answered ${status}.`));
    return;
  }
  accept(json, etag);
  if (json.status === "submitted") return showDone(json);
  fillForm(json);
  show("form");
}

function accept(submission, etag) {
  state.submission = submission;
  state.etag = etag || `"${submission.version}"`;
}

// ---------- form ----------
function buildForm() {
  const container = $("#projects");
  const template = $("#project-template");
  for (let i = 0; i < SLOTS; i++) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.dataset.index = String(i);
    $(".slot", node).textContent = String(i + 1);
    for (const input of node.querySelectorAll("[data-field]:not([type=file])")) {
      input.addEventListener("input", () => { clearError(i, input.dataset.field); scheduleSave(); });
    }
    $("[data-field=file]", node).addEventListener("change", (e) => onFile(i, e.target));
    container.appendChild(node);
  }
}

const fieldset = (i) => $(`#projects .project[data-index="${i}"]`);

function fillForm(submission) {
  submission.projects.forEach((p, i) => {
    const fs = fieldset(i);
    for (const field of ["name", "role", "description"]) $(`[data-field=${field}]`, fs).value = p[field] ?? "";
    fs.dataset.imageId = p.imageId ?? "";
    renderImage(i, p.image);
    if (p.image && !isFinal(p.image.status)) poll(i, p.image.id);
  });
}

function formState() {
  const projects = [];
  for (let i = 0; i < SLOTS; i++) {
    const fs = fieldset(i);
    const value = (f) => $(`[data-field=${f}]`, fs).value;
    projects.push({ name: value("name"), description: value("description"), role: value("role"), imageId: fs.dataset.imageId || null });
  }
  return { projects };
}

// ---------- autosave ----------
function scheduleSave() {
  if (state.conflict) return;
  setSaveState("Unsaved changes…");
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(save, AUTOSAVE_DELAY_MS);
}

function save() {
  if (state.saving) { state.saveAgain = true; return state.saving; }
  state.saving = saveOnce().finally(() => {
    state.saving = null;
    if (state.saveAgain && !state.conflict) { state.saveAgain = false; save(); }
  });
  return state.saving;
}

async function saveOnce() {
  setSaveState("Saving…");
  try {
    const { status, json, etag } = await call("PUT", "/api/submission/draft", { body: formState(), ifMatch: state.etag });
    if (status === 200) {
      accept(json, etag);
      setSaveState("All changes saved");
    } else if (status === 412) {
      showConflict(json);
    } else if (status === 409 && json?.code === "submitted") {
      await route();
    } else if (status === 422) {
      showErrors(json);
      setSaveState("Not saved: see the highlighted fields", true);
    } else {
      setSaveState(problemText(json, `Not saved (server answered ${status})`), true);
    }
  } catch {
    setSaveState("Not saved: no connection. Retrying…", true);
    state.saveTimer = setTimeout(save, 3000);
  }
}

function setSaveState(text, error = false) {
  const el = $("#save-state");
  el.textContent = text;
  el.classList.toggle("error", error);
}

function showConflict() {
  state.conflict = true;
  clearTimeout(state.saveTimer);
  $("#conflict").hidden = false;
  setSaveState("Not saved: changed elsewhere", true);
}

async function loadLatest() {
  state.conflict = false;
  $("#conflict").hidden = true;
  await route();
  setSaveState("Loaded the latest version");
}

// ---------- images ----------
const STATUS_TEXT = {
  "uploaded": ["Uploading…", "pending"],
  "saved-locally": ["Uploaded, sending to image storage…", "pending"],
  "saved-cld": ["Stored", "ok"],
  "cld-upload-failure": ["Image storage is retrying…", "pending"],
  "local-upload-failure": ["Upload failed: choose the file again", "bad"],
};
const isFinal = (status) => status === "saved-cld" || status === "local-upload-failure";

function renderImage(i, image) {
  const fs = fieldset(i);
  const status = $(".image-status", fs);
  const thumb = $(".thumb", fs);
  if (!image) { status.textContent = ""; thumb.hidden = true; return; }
  const [text, cls] = STATUS_TEXT[image.status] ?? [image.status, "pending"];
  status.textContent = image.status === "cld-upload-failure" && image.attempts ? `${text} (attempt ${image.attempts})` : text;
  status.className = `image-status ${cls}`;
  status.dataset.status = image.status;
  if (image.url && thumb.dataset.src !== image.url) {
    thumb.dataset.src = image.url;
    thumb.onload = () => { thumb.hidden = false; };
    thumb.onerror = () => { thumb.hidden = true; }; // the CDN may be out of reach (local development): the status says enough
    thumb.src = image.url;
  } else if (!image.url) {
    thumb.hidden = true;
  }
}

async function onFile(i, input) {
  const file = input.files[0];
  if (!file) return;
  const fs = fieldset(i);
  const progress = $("progress", fs);
  clearError(i, "imageId");
  progress.hidden = false;
  progress.value = 0;
  renderImage(i, { status: "uploaded" });
  try {
    const { status, json } = await uploadImage(file, (p) => { progress.value = p; });
    if (status !== 201) {
      progress.hidden = true;
      renderImage(i, null);
      setError(i, "imageId", problemText(json, `Upload refused (${status})`));
      return;
    }
    progress.hidden = true;
    fs.dataset.imageId = json.id;
    renderImage(i, json);
    scheduleSave();
    poll(i, json.id);
  } catch {
    progress.hidden = true;
    renderImage(i, null);
    setError(i, "imageId", "Upload failed: no connection.");
  } finally {
    input.value = "";
  }
}

function poll(i, imageId) {
  clearTimeout(state.polls.get(i));
  const tick = async () => {
    if (fieldset(i).dataset.imageId !== imageId) return;
    try {
      const { status, json } = await call("GET", `/api/images/${imageId}`);
      if (status === 200) {
        renderImage(i, json);
        if (isFinal(json.status)) return;
      }
    } catch {
      // A dropped request (network, server restart) must not end the live status: the next tick asks again.
    }
    state.polls.set(i, setTimeout(tick, POLL_MS));
  };
  state.polls.set(i, setTimeout(tick, POLL_MS));
}

// ---------- submit ----------
function clearErrors() {
  for (const el of document.querySelectorAll("[data-error]")) { el.hidden = true; el.textContent = ""; }
  for (const el of document.querySelectorAll(".invalid")) el.classList.remove("invalid");
  $("#form-error").hidden = true;
}

function clearError(i, field) {
  const el = $(`[data-error=${field}]`, fieldset(i));
  if (el) { el.hidden = true; el.textContent = ""; }
  $(`[data-field=${field}]`, fieldset(i))?.classList.remove("invalid");
}

function setError(i, field, message) {
  const el = $(`[data-error=${field}]`, fieldset(i));
  if (!el) return false;
  el.textContent = message;
  el.hidden = false;
  $(`[data-field=${field}]`, fieldset(i))?.classList.add("invalid");
  return true;
}

function showErrors(problem) {
  clearErrors();
  const errors = problem?.errors ?? {};
  const general = [];
  for (const [key, messages] of Object.entries(errors)) {
    const match = /^projects\[(\d+)\]\.(\w+)$/.exec(key);
    const text = [].concat(messages).join(" ");
    if (!(match && setError(Number(match[1]), match[2], text))) general.push(text);
  }
  if (general.length || !Object.keys(errors).length) {
    $("#form-error").textContent = general.join(" ") || problemText(problem, "Please check the form.");
    $("#form-error").hidden = false;
  }
}

async function submit(event) {
  event.preventDefault();
  clearTimeout(state.saveTimer);
  const button = $("#submit");
  button.disabled = true;
  try {
    state.saveAgain = false;
    await state.saving; // submit with the version the last autosave produced, not the one before it
    const { status, json, etag } = await call("POST", "/api/submission/submit", { body: formState(), ifMatch: state.etag });
    if (status === 200) { accept(json, etag); showDone(json); return; }
    if (status === 412) { showConflict(json); return; }
    if (status === 409 && json?.code === "submitted") { await route(); return; }
    showErrors(json);
  } finally {
    button.disabled = false;
  }
}

function showDone(submission) {
  for (const timer of state.polls.values()) clearTimeout(timer);
  $("#done-when").textContent = `Submitted on ${new Date(submission.submittedAt).toLocaleString()}. We will be in touch.`;
  const list = $("#done-projects");
  list.replaceChildren(...submission.projects.map((p) => {
    const li = document.createElement("li");
    li.textContent = `${p.name} — ${p.role}`;
    if (p.image?.url) {
      const link = document.createElement("a");
      link.href = p.image.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = " (image)";
      const img = document.createElement("img");
      img.className = "thumb";
      img.alt = p.name;
      img.hidden = true;
      img.onload = () => { img.hidden = false; };
      img.onerror = () => img.remove(); // the CDN may be out of reach (local development): the link stays
      img.src = p.image.url;
      li.append(link, img);
    }
    return li;
  }));
  show("done");
}

// ---------- which API ----------
// The page sends the person's token to the API, so it only talks to origins it was configured for: its own origin,
// and those listed in config.json beside it (./checkup run writes it; a deployment serves its own). An address
// from a link (#api=...), the sign-in form or a stored session that names another origin is refused.
async function loadConfig() {
  const origins = [location.origin];
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (response.ok) {
      const config = await response.json();
      for (const origin of config.apiOrigins ?? []) {
        const parsed = originOf(origin);
        if (parsed) origins.push(parsed);
      }
    }
  } catch {
    // No config beside the page: only its own origin.
  }
  state.apiOrigins = [...new Set(origins)];
}

function originOf(address) {
  try {
    const url = new URL(address);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

const allowedApi = (address) => state.apiOrigins.includes(originOf(address));

function refuseApi(address) {
  show("signin");
  banner(`This page does not send your token to ${address}: it only talks to ${state.apiOrigins.join(", ")}.`);
}

// ---------- sign-in ----------
function signIn(api, token) {
  if (!allowedApi(api)) {
    refuseApi(api);
    return Promise.resolve();
  }
  state.api = api.replace(/\/+$/, "");
  state.token = token.trim();
  sessionStorage.setItem("checkup.api", state.api);
  sessionStorage.setItem("checkup.token", state.token);
  try {
    const payload = JSON.parse(atob(state.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    $("#who-name").textContent = `Signed in as ${payload.sub}`;
  } catch {
    $("#who-name").textContent = "Signed in";
  }
  return route();
}

async function init() {
  buildForm();
  $("#signin-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#api-base").value, $("#token").value); });
  $("#sign-out").addEventListener("click", () => { sessionStorage.removeItem("checkup.token"); location.reload(); });
  $("#start").addEventListener("click", async () => {
    const { status, json, etag } = await call("POST", "/api/submission");
    if (status === 200 || status === 201) { accept(json, etag); fillForm(json); show("form"); } else banner(problemText(json, `Could not start (${status}).`));
  });
  $("#load-latest").addEventListener("click", loadLatest);
  $("#projects-form").addEventListener("submit", submit);

  await loadConfig();
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("api") || params.has("token")) history.replaceState(null, "", location.pathname); // keep the token out of the address bar
  const stored = sessionStorage.getItem("checkup.api");
  // Without a link: the stored API if it is still allowed, else the first configured one (the page's own origin last).
  const fallback = stored && allowedApi(stored) ? stored : state.apiOrigins[state.apiOrigins.length > 1 ? 1 : 0];
  const linked = params.get("api");
  $("#api-base").value = linked && allowedApi(linked) ? linked : fallback;
  if (linked && !allowedApi(linked)) {
    refuseApi(linked); // neither the token the link carries nor the stored one goes there
    return;
  }
  const token = params.get("token") || sessionStorage.getItem("checkup.token");
  if (token) signIn(linked || fallback, token); else show("signin");
}

init();
