// hookd inspector: plain JS, no build step, nothing loaded from elsewhere.
// Every data call carries `Authorization: Bearer <token>`; the live stream is read with fetch()
// (EventSource cannot send that header, and a token in a URL ends up in logs and history).

const TOKEN_KEY = 'hookd.adminToken';
const $ = (sel) => document.querySelector(sel);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  view: 'events',
  filters: {},
  next: null,
  selected: null,
  detail: null,
  lastSeq: 0,
  sources: new Set(),
  rejections: 0,
  stream: null,
};

class Unauthorized extends Error {}

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { ...(init.headers || {}), Authorization: `Bearer ${state.token}` } });
  if (res.status === 401) throw new Unauthorized('the admin token was not accepted');
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error || message;
    } catch {}
    throw new Error(message);
  }
  return res;
}
const getJson = async (path) => (await api(path)).json();

/* ---------- tiny DOM helpers (text only: nothing from an event is ever parsed as HTML) ---------- */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}
const badge = (text, kind = text) => el('span', { class: `badge ${kind}`, text });
const shortTime = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const longTime = (iso) => new Date(iso).toLocaleString([], { hour12: false });
/** `iglu:dev.hookd.jobserv/build_complete/jsonschema/1-0-0` → `jobserv/build_complete 1-0-0` (the full URI is in the title). */
const shortSchema = (uri) => {
  const m = /^iglu:([^/]+)\/([^/]+)\/[^/]+\/(.+)$/.exec(uri || '');
  return m ? `${m[1].split('.').pop()}/${m[2]} ${m[3]}` : uri || '—';
};
/** Text with `code` spans, as the server writes commands in its explanations. */
const withCode = (text) => String(text).split('`').map((part, i) => (i % 2 ? el('code', { text: part }) : part));
const kb = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

function toast(message, bad = false) {
  const t = $('#toast');
  t.textContent = message;
  t.className = `toast${bad ? ' bad' : ''}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 4000);
}

/* ---------- sign in ---------- */
function showLogin(message) {
  stopStream();
  $('#login').hidden = false;
  $('#nav').hidden = true;
  $('#sign-out').hidden = true;
  for (const v of document.querySelectorAll('.view')) v.hidden = true;
  const err = $('#token-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('#token-input').focus();
}

async function signIn(token) {
  state.token = token;
  try {
    await getJson('/api/plugins');
  } catch (err) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(err instanceof Unauthorized ? 'That token was not accepted.' : `Cannot reach hookd: ${err.message}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#sign-out').hidden = false;
  show(state.view);
  await Promise.all([loadEvents(), loadRejections(), loadPlugins()]).catch(handleError);
  startStream();
}

function handleError(err) {
  if (err instanceof Unauthorized) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    showLogin('The admin token is no longer accepted; enter it again.');
  } else {
    toast(err.message, true);
  }
}

function show(view) {
  state.view = view;
  if (view === 'plugins' && state.token) loadPlugins().catch(handleError);
  for (const b of document.querySelectorAll('#nav button')) b.classList.toggle('active', b.dataset.view === view);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
}

/* ---------- events list ---------- */
function query(extra = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...state.filters, ...extra })) if (v) p.set(k, v);
  return p.toString();
}

async function loadEvents(more = false) {
  const data = await getJson(`/api/events?${query({ limit: 100, cursor: more ? state.next : '' })}`);
  const tbody = $('#event-rows');
  if (!more) tbody.replaceChildren();
  for (const e of data.events) {
    tbody.append(eventRow(e));
    noteSource(e.source);
    state.lastSeq = Math.max(state.lastSeq, e.seq);
  }
  state.next = data.next;
  $('#load-more').hidden = !data.next;
  $('#events-empty').hidden = tbody.children.length > 0;
}

function eventRow(e) {
  const tr = el(
    'tr',
    { dataset: { id: e.id, status: e.status }, class: e.id === state.selected ? 'selected' : '', onclick: () => openEvent(e.id) },
    el('td', { class: 'time', title: longTime(e.receivedAt), text: shortTime(e.receivedAt) }),
    el('td', { text: e.source }),
    el('td', {}, badge(e.status)),
    el('td', { class: 'schema', title: e.schema || '', text: shortSchema(e.schema) }),
    el('td', { class: 'outcomes' }, outcomeChips(e.outcomes)),
  );
  return tr;
}

function outcomeChips(outcomes) {
  if (!outcomes || !outcomes.length) return el('span', { class: 'muted', text: '—' });
  return el('div', { class: 'chips' }, outcomes.map((o) => el('span', { class: `badge ${o.status}`, title: `${o.plugin}: ${o.status}`, text: `${o.plugin} ${o.status}` })));
}

