// Live alert feed: backlog from GET /alerts, then SSE with a stream ticket (EventSource cannot send
// the Authorization header). On a dropped connection it gets a new ticket and resumes after the
// last id it saw (lastEventId), so nothing retained on the server is missed.
import { api } from './api.js';
import { h, clear, fmtTime } from './dom.js';
import { t } from './i18n.js';

const MAX_SHOWN = 200;
const byId = new Map();
let lastId = null;
let source = null;
let retryTimer = null;
let audio = null;

export async function startFeed() {
  const list = document.getElementById('alerts');
  clear(list);
  byId.clear();
  const page = await api('/alerts?limit=100');
  for (const a of page.items.reverse()) render(a, false);
  lastId = page.items.length ? Math.max(...page.items.map((a) => a.id)) : page.lastId;
  await connect();
}

export function stopFeed() {
  source?.close();
  source = null;
  clearTimeout(retryTimer);
}

async function connect() {
  stopFeed();
  let ticket;
  try {
    ticket = (await api('/alerts/stream-tickets', { method: 'POST', body: {} })).ticket;
  } catch {
    return scheduleRetry();
  }
  const url = `/api/v1/alerts/stream?ticket=${encodeURIComponent(ticket)}${lastId !== null ? `&lastEventId=${lastId}` : ''}`;
  source = new EventSource(url);
  source.addEventListener('open', () => setState(true));
  source.addEventListener('alert', (e) => {
    const a = JSON.parse(e.data);
    lastId = Math.max(lastId ?? 0, a.id);
    if (!byId.has(a.id)) render(a, true);
  });
  source.addEventListener('ack', (e) => {
    const { id, ack } = JSON.parse(e.data);
    const el = byId.get(id);
    if (el) markAcked(el, ack);
  });
  source.addEventListener('error', () => {
    setState(false);
    // A closed source will not retry by itself (e.g. its ticket expired): start again.
    if (source && source.readyState === EventSource.CLOSED) scheduleRetry();
  });
}

function scheduleRetry() {
  setState(false);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, 3000);
}

function setState(live) {
  const dot = document.getElementById('feed-state');
  dot.className = `dot ${live ? 'on' : 'off'}`;
  dot.title = t(live ? 'stream.live' : 'stream.down');
}

function title(a) {
  if (a.type === 'lead') return `${t(a.category)} · ${a.leadStatus ? t(a.leadStatus) : ''} · ${a.priority ?? ''}`;
  return `${a.rule}${a.pollutant ? ` · ${a.pollutant}` : ''}`;
}

function render(a, live) {
  const list = document.getElementById('alerts');
  const ackBtn = h('button.ghost', { type: 'button', 'data-ack': a.id, onclick: () => acknowledge(a.id, ackBtn) }, t('ack'));
  const el = h(
    `li.alert.sev-${a.severity}`,
    { 'data-id': a.id, 'data-mn': a.mn, 'data-type': a.type, 'data-lead': a.leadId ?? '' },
    h('div.meta', {}, h('span', {}, `${a.mn} · ${a.region}`), h('span', {}, fmtTime(a.at))),
    h('div.what', {}, h('span.badge', { class: a.severity }, a.severity), ' ', title(a)),
    h('div.muted', {}, a.type === 'lead' ? `${a.leadId} · ${t(a.change ?? '')}` : a.summary),
    h('div.row', {}, ackBtn, a.leadId ? h('a', { href: `#/leads/${a.leadId}` }, t('open.lead')) : h('a', { href: `#/sites/${a.mn}` }, a.mn)),
  );
  if (a.ack) markAcked(el, a.ack);
  byId.set(a.id, el);
  list.prepend(el);
  while (list.children.length > MAX_SHOWN) {
    const last = list.lastElementChild;
    byId.delete(Number(last.dataset.id));
    last.remove();
  }
  if (live) {
    el.classList.add('fresh');
    if (a.severity === 'high' || a.severity === 'critical') cue(a.severity);
  }
}

function markAcked(el, ack) {
  el.classList.add('acked');
  const btn = el.querySelector('[data-ack]');
  if (btn) {
    btn.disabled = true;
    btn.textContent = `${t('acked')} · ${ack.by}`;
  }
}

async function acknowledge(id, btn) {
  btn.disabled = true;
  try {
    const a = await api(`/alerts/${id}/ack`, { method: 'POST', body: {} });
    markAcked(byId.get(id), a.ack);
  } catch {
    btn.disabled = false;
  }
}

// High and critical alerts: a beep (two for critical) and a red frame around the screen.
function cue(severity) {
  const flash = document.getElementById('flash');
  flash.hidden = false;
  flash.style.animation = 'none';
  void flash.offsetWidth;
  flash.style.animation = '';
  setTimeout(() => (flash.hidden = true), 2200);
  try {
    audio ??= new AudioContext();
    const beeps = severity === 'critical' ? 2 : 1;
    for (let i = 0; i < beeps; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = severity === 'critical' ? 1046 : 880;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(audio.destination);
      const at = audio.currentTime + i * 0.3;
      osc.start(at);
      osc.stop(at + 0.18);
    }
  } catch {
    // Audio may be blocked until the user interacts with the page; the flash still shows.
  }
}
