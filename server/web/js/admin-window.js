// The organizer's voting window and contact for one process: opening and
// closing times (in the organizer's own time zone, which is stored with them
// so voters read the same clock) and a contact shown to voters who are stuck.
import { errorText, formatWhen, h, has, t } from './common.js';

export const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || '';

// <input type="datetime-local"> reads and writes the browser's local time.
export const toLocalInput = (ms) => (ms ? new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16) : '');
export const fromLocalInput = (value) => (value ? new Date(value).getTime() : null);

// What the server has, in words: "Opens on March 15 at 8:00 AM. Closes on …".
function summary(s) {
  const parts = [];
  if (s.opens_at_ms) parts.push(t('admin.window.opens_on', formatWhen(s.opens_at_ms, s.time_zone)));
  if (s.closes_at_ms) parts.push(t('admin.window.closes_on', formatWhen(s.closes_at_ms, s.time_zone)));
  if (!parts.length) parts.push(t('admin.window.by_hand'));
  if (s.contact) parts.push(t('admin.window.contact_is', { contact: s.contact }));
  return parts.join(' ');
}

export function windowPanel({ slug, state, schedule, call }) {
  const s = schedule || {};
  const editable = state === 'draft' || state === 'open';
  const said = h('p', { id: 'window-summary', role: 'status' }, summary(s));
  const error = h('p', { class: 'error', role: 'alert', id: 'window-error' });
  const field = (id, label, input, hint) => {
    const fieldError = h('p', { class: 'error', id: `${id}-error` });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    return { fieldError, element: h('div', { class: 'field' }, h('label', { for: id }, label),
      h('p', { class: 'hint', id: `${id}-hint` }, hint), input, fieldError) };
  };
  const opens = state === 'draft' ? field('window-opens', t('admin.window.opens'),
    h('input', { type: 'datetime-local', id: 'window-opens', value: toLocalInput(s.opens_at_ms) }), t('admin.window.opens_hint')) : null;
  const closes = editable ? field('window-closes', t('admin.window.closes'),
    h('input', { type: 'datetime-local', id: 'window-closes', value: toLocalInput(s.closes_at_ms) }), t('admin.window.closes_hint')) : null;
  const contact = field('window-contact', t('admin.window.contact'),
    h('input', { type: 'text', id: 'window-contact', maxlength: 200, value: s.contact || '', autocomplete: 'off' }),
    t('admin.window.contact_hint'));
  const byField = { opens_at_ms: opens, closes_at_ms: closes, contact };
  const save = async (e) => {
    e.preventDefault();
    error.textContent = '';
    for (const f of [opens, closes, contact]) if (f) f.fieldError.textContent = '';
    const body = { contact: contact.element.querySelector('input').value.trim(), time_zone: zone() };
    if (opens) body.opens_at_ms = fromLocalInput(opens.element.querySelector('input').value);
    if (closes) body.closes_at_ms = fromLocalInput(closes.element.querySelector('input').value);
    const r = await call('PUT', `/processes/${encodeURIComponent(slug)}/schedule`, { body });
    if (!r.ok) {
      const at = byField[r.error.field];
      const key = `admin.window.error.${r.error.field}`;
      const text = r.error.code === 'invalid_definition' && has(key) ? t(key) : errorText(r.error);
      if (at) {
        at.fieldError.textContent = text;
        at.element.querySelector('input').focus();
      } else {
        error.textContent = text;
      }
      return;
    }
    said.textContent = `${t('admin.window.saved')} ${summary(r.data.schedule)}`;
  };
  return h('section', { class: 'card no-print', 'aria-labelledby': 'window-h', id: 'window-panel' },
    h('h2', { id: 'window-h' }, t('admin.window.title')),
    said,
    editable ? h('p', { class: 'hint' }, t('admin.window.help', { zone: zone() })) : null,
    h('form', { onsubmit: save, novalidate: true },
      opens?.element, closes?.element, contact.element, error,
      h('button', { type: 'submit', class: 'btn', id: 'window-save' }, t('admin.window.save'))));
}