function noteSource(name) {
  if (state.sources.has(name)) return;
  state.sources.add(name);
  const select = $('#f-source');
  select.append(el('option', { value: name, text: name }));
}

/** A live event joins the list when it fits the filters the page can check by itself. */
function fitsFilters(e) {
  const f = state.filters;
  if (f.source && f.source !== e.source) return false;
  if (f.status && f.status !== e.status) return false;
  if (f.schema && !globMatch(f.schema, e.schema || '')) return false;
  // Body text and plugin outcomes are only known to the server: refresh the list instead.
  return !f.search && !f.outcome;
}
function globMatch(pattern, text) {
  if (!pattern.includes('*')) return pattern === text;
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(text);
}

function addLiveEvent(e) {
  noteSource(e.source);
  state.lastSeq = Math.max(state.lastSeq, e.seq);
  if (!fitsFilters(e)) return;
  const tbody = $('#event-rows');
  if (tbody.querySelector(`tr[data-id="${CSS.escape(e.id)}"]`)) return;
  const row = eventRow(e);
  row.classList.add('fresh');
  tbody.prepend(row);
  $('#events-empty').hidden = true;
}

function updateOutcome(o) {
  const row = $(`#event-rows tr[data-id="${CSS.escape(o.eventId)}"]`);
  if (row) {
    const cell = row.querySelector('td.outcomes');
    const chips = [...cell.querySelectorAll('.badge')].map((b) => ({ plugin: b.title.split(':')[0], status: b.title.split(': ')[1] }));
    const at = chips.findIndex((c) => c.plugin === o.plugin);
    if (at >= 0) chips[at] = o;
    else chips.push(o);
    cell.replaceChildren(outcomeChips(chips));
  }
  if (state.selected === o.eventId) openEvent(o.eventId, { keepTab: true }).catch(handleError);
}

/* ---------- event detail ---------- */
let detailTab = 'pretty';

