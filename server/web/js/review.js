// The steering committee's review of ideas, /review/<slug> (#19 items 2, 3, 5):
// open ideas (to voter codes, or to all with idea codes), see who is and is
// not being heard (by interest-holder group), hide with a reason, merge
// duplicates, decide feasibility with a reason and a cost estimate, put
// feasible ideas on the ballot, and download the cycle report. Signed in as on
// /admin: the session cookie (with its CSRF token), or the organizer token of the tab.
import { $, api, errorText, fill, focusView, formatMoney, h, has, localize, slugFromPath, startI18n, t, useStrings } from './common.js';

useStrings('staff');
useStrings('ideas');  // the ideas' own strings, shared with the public ideas page

const slug = slugFromPath();
const enc = encodeURIComponent;
const base = `/processes/${enc(slug)}/ideas`;
const main = $('#main');
const token = sessionStorage.getItem('psephos-token') || '';
let session = null;
let data = null;
let codes = [];  // idea codes made in this tab (the API sends them once)
let notice = '';

const call = (method, path, options = {}) => api(method, path, { ...options, token, csrf: session?.csrf });

async function load(focus) {
  if (!token && !session) {
    const s = await api('GET', '/session');
    if (s.ok) session = s.data;
  }
  if (!token && !session) {
    return fill(main, h('h1', {}, t('committee.title')), h('p', {}, t('committee.sign_in'), ' ', h('a', { href: '/admin' }, t('committee.sign_in_link'))));
  }
  const r = await call('GET', base);
  if (!r.ok) return fill(main, h('h1', {}, t('committee.title')), h('p', { class: 'error', role: 'alert' }, errorText(r.error)));
  data = localize(r.data);
  render(focus);
}

function render(focus) {
  fill(main, h('h1', {}, t('committee.title')), h('p', { class: 'lead' }, data.title),
    notice ? h('p', { class: 'notice', role: 'status', id: 'review-notice' }, notice) : null,
    h('p', {}, h('a', { href: `/ideas/${enc(slug)}`, id: 'public-link' }, t('committee.public_page'))),
    settingsCard(), heardCard(), ideasSection(), reportCard());
  notice = '';
  focusView(focus ? $(focus) : main.querySelector('h1'));
}

const errorOf = (r) => (has(`committee.error.${r.error.code}`) ? t(`committee.error.${r.error.code}`) : errorText(r.error));

// Runs a committee action; shows its refusal in `out`, else reloads with `message`.
async function act(out, method, path, body, message, focus) {
  out.textContent = '';
  const r = await call(method, path, { body });
  if (!r.ok) {
    out.textContent = errorOf(r);
    return null;
  }
  notice = message;
  await load(focus || '#review-notice');
  return r;
}

