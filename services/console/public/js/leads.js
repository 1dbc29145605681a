// Lead queue: filters by status, category, MN, free text; paged with the API cursor.
import { api, qs } from './api.js';
import { h, clear, fmtTime } from './dom.js';
import { t } from './i18n.js';

export async function leadsView(view, params) {
  clear(view);
  const filter = { status: params.get('status') ?? 'new,acknowledged,assigned,investigating', category: params.get('category') ?? '', mn: params.get('mn') ?? '', q: params.get('q') ?? '' };
  const statuses = ['new,acknowledged,assigned,investigating', 'new', 'acknowledged', 'assigned', 'investigating', 'closed'];
  const status = h('select', {}, ...statuses.map((s) => h('option', { value: s, selected: filter.status === s }, s.includes(',') ? t('all.statuses') : t(s))));
  const category = h('select', {}, h('option', { value: '' }, t('all.categories')), ...['exceedance', 'tampering', 'data-quality'].map((c) => h('option', { value: c, selected: filter.category === c }, t(c))));
  const q = h('input', { type: 'search', placeholder: t('search'), value: filter.q || filter.mn });
  const tbody = h('tbody');
  const pager = h('div.pager');
  const apply = () => {
    const p = new URLSearchParams({ status: status.value, ...(category.value ? { category: category.value } : {}), ...(q.value.trim() ? { q: q.value.trim() } : {}) });
    location.hash = `#/leads?${p}`;
  };
  for (const el of [status, category]) el.addEventListener('change', apply);
  q.addEventListener('change', apply);
  view.append(
    h('h2', {}, t('leads.title')),
    h('div.filters', {}, status, category, q),
    h('table', {}, h('thead', {}, h('tr', {}, ...['col.lead', 'col.site', 'col.category', 'col.status', 'col.priority', 'col.score', 'col.anomalies', 'col.updated'].map((k) => h('th', {}, t(k))))), tbody),
    pager,
  );
  const load = async (cursor) => {
    const page = await api(`/leads${qs({ status: filter.status, category: filter.category, mn: filter.mn, q: filter.q, limit: 50, cursor })}`);
    for (const l of page.items) tbody.append(row(l));
    clear(pager);
    if (page.next) pager.append(h('button.ghost', { onclick: () => load(page.next) }, t('more')));
  };
  await load(null);
}

function row(l) {
  return h(
    'tr.click',
    { 'data-lead': l.id, onclick: () => (location.hash = `#/leads/${l.id}`) },
    h('td', {}, h('span.hash', {}, l.id)),
    h('td', {}, l.enterprise ?? l.mn, h('div.muted', {}, `${l.mn} · ${l.region}`)),
    h('td', {}, t(l.category)),
    h('td', {}, h('span.badge', {}, t(l.status))),
    h('td', {}, h(`span.badge.${l.priority}`, {}, l.priority)),
    h('td', {}, String(l.score)),
    h('td', {}, String(l.anomalies.length)),
    h('td', {}, fmtTime(l.updatedAt)),
  );
}
