// Sites table: status, last data time, latest values vs limits, open leads; search and filters.
import { api, qs, ApiError } from './api.js';
import { h, clear, fmtTime, fmtNum } from './dom.js';
import { t, pollutantName } from './i18n.js';

const state = { q: '', status: '', industry: '', region: '', cursor: null, stack: [] };

export async function sitesView(view) {
  clear(view);
  const search = h('input', { type: 'search', placeholder: t('search'), value: state.q, 'data-test': 'site-search' });
  const status = h('select', {}, h('option', { value: '' }, t('all.status')), ...['online', 'offline', 'unknown'].map((s) => h('option', { value: s, selected: state.status === s }, t(s))));
  const industry = h('input', { placeholder: t('all.industry'), value: state.industry, size: 10 });
  // A division code: 330106 a county, 330100 its city, 330000 the province (within the user's scope).
  const region = h('input', { placeholder: t('all.region'), value: state.region, size: 10, inputmode: 'numeric', maxlength: 6, 'data-test': 'site-region' });
  const total = h('span.muted');
  const tbody = h('tbody');
  const pager = h('div.pager');
  const reload = () => {
    state.cursor = null;
    state.stack = [];
    load();
  };
  search.addEventListener('input', debounce(() => ((state.q = search.value.trim()), reload()), 300));
  status.addEventListener('change', () => ((state.status = status.value), reload()));
  industry.addEventListener('change', () => ((state.industry = industry.value.trim()), reload()));
  region.addEventListener('change', () => {
    const code = region.value.trim();
    region.classList.toggle('invalid', code !== '' && !/^\d{6}$/.test(code));
    if (region.classList.contains('invalid')) return void (total.textContent = t('region.invalid'));
    state.region = code;
    reload();
  });
  view.append(
    h('h2', {}, t('sites.title')),
    h('div.filters', {}, search, region, status, industry, total),
    h('table', {}, h('thead', {}, h('tr', {}, ...['col.site', 'col.region', 'col.status', 'col.last', 'col.values', 'col.leads'].map((k) => h('th', {}, t(k))))), tbody),
    pager,
  );

  async function load() {
    let page;
    try {
      page = await api(`/sites${qs({ q: state.q, region: state.region, status: state.status, industry: state.industry, limit: 50, cursor: state.cursor })}`);
    } catch (err) {
      // A region outside the user's scope (403) or a bad filter (400): say so, show nothing.
      if (!(err instanceof ApiError) || (err.status !== 403 && err.status !== 400)) throw err;
      total.textContent = err.message;
      clear(tbody);
      clear(pager);
      return;
    }
    total.textContent = t('sites.total', { n: page.total });
    clear(tbody);
    for (const site of page.items) tbody.append(row(site));
    clear(pager);
    if (state.stack.length) pager.append(h('button.ghost', { onclick: () => ((state.cursor = state.stack.pop()), load()) }, '‹'));
    if (page.next) pager.append(h('button.ghost', { onclick: () => (state.stack.push(state.cursor), (state.cursor = page.next), load()) }, '›'));
  }
  await load();
}

function row(site) {
  const values = site.latest.map((v) =>
    h(`span.val${v.exceeded ? '.over' : ''}`, { title: `${v.kind} ${fmtTime(v.time)} flag ${v.flag ?? 'N'}` }, `${pollutantName(v)} ${fmtNum(v.compared)}${v.limit !== null ? ` / ${v.limit}` : ''}${v.flag && v.flag !== 'N' ? ` (${v.flag})` : ''}`),
  );
  return h(
    'tr.click',
    { 'data-mn': site.mn, onclick: () => (location.hash = `#/sites/${site.mn}`) },
    h('td', {}, h('div', {}, site.name ?? site.mn), h('div.muted', {}, `${site.mn}${site.enterprise ? ` · ${site.enterprise}` : ''}`), site.registered ? null : h('span.badge.bad', {}, t('unregistered'))),
    h('td', {}, site.region, site.industry ? h('div.muted', {}, site.industry) : null),
    h('td', {}, h(`span.badge.${site.status}`, {}, t(site.status))),
    h('td', {}, fmtTime(site.lastDataAt)),
    h('td', {}, values.length ? values : h('span.muted', {}, t('no.data'))),
    h('td', {}, site.openLeads ? h('a', { href: `#/leads?mn=${site.mn}`, onclick: (e) => e.stopPropagation() }, h('span.badge.bad', {}, site.openLeads)) : '0'),
  );
}

function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
