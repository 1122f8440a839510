// The owner's view of the cycle's phases (GET, PUT …/phases, POST
// …/phases/P/open|close): each phase with its state and dates, its dates set
// or changed (in the organizer's time zone), and ideas, review and
// implementation opened or closed now. The vote is the voting window (its own
// card and the buttons above); the results open when they are published.
import { errorText, focusView, formatWhen, h, has, t } from './common.js';
import { fromLocalInput, toLocalInput, zone } from './admin-window.js';

const BY_HAND = ['ideas', 'review', 'implementation'];  // opened and closed here
const DATED = ['ideas', 'review', 'results', 'implementation'];  // dates set here (the vote's: the window's card)

// What a phase's dates say, in words: "Opened on March 15 at 8:00 AM. Closes on …".
function datesText(p) {
  const parts = [];
  const past = (ms) => ms <= Date.now();
  if (p.opens_at_ms) parts.push(t(past(p.opens_at_ms) ? 'admin.phases.opened_on' : 'admin.phases.opens_on', formatWhen(p.opens_at_ms, zone())));
  if (p.closes_at_ms) parts.push(t(past(p.closes_at_ms) ? 'admin.phases.closed_on' : 'admin.phases.closes_on', formatWhen(p.closes_at_ms, zone())));
  return parts.length ? parts.join(' ') : t('admin.phases.no_dates');
}

// The panel; `refresh()` loads the timeline (and whether ideas are switched on) and draws it.
export function phasesPanel({ slug, call }) {
  const path = `/processes/${encodeURIComponent(slug)}`;
  const list = h('ol', { class: 'phase-admin', id: 'phase-list' });
  const status = h('p', { class: 'notice', role: 'status', id: 'phases-status', hidden: true, tabindex: -1 });
  const element = h('section', { class: 'card no-print', 'aria-labelledby': 'phases-h', id: 'phases-panel' },
    h('h2', { id: 'phases-h' }, t('admin.phases.title')),
    h('p', { class: 'hint' }, t('admin.phases.help', { zone: zone() })),
    status, list);
  let ideasOn = true;

  const draw = (data, said, focus) => {
    list.replaceChildren(...data.phases.map((p) => phaseItem(p)));
    status.hidden = !said;
    status.textContent = said || '';
    if (focus) focusView(focus());
  };

  // A change answered with the new timeline: drawn, and said.
  const apply = async (out, method, route, body, said, focus) => {
    out.textContent = '';
    const r = await call(method, `${path}/phases${route}`, body === undefined ? {} : { body });
    if (!r.ok) {
      out.textContent = errorText(r.error);
      return r;
    }
    draw(r.data, said, focus || (() => status));
    return r;
  };

  function phaseItem(p) {
    const id = `phase-${p.phase}`;
    const out = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
    const name = t(`phases.${p.phase}`);
    const notes = [];
    if (p.phase === 'vote') notes.push(t('admin.phases.vote_note'));
    if (p.phase === 'results') notes.push(t('admin.phases.results_note'));
    if (p.phase === 'ideas') notes.push(t(ideasOn ? 'admin.phases.ideas_note' : 'admin.phases.ideas_off'));
    const open = p.state === 'open';
    const move = (how) => h('button', { type: 'button', class: how === 'open' ? 'btn' : 'btn secondary', id: `${id}-${how}`,
      onclick: () => apply(out, 'POST', `/${p.phase}/${how}`, undefined, t(`admin.phases.did_${how}`, { phase: name })) },
    t(`admin.phases.${how}_now`));
    return h('li', { class: 'phase-admin-item', 'data-phase': p.phase },
      h('h3', { id: `${id}-h` }, name, ' ', h('span', { class: `badge ${p.state}`, id: `${id}-state` }, t(`admin.phases.state_${p.state}`))),
      h('p', { id: `${id}-dates` }, datesText(p)),
      notes.map((n) => h('p', { class: 'hint' }, n)),
      BY_HAND.includes(p.phase) || (p.phase === 'results' && open)
        ? h('div', { class: 'actions' }, open ? move('close') : p.phase === 'results' ? null : move('open')) : null,
      DATED.includes(p.phase) ? datesForm(p, id, out) : null,
      out);
  }

  function datesForm(p, id, out) {
    const input = (which) => {
      const fid = `${id}-${which}`;
      const fieldError = h('p', { class: 'error', id: `${fid}-error` });
      const control = h('input', { type: 'datetime-local', id: fid, value: toLocalInput(p[`${which}_at_ms`]), 'aria-describedby': `${fid}-error` });
      return { control, fieldError, element: h('div', { class: 'field' }, h('label', { for: fid }, t(`admin.phases.${which}`)), control, fieldError) };
    };
    const opens = input('opens');
    const closes = input('closes');
    return h('details', { class: 'subform', id: `${id}-change` }, h('summary', {}, t('admin.phases.change_dates')),
      h('form', { id: `${id}-form`, novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        opens.fieldError.textContent = '';
        closes.fieldError.textContent = '';
        const body = { [p.phase]: { opens_at_ms: fromLocalInput(opens.control.value), closes_at_ms: fromLocalInput(closes.control.value) } };
        const r = await apply(out, 'PUT', '', body, t('admin.phases.saved', { phase: t(`phases.${p.phase}`) }));
        if (r.ok) return;
        const at = { [`${p.phase}.opens_at_ms`]: opens, [`${p.phase}.closes_at_ms`]: closes }[r.error.field];
        if (!at) return;
        out.textContent = '';
        const which = r.error.field.endsWith('closes_at_ms') ? 'closes' : 'opens';
        const key = `admin.phases.error.${which}`;
        at.fieldError.textContent = r.error.code === 'invalid_definition' && has(key) ? t(key) : errorText(r.error);
        at.control.focus();
      } },
      h('p', { class: 'hint' }, t('admin.phases.dates_hint')),
      opens.element, closes.element,
      h('button', { type: 'submit', class: 'btn secondary', id: `${id}-save` }, t('admin.phases.save'))));
  }

  const refresh = async () => {
    const [phases, ideas] = await Promise.all([call('GET', `${path}/phases`), call('GET', `${path}/ideas`)]);
    ideasOn = !ideas.ok || Boolean(ideas.data.settings?.accepting);
    if (!phases.ok) {
      list.replaceChildren(h('li', { class: 'error', role: 'alert' }, errorText(phases.error)));
      return;
    }
    draw(phases.data, '');
  };
  return { element, refresh };
}
