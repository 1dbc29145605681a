// One site: a chart per pollutant (limit line, flagged spans, anomalies marked) and hourly averages.
import { api, qs } from './api.js';
import { h, clear, fmtTime, fmtNum } from './dom.js';
import { t, pollutantName } from './i18n.js';
import { lineChart, flagSpans } from './chart.js';

const DAY = 86_400_000;

export async function siteDetailView(view, mn) {
  clear(view);
  const site = await api(`/sites/${encodeURIComponent(mn)}`);
  const to = site.lastDataAt ? site.lastDataAt + 60_000 : Date.now();
  const from = to - DAY;
  const anomalies = (await api(`/anomalies${qs({ mn, from, to, limit: 200 })}`)).items;
  view.append(
    h('p', {}, h('a', { href: '#/sites' }, `‹ ${t('back')}`)),
    h('h2', {}, `${site.name ?? site.mn} `, h(`span.badge.${site.status}`, {}, t(site.status))),
    h(
      'dl.kv.card',
      {},
      ...[['MN', site.mn], ['enterprise', site.enterprise ?? '—'], ['region', site.region], ['standard', site.standard ?? '—'], ['col.last', fmtTime(site.lastDataAt)], ['col.leads', String(site.openLeads)]].flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]),
    ),
  );
  const pollutants = site.latest.length ? site.latest : [];
  if (!pollutants.length) view.append(h('p.muted', {}, t('no.data')));
  for (const p of pollutants) {
    const card = h('div.card', { 'data-pollutant': p.pollutant }, h('h3', {}, `${pollutantName(p)} (${p.pollutant}) ${p.unit ?? ''}`));
    view.append(card);
    await drawPollutant(card, mn, p, from, to, anomalies.filter((a) => a.pollutant === p.pollutant || a.pollutant === null));
  }
}

async function drawPollutant(card, mn, p, from, to, anomalies) {
  const series = await api(`/sites/${encodeURIComponent(mn)}/series${qs({ pollutant: p.pollutant, kind: p.kind, from, to, limit: 1000 })}`);
  const useConverted = p.compared !== null && p.compared === p.converted;
  const points = series.items.map((x) => ({ t: x.time, v: useConverted ? (x.converted ?? x.value) : x.value, flag: x.flag }));
  const step = points.length > 1 ? (points[points.length - 1].t - points[0].t) / (points.length - 1) : 60_000;
  const spans = [...flagSpans(points, step), ...anomalies.map((a) => ({ from: a.start, to: a.end, kind: 'anomaly', label: `${a.rule}: ${a.evidence.summary}` }))];
  card.append(lineChart({ points, limit: series.limits.limit, spans, unit: p.unit ?? '' }));
  const hourly = await api(`/sites/${encodeURIComponent(mn)}/hourly${qs({ pollutant: p.pollutant, from, to })}`);
  const rows = hourly.items.filter((x) => x.totalCount > 0).slice(-12);
  card.append(
    h('h3', {}, t('hourly')),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, t('col.hour')), h('th', {}, t('col.avg')), h('th', {}, t('valid.count')), h('th', {}, ''))),
      h(
        'tbody',
        {},
        ...rows.map((x) => {
          const v = useConverted ? (x.convertedAvg ?? x.avg) : x.avg;
          const over = series.limits.limit !== null && v !== null && x.valid && v > series.limits.limit;
          return h('tr', {}, h('td', {}, fmtTime(x.hourStart)), h(`td${over ? '.val.over' : ''}`, {}, fmtNum(v)), h('td', {}, `${x.validCount}/${x.totalCount}`), h('td', {}, h(`span.badge.${x.valid ? 'ok' : 'bad'}`, {}, t(x.valid ? 'valid' : 'invalid'))));
        }),
      ),
    ),
  );
}
