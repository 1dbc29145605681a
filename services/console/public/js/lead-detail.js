/* global URL */
// One lead: facts, transition buttons, evidence chart per anomaly, timeline, comments, audit trail.
import { api } from './api.js';
import { h, clear, fmtTime } from './dom.js';
import { t } from './i18n.js';
import { lineChart } from './chart.js';
import { commandForm } from './lead-actions.js';

export async function leadDetailView(view, id) {
  clear(view);
  const { lead, anomalies, comments, assignments } = await api(`/leads/${encodeURIComponent(id)}`);
  const refresh = () => leadDetailView(view, id);
  view.append(
    h('p', {}, h('a', { href: '#/leads' }, `‹ ${t('back')}`)),
    h('h2', {}, `${lead.enterprise ?? lead.mn} `, h(`span.badge.${lead.priority}`, {}, lead.priority), ' ', h('span.badge', { 'data-test': 'lead-status' }, t(lead.status))),
    h(
      'div.grid2',
      {},
      h(
        'dl.kv.card',
        {},
        ...[['col.lead', lead.id], ['MN', lead.mn], ['region', lead.region], ['col.category', t(lead.category)], ['col.score', String(lead.score)], ['team', lead.team ?? '—'], ['resolution', lead.resolution ? t(lead.resolution) : '—']].flatMap(([k, v]) => [
          h('dt', {}, t(k)),
          h('dd', {}, v),
        ]),
      ),
      h('div.card', {}, h('h3', {}, t('col.status')), commandForm(lead, refresh), h('h3', {}, t('export')), h('div.actions', {}, ...['json', 'csv'].map((f) => h('button.ghost', { onclick: () => download(lead.id, f) }, f.toUpperCase())))),
    ),
  );
  const ev = h('div.card', {}, h('h3', {}, `${t('evidence')} v${lead.evidence.version}`));
  for (const a of lead.evidence.anomalies) {
    const limit = a.evidence.limit?.value ?? lead.evidence.site?.limits?.[a.pollutant] ?? null;
    const points = a.evidence.readings.filter((r) => r.code === (a.pollutant ?? r.code)).map((r) => ({ t: r.t, v: r.value }));
    ev.append(h('div', {}, h('span.badge', { class: a.severity }, a.severity), ` ${a.rule} · ${a.pollutant ?? ''} · ${fmtTime(a.start)} – ${fmtTime(a.end)}`), h('p.muted', {}, a.evidence.summary));
    ev.append(lineChart({ points, limit, spans: [{ from: a.start, to: a.end, kind: 'anomaly', label: a.rule }], height: 200 }));
  }
  view.append(ev);
  const events = [
    ...anomalies.map((a) => ({ at: a.start, text: `${a.rule} ${a.pollutant ?? ''}: ${a.evidence.summary}` })),
    ...assignments.map((x) => ({ at: x.at, text: `${t('assign')} → ${x.team} (${x.assignedBy})` })),
    ...comments.map((c) => ({ at: c.at, text: `${c.author}: ${c.text}` })),
  ].sort((x, y) => x.at - y.at);
  view.append(h('div.card', {}, h('h3', {}, t('timeline')), h('ul.timeline', {}, ...events.map((e) => h('li', {}, h('span.muted', {}, fmtTime(e.at)), ' ', e.text))), commentBox(lead.id, refresh)));
  view.append(await auditCard(lead.id));
}

function commentBox(id, refresh) {
  const input = h('input', { placeholder: t('add.comment'), size: 40 });
  return h('div.actions', {}, input, h('button', { onclick: async () => input.value.trim() && (await api(`/leads/${id}/comments`, { method: 'POST', body: { text: input.value.trim() } }), refresh()) }, t('add.comment')));
}

async function auditCard(id) {
  const card = h('div.card', { 'data-test': 'audit' }, h('h3', {}, t('audit')));
  const verdict = h('span');
  const list = h('ol');
  const verify = async () => {
    const report = await api(`/leads/${id}/audit/verify`);
    clear(verdict).append(h(`span.badge.${report.verdict.ok ? 'ok' : 'bad'}`, {}, t(report.verdict.ok ? 'audit.ok' : 'audit.bad')), ` ${report.verdict.entries}`);
    clear(list).append(...report.entries.map((e) => h('li', {}, `${fmtTime(e.at)} ${e.actor} ${e.action} `, h('span.hash', {}, e.hash.slice(0, 16)))));
  };
  card.append(h('div.actions', {}, h('button.ghost', { onclick: verify }, t('verify')), verdict), list);
  await verify();
  return card;
}

async function download(id, format) {
  const res = await api(`/leads/${id}/export?format=${format}`, { raw: true });
  const blob = await res.blob();
  const a = h('a', { href: URL.createObjectURL(blob), download: `${id}.${format}` });
  a.click();
  URL.revokeObjectURL(a.href);
}
