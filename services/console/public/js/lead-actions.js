// Transition buttons for a lead, only those its status allows; errors are shown, not swallowed.
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const allowed = {
  new: ['acknowledge', 'close'],
  acknowledged: ['assign', 'close'],
  assigned: ['investigate', 'assign', 'close'],
  investigating: ['assign', 'close'],
  closed: ['reopen'],
};

export function commandForm(lead, done) {
  const error = h('p.error');
  const run = async (body) => {
    error.textContent = '';
    try {
      await api(`/leads/${lead.id}/transitions`, { method: 'POST', body });
      await done();
    } catch (err) {
      error.textContent = err.message;
    }
  };
  const reason = h('input', { placeholder: t('reason'), size: 24 });
  const team = h('input', { placeholder: t('team'), size: 14 });
  const dup = h('input', { placeholder: t('duplicate.of'), size: 22 });
  const resolution = h('select', {}, ...['dismissed', 'confirmed', 'duplicate'].map((r) => h('option', { value: r }, t(r))));
  const buttons = (allowed[lead.status] ?? []).map((action) => {
    const b = (label, body, cls = '') => h(`button${cls}`, { 'data-action': action, onclick: () => run(body()) }, label);
    switch (action) {
      case 'assign':
        return h('span.actions', {}, team, b(t('assign'), () => ({ action, team: team.value.trim() })));
      case 'close':
        return h('span.actions', {}, resolution, reason, dup, b(t('close'), () => ({ action, resolution: resolution.value, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}), ...(dup.value.trim() ? { duplicateOf: dup.value.trim() } : {}) }), '.danger'));
      case 'reopen':
        return h('span.actions', {}, reason, b(t('reopen'), () => ({ action, reason: reason.value.trim() })));
      default:
        return b(t(action), () => ({ action }));
    }
  });
  return h('div', {}, h('div.actions', {}, ...buttons), error);
}