function settingsCard() {
  const s = data.settings;
  const box = (id, checked, label, hint) => h('div', { class: 'field check' }, h('label', { for: id },
    h('input', { type: 'checkbox', id, checked, 'aria-describedby': hint ? `${id}-hint` : null }), ' ', label),
  hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
  const out = h('p', { class: 'error', role: 'alert', id: 'settings-error' });
  const group = h('select', { id: 'codes-group' }, (data.groups.length ? data.groups : ['']).map((g) => h('option', { value: g }, g || t('committee.no_group'))));
  const count = h('input', { type: 'number', id: 'codes-count', min: 1, max: 5000, value: 20 });
  const codesOut = h('p', { class: 'error', role: 'alert', id: 'codes-error' });
  return h('section', { class: 'card', 'aria-labelledby': 'settings-h' }, h('h2', { id: 'settings-h' }, t('committee.settings')),
    h('form', { id: 'settings-form', onsubmit: (e) => {
      e.preventDefault();
      const categories = $('#categories').value.split(',').map((c) => c.trim()).filter(Boolean);
      act(out, 'PUT', `${base}/settings`, { accepting: $('#accepting').checked, open_to_all: $('#open-to-all').checked, categories },
        t('committee.saved'));
    } },
    box('accepting', s.accepting, t('committee.accepting'), t('committee.accepting_hint')),
    box('open-to-all', s.open_to_all, t('committee.open_to_all')),
    h('div', { class: 'field' }, h('label', { for: 'categories' }, t('committee.categories')),
      h('p', { class: 'hint', id: 'categories-hint' }, t('committee.categories_hint')),
      h('input', { type: 'text', id: 'categories', value: s.categories.join(', '), 'aria-describedby': 'categories-hint' })),
    out, h('button', { type: 'submit', class: 'btn', id: 'save-settings' }, t('committee.save'))),
    s.open_to_all ? h('form', { id: 'codes-form', onsubmit: async (e) => {
      e.preventDefault();
      codesOut.textContent = '';
      const r = await call('POST', `${base}/codes`, { body: { count: Number(count.value), group: group.value } });
      if (!r.ok) return void (codesOut.textContent = errorOf(r));
      codes = r.data.codes;
      notice = t('committee.codes_made', { n: codes.length });
      load('#review-notice');
    } }, h('h3', {}, t('committee.idea_codes')), h('p', { class: 'hint' }, t('committee.idea_codes_hint')),
    h('div', { class: 'grid2' }, h('div', { class: 'field' }, h('label', { for: 'codes-count' }, t('committee.codes_count')), count),
      h('div', { class: 'field' }, h('label', { for: 'codes-group' }, t('committee.codes_group')), group)),
    codesOut, h('button', { type: 'submit', class: 'btn secondary', id: 'make-codes' }, t('committee.make_codes')),
    codes.length ? h('ul', { class: 'mono', id: 'idea-codes' }, codes.map((c) => h('li', {}, c))) : null) : null);
}

// Who is heard: per group, ideas and supports against the codes given out.
function heardCard() {
  const rows = Object.entries(data.by_group);
  return h('section', { class: 'card', 'aria-labelledby': 'heard-h', id: 'heard' }, h('h2', { id: 'heard-h' }, t('committee.heard')),
    h('p', { class: 'hint' }, t('committee.heard_intro')),
    rows.length ? h('ul', { class: 'heard' }, rows.map(([group, c]) => h('li', {},
      h('strong', {}, group === '(none)' ? t('committee.no_group') : group), ': ',
      t('committee.heard_line', { ideas: c.ideas, authors: c.authors, codes: c.voter_codes + c.idea_codes, supports: c.supports, supporters: c.supporters }),
      c.ideas + c.supports === 0 ? [' ', h('span', { class: 'badge draft' }, t('committee.not_heard'))] : null)))
      : h('p', {}, t('committee.heard_none')));
}

function ideasSection() {
  return h('section', { 'aria-labelledby': 'review-ideas-h' }, h('h2', { id: 'review-ideas-h' }, t('committee.ideas', { n: data.ideas.length })),
    data.ideas.length ? h('ol', { class: 'projects' }, data.ideas.map(ideaCard)) : h('p', {}, t('committee.no_ideas')));
}

const statusText = (i) => (i.project ? t('committee.status.on_ballot', { project: i.project }) : t(`committee.status.${i.status}`));

function ideaCard(i) {
  const id = `r${i.id}`;
  const out = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
  const supports = Object.entries(i.supports_by_group).map(([g, n]) => `${g === '(none)' ? t('committee.no_group') : g} ${n}`).join(', ');
  const open = !i.project && i.status !== 'merged';
  return h('li', { class: 'card idea', id: `review-${i.id}` },
    h('h3', {}, `#${i.id} ${i.title}`),
    h('p', {}, h('span', { class: `badge ${i.status === 'hidden' ? 'draft' : i.status === 'not_feasible' ? '' : 'open'}` }, statusText(i))),
    h('p', { class: 'hint' }, t('committee.from', { group: i.group || t('committee.no_group') }), i.idea_code ? ` · ${t('committee.by_idea_code')}` : '',
      ' · ', t('committee.supports', { n: i.supports }), supports ? ` (${supports})` : ''),
    h('p', {}, [i.category, i.place].filter(Boolean).join(' · ')),
    h('p', { class: 'desc' }, i.description),
    i.reason ? h('p', {}, h('strong', {}, t(i.status === 'hidden' ? 'committee.hidden_because' : 'committee.reason')), ' ', i.reason) : null,
    i.cost ? h('p', {}, t('committee.cost_is', { cost: formatMoney(i.cost, data.currency) })) : null,
    open && i.status === 'hidden' ? h('button', { type: 'button', class: 'btn secondary', id: `${id}-restore`,
      onclick: () => act(out, 'POST', `${base}/${i.id}/restore`, {}, t('committee.restored', { id: i.id })) }, t('committee.restore')) : null,
    open && i.status !== 'hidden' ? [decisionForm(i, id, out), moderation(i, id, out)] : null,
    i.status === 'feasible' && !i.project ? ballotForm(i, id, out) : null,
    out);
}

function decisionForm(i, id, out) {
  const radio = (value, label) => h('label', { class: 'choice-line' }, h('input', { type: 'radio', name: `${id}-feasible`, value,
    id: `${id}-${value}`, checked: (i.status === 'feasible') === (value === 'yes') && i.status !== 'submitted' }), ' ', label);
  return h('details', { class: 'subform', open: i.status === 'submitted' }, h('summary', {}, t('committee.decide')),
    h('form', { id: `${id}-decision`, onsubmit: (e) => {
      e.preventDefault();
      const choice = e.target.querySelector(`input[name="${id}-feasible"]:checked`)?.value;
      if (!choice) return void (out.textContent = t('committee.choose_decision'));
      const body = { feasible: choice === 'yes', reason: $(`#${id}-reason`).value };
      if (choice === 'yes') body.cost = Number($(`#${id}-cost`).value);
      act(out, 'POST', `${base}/${i.id}/decision`, body, t('committee.decided', { id: i.id }));
    } },
    h('fieldset', {}, h('legend', {}, t('committee.feasible_q')), radio('yes', t('committee.feasible')), radio('no', t('committee.not_feasible'))),
    h('div', { class: 'field' }, h('label', { for: `${id}-reason` }, t('committee.reason_label')),
      h('p', { class: 'hint', id: `${id}-reason-hint` }, t('committee.reason_hint')),
      h('textarea', { id: `${id}-reason`, rows: 2, maxlength: 1000, 'aria-describedby': `${id}-reason-hint` }, i.reason || '')),
    h('div', { class: 'field' }, h('label', { for: `${id}-cost` }, t('committee.cost', { currency: data.currency })),
      h('input', { type: 'number', id: `${id}-cost`, min: 1, step: 1, value: i.cost || '' })),
    h('button', { type: 'submit', class: 'btn', id: `${id}-decide` }, t('committee.save_decision'))));
}

function moderation(i, id, out) {
  const others = data.ideas.filter((o) => o.id !== i.id && (o.status === 'submitted' || o.status === 'feasible'));
  return h('details', { class: 'subform' }, h('summary', {}, t('committee.moderate')),
    h('form', { id: `${id}-hide`, onsubmit: (e) => {
      e.preventDefault();
      act(out, 'POST', `${base}/${i.id}/hide`, { reason: $(`#${id}-hide-reason`).value }, t('committee.hidden', { id: i.id }));
    } }, h('div', { class: 'field' }, h('label', { for: `${id}-hide-reason` }, t('committee.hide_reason')),
      h('input', { type: 'text', id: `${id}-hide-reason`, maxlength: 1000 })),
    h('button', { type: 'submit', class: 'btn secondary', id: `${id}-hide-button` }, t('committee.hide'))),
    others.length ? h('form', { id: `${id}-merge`, onsubmit: (e) => {
      e.preventDefault();
      act(out, 'POST', `${base}/${i.id}/merge`, { into: Number($(`#${id}-into`).value) }, t('committee.merged', { id: i.id }));
    } }, h('div', { class: 'field' }, h('label', { for: `${id}-into` }, t('committee.merge_into')),
      h('select', { id: `${id}-into` }, others.map((o) => h('option', { value: o.id }, `#${o.id} ${o.title}`)))),
    h('button', { type: 'submit', class: 'btn secondary', id: `${id}-merge-button` }, t('committee.merge'))) : null);
}

function ballotForm(i, id, out) {
  if (data.state !== 'draft') return h('p', { class: 'hint' }, t('committee.ballot_closed'));
  return h('form', { class: 'subform', id: `${id}-ballot`, onsubmit: (e) => {
    e.preventDefault();
    act(out, 'POST', `${base}/projects`, { budget: $(`#${id}-budget`).value, ideas: [i.id] }, t('committee.on_ballot', { id: i.id }));
  } }, h('div', { class: 'field' }, h('label', { for: `${id}-budget` }, t('committee.budget')),
    h('select', { id: `${id}-budget` }, data.budgets.map((b) => h('option', { value: b.id }, b.title || b.id)))),
  h('button', { type: 'submit', class: 'btn', id: `${id}-to-ballot` }, t('committee.to_ballot')));
}

function reportCard() {
  const out = h('span', { class: 'error', role: 'alert' });
  return h('section', { class: 'card', 'aria-labelledby': 'report-h' }, h('h2', { id: 'report-h' }, t('report.title')),
    h('p', { class: 'hint' }, t('report.intro')),
    h('button', { type: 'button', class: 'btn secondary', id: 'report-csv', onclick: async () => {
      out.textContent = '';
      const r = await call('GET', `/processes/${enc(slug)}/report.csv`);
      if (!r.ok) return void (out.textContent = errorText(r.error));
      const a = h('a', { href: URL.createObjectURL(new Blob([r.data], { type: 'text/csv' })), download: `${slug}-report.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    } }, t('report.csv')), out);
}

await startI18n(() => data && render());
load();
