// Boot: login with a token, then hash routes (#/sites, #/sites/MN, #/leads, #/leads/ID) beside the live feed.
import { api, token, whenUnauthorized } from './api.js';
import { h, clear } from './dom.js';
import { t, applyStatic, setLang, getLang } from './i18n.js';
import { startFeed, stopFeed } from './alerts.js';
import { sitesView } from './sites.js';
import { siteDetailView } from './site-detail.js';
import { leadsView } from './leads.js';
import { leadDetailView } from './lead-detail.js';

const view = () => document.getElementById('view');

function showLogin(message = '') {
  stopFeed();
  document.getElementById('nav').hidden = true;
  document.getElementById('feed').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('layout').classList.add('solo');
  document.getElementById('who').textContent = '';
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'ofs_…' });
  const form = h(
    'form.card.login',
    { onsubmit: (e) => (e.preventDefault(), login(input.value.trim())) },
    h('h2', {}, t('login.title')),
    h('label', { for: 'token' }, t('login.token')),
    input,
    h('button', { type: 'submit', id: 'login' }, t('login.go')),
    h('p.error', {}, message),
  );
  clear(view()).append(form);
}

async function login(value) {
  if (!value) return;
  token.set(value);
  try {
    await api('/me');
  } catch {
    token.clear();
    return showLogin(t('login.bad'));
  }
  await enter();
}

async function enter() {
  document.getElementById('nav').hidden = false;
  document.getElementById('feed').hidden = false;
  document.getElementById('logout').hidden = false;
  document.getElementById('layout').classList.remove('solo');
  const me = await api('/me');
  document.getElementById('who').textContent = `${me.userId} · ${me.role} · ${me.regionScope}`;
  await startFeed();
  await route();
}

async function route() {
  if (!token.get()) return showLogin();
  const [path, query] = location.hash.slice(1).split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = (path || '/sites').split('/').filter(Boolean);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${parts[0]}`);
  // Each route renders into an element of its own: a slower previous route that is still
  // loading then appends to a detached element, never under the page the user is on now.
  const target = h('div.route');
  clear(view()).append(target);
  try {
    if (parts[0] === 'leads' && parts[1]) await leadDetailView(target, decodeURIComponent(parts[1]));
    else if (parts[0] === 'leads') await leadsView(target, params);
    else if (parts[0] === 'sites' && parts[1]) await siteDetailView(target, decodeURIComponent(parts[1]));
    else await sitesView(target);
  } catch (err) {
    clear(target).append(h('p.error', {}, err.message));
  }
}

whenUnauthorized(() => {
  token.clear();
  showLogin(t('login.bad'));
});
document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'en' ? 'zh-CN' : 'en');
  if (token.get()) route();
  else showLogin();
});
document.getElementById('logout').addEventListener('click', () => {
  token.clear();
  showLogin();
});
window.addEventListener('hashchange', () => route());

applyStatic();
if (token.get()) enter().catch(() => showLogin());
else showLogin();