async function openEvent(id, { keepTab = false } = {}) {
  state.selected = id;
  for (const tr of document.querySelectorAll('#event-rows tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  const e = await getJson(`/api/events/${encodeURIComponent(id)}`);
  if (state.selected !== id) return;
  state.detail = e;
  if (!keepTab) detailTab = 'pretty';
  renderDetail(e);
}

function renderDetail(e) {
  const pane = $('#detail');
  const why =
    e.status === 'quarantined'
      ? el(
          'div',
          { class: 'why', id: 'why' },
          el('h3', { text: 'Why it is quarantined' }),
          el('p', { class: 'reason' }, withCode(e.reason)),
          e.errors && e.errors.length ? el('ul', {}, e.errors.map((x) => el('li', { text: `${x.path || '(document)'} — ${x.message}` }))) : null,
        )
      : null;
  const failed = (e.outcomes || []).filter((o) => o.status === 'failed');
  const pluginTrouble = failed.length
    ? el('div', { class: 'why bad' }, el('h3', { text: 'Plugin failures' }), el('ul', {}, failed.map((o) => el('li', { text: `${o.plugin} (attempt ${o.attempts}): ${o.error || 'failed'}` }))))
    : null;

  const quarantined = e.status === 'quarantined';
  const replay = el(
    'button',
    { type: 'button', class: 'primary', id: 'replay-btn', disabled: quarantined, title: quarantined ? 'Quarantined events are not handed to plugins' : 'Hand this event to every matching plugin again', onclick: () => replayEvent(e.id) },
    'Replay to plugins',
  );
  const raw = el('button', { type: 'button', id: 'download-raw', onclick: () => downloadRaw(e) }, 'Download raw');
  const note = el('span', { class: 'note', id: 'replay-result' }, quarantined ? withCode('Fix the schema or the sender, then `hookd events revalidate` releases it to the plugins.') : (replayNotes.get(e.id) ?? ''));

  const parts = [
    el('div', { class: 'detail-head' }, el('h2', { text: e.source }), badge(e.status), el('span', { class: 'id', text: e.id })),
    el(
      'dl',
      { class: 'meta' },
      el('dt', { text: 'Received' }), el('dd', { text: longTime(e.receivedAt) }),
      el('dt', { text: 'Schema' }), el('dd', { text: e.schema || '—' }),
      el('dt', { text: 'Content-Type' }), el('dd', { text: e.contentType || '(none)' }),
      el('dt', { text: 'Size' }), el('dd', { text: kb(e.size) }),
      el('dt', { text: 'Dedupe key' }), el('dd', { text: e.dedupeKey }),
      e.item ? [el('dt', { text: 'Batch' }), el('dd', { text: `delivery ${e.item + 1} of request ${e.requestId}` })] : null,
    ),
    why,
    pluginTrouble,
    el('div', { class: 'actions' }, replay, raw, note),
    el(
      'div',
      { class: 'subtabs', id: 'detail-tabs' },
      ['pretty', 'raw', 'headers', 'plugins'].map((t) =>
        el('button', { type: 'button', class: t === detailTab ? 'active' : '', dataset: { tab: t }, onclick: () => ((detailTab = t), renderDetail(e)) }, t[0].toUpperCase() + t.slice(1)),
      ),
    ),
    detailBody(e),
  ];
  pane.replaceChildren(...parts.filter(Boolean));
}

function detailBody(e) {
  switch (detailTab) {
    case 'raw':
      return el('pre', { class: 'code', id: 'raw-body' }, e.body !== null ? e.body : `(not valid UTF-8; base64)\n${e.bodyBase64}`);
    case 'headers':
      return el('table', { class: 'kv', id: 'headers' }, Object.entries(e.headers).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => el('tr', {}, el('td', { text: k }), el('td', { text: v }))));
    case 'plugins':
      if (!e.outcomes.length) return el('p', { class: 'muted', text: e.status === 'quarantined' ? 'Quarantined events are not handed to plugins.' : 'No plugin has an outcome for this event yet.' });
      return el(
        'table',
        { class: 'kv' },
        e.outcomes.map((o) =>
          el('tr', {}, el('td', { text: o.plugin }), el('td', {}, badge(o.status), ` attempts ${o.attempts} · ${longTime(new Date(o.updatedAt).toISOString())}`, o.error ? el('div', { class: 'err', text: o.error }) : null, o.output ? el('pre', { class: 'code', text: o.output }) : null)),
        ),
      );
    default:
      return el('pre', { class: 'code', id: 'pretty-body' }, e.payload !== null ? highlight(e.payload) : e.body ?? '(binary)');
  }
}

/** Pretty JSON as spans built from text nodes: colour without ever interpreting the payload as HTML. */
function highlight(value) {
  const out = [];
  const json = JSON.stringify(value, null, 2);
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (let m; (m = re.exec(json)); ) {
    if (m.index > last) out.push(json.slice(last, m.index));
    if (m[1]) {
      out.push(el('span', { class: m[2] ? 'j-key' : 'j-str', text: m[1] }));
      if (m[2]) out.push(m[2]);
    } else if (m[3]) out.push(el('span', { class: 'j-lit', text: m[3] }));
    else out.push(el('span', { class: 'j-num', text: m[4] }));
    last = re.lastIndex;
  }
  out.push(json.slice(last));
  return out;
}

/** The last replay's answer per event: the detail view re-renders as outcomes arrive and keeps it. */
const replayNotes = new Map();

async function replayEvent(id) {
  const say = (text) => {
    replayNotes.set(id, text);
    if (state.selected === id) $('#replay-result').textContent = text;
  };
  $('#replay-btn').disabled = true;
  say('Replaying…');
  try {
    const res = await api(`/api/events/${encodeURIComponent(id)}/replay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const r = await res.json();
    say(r.queued ? `Queued for ${r.queued} plugin${r.queued === 1 ? '' : 's'}.` : 'No plugin matches this event: nothing to replay to.');
  } catch (err) {
    if (err instanceof Unauthorized) return handleError(err);
    say(`Replay failed: ${err.message}`);
  } finally {
    const btn = $('#replay-btn');
    if (btn && state.selected === id) btn.disabled = false;
  }
}

async function downloadRaw(e) {
  try {
    const blob = await (await api(`/api/events/${encodeURIComponent(e.id)}/raw`)).blob();
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: `${e.id}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (err) {
    handleError(err);
  }
}

/* ---------- rejections ---------- */
async function loadRejections() {
  const data = await getJson('/api/rejections?limit=300');
  const tbody = $('#rejection-rows');
  tbody.replaceChildren(...data.rejections.map(rejectionRow));
  state.rejections = data.total;
  $('#rejection-count').textContent = String(state.rejections);
  $('#rejections-empty').hidden = data.rejections.length > 0;
}

function rejectionRow(r) {
  return el(
    'tr',
    {},
    el('td', { class: 'time', title: longTime(r.at), text: shortTime(r.at) }),
    el('td', { text: r.source || '—' }),
    el('td', {}, badge(String(r.status), 'http4')),
    el('td', { class: 'why-cell' }, r.explanation, el('span', { class: 'code', text: r.status === 401 ? `${r.code}: ${r.reason}` : r.code })),
    el('td', { text: r.clientIp }),
    el('td', { text: kb(r.size) }),
  );
}

function addRejection(r) {
  $('#rejection-rows').prepend(rejectionRow(r));
  $('#rejections-empty').hidden = true;
  $('#rejection-count').textContent = String(++state.rejections);
}

/* ---------- plugins ---------- */
async function loadPlugins() {
  const { plugins } = await getJson('/api/plugins');
  $('#plugin-count').textContent = String(plugins.length);
  $('#plugins-empty').hidden = plugins.length > 0;
  $('#plugin-rows').replaceChildren(
    ...plugins.map((p) =>
      el(
        'tr',
        { dataset: { plugin: p.name } },
        el('td', {}, el('strong', { text: p.name }), p.file ? el('div', { class: 'muted', text: p.file }) : null),
        el('td', { text: p.origin }),
        el('td', {}, badge(p.state), p.leased === false ? el('div', { class: 'muted', text: 'runs on another replica' }) : null),
        el('td', { text: String(p.cursor) }),
        el('td', { text: String(p.lag) }),
        el('td', {}, p.lastError ? el('span', { class: 'err', text: p.lastError }) : el('span', { class: 'muted', text: '—' })),
        el('td', {}, el('button', { type: 'button', onclick: () => setPlugin(p.name, p.state === 'active' ? 'disable' : 'enable') }, p.state === 'active' ? 'Disable' : 'Enable')),
      ),
    ),
  );
}

/** Cursors and lag move with every outcome: refresh the table at most once a second. */
let pluginRefresh = null;
function refreshPluginsSoon() {
  pluginRefresh ??= setTimeout(() => {
    pluginRefresh = null;
    loadPlugins().catch(handleError);
  }, 1000);
}

async function setPlugin(name, action) {
  try {
    await api(`/api/plugins/${encodeURIComponent(name)}/${action}`, { method: 'POST' });
    toast(`${name}: ${action}d`);
    await loadPlugins();
  } catch (err) {
    handleError(err);
  }
}

/* ---------- live stream ---------- */
function setLive(s, text) {
  $('#live').dataset.state = s;
  $('#live-text').textContent = text;
}

function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  setLive('off', 'offline');
}

async function startStream() {
  stopStream();
  const ctrl = new AbortController();
  state.stream = ctrl;
  let delay = 1000;
  while (!ctrl.signal.aborted) {
    try {
      const headers = { Authorization: `Bearer ${state.token}` };
      if (state.lastSeq) headers['Last-Event-ID'] = String(state.lastSeq);
      const res = await fetch('/api/stream', { headers, signal: ctrl.signal });
      if (res.status === 401) return handleError(new Unauthorized('token rejected'));
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      setLive('on', 'live');
      delay = 1000;
      await readEvents(res.body, dispatchMessage);
    } catch (err) {
      if (ctrl.signal.aborted) return;
    }
    setLive('retry', 'reconnecting…');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15000);
  }
}

/** The text/event-stream format: blocks separated by a blank line, `field: value` lines. */
async function readEvents(body, onMessage) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const msg = { event: 'message', data: '' };
      for (const line of block.split(/\r?\n/)) {
        if (!line || line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'data') msg.data += (msg.data ? '\n' : '') + val;
        else if (field === 'event' || field === 'id') msg[field] = val;
      }
      if (msg.data) onMessage(msg);
    }
  }
}

function dispatchMessage(msg) {
  const data = JSON.parse(msg.data);
  switch (msg.event) {
    case 'event':
      return addLiveEvent(data);
    case 'rejection':
      return addRejection(data);
    case 'outcome':
      if (state.view === 'plugins') refreshPluginsSoon();
      return updateOutcome(data);
    case 'plugin':
      return loadPlugins().catch(handleError);
  }
}

/* ---------- wiring ---------- */
$('#token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = $('#token-input').value.trim();
  if (token) signIn(token);
});
$('#sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  $('#token-input').value = '';
  showLogin();
});
for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => show(b.dataset.view));
$('#filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  state.filters = Object.fromEntries([...form.entries()].filter(([, v]) => v));
  loadEvents().catch(handleError);
});
$('#f-clear').addEventListener('click', () => {
  $('#filters').reset();
  state.filters = {};
  loadEvents().catch(handleError);
});
$('#load-more').addEventListener('click', () => loadEvents(true).catch(handleError));

if (state.token) signIn(state.token);
else showLogin();
