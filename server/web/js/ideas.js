// The ideas page, /ideas/<slug> (#19 item 2): on a phone, a community member
// sends an idea (title, description, category, place, a photo) with their
// voter code or idea code, and supports others' ideas once each; everyone
// reads the ideas, what the committee made of them, and why some are not feasible.
import { $, api, errorText, fill, focusView, formatMoney, formatWhen, h, has, localize, slugFromPath, startI18n, t, useStrings } from './common.js';
import { photo } from './ballot.js';
import { loadTimeline, timeline } from './timeline.js';

useStrings('ideas');  // this page's strings: the voting page does not download them

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}/ideas`;
const main = $('#main');
const state = { data: null, error: null, code: '', own: new Set(), supported: new Set(), notice: '', image: null, phases: null };

async function load() {
  const [r, phases] = await Promise.all([api('GET', base), loadTimeline(slug)]);
  state.phases = phases;
  state.data = r.ok ? localize(r.data) : null;
  state.error = r.ok ? null : r.error;
  render();
}

function render(focus) {
  if (!state.data) {
    fill(main, h('h1', {}, t('ideas.unavailable')),
      h('p', {}, state.error?.code === 'not_found' ? t('ideas.none_here') : errorText(state.error)));
    return;
  }
  const d = state.data;
  const open = d.taking;
  fill(main, h('h1', {}, d.title), h('p', { class: 'lead' }, t('ideas.intro')),
    h('p', { class: 'notice', id: 'ideas-state', tabindex: -1 }, stateText(d)), timeline(state.phases),
    state.notice ? h('p', { class: 'notice ok', role: 'status', id: 'ideas-notice' }, state.notice) : null,
    open ? codeCard() : null, open ? sendCard() : null, listSection(), rejectedSection());
  if (focus) focusView($(focus));
}

// Where ideas stand, in words: open (until when), opening on a date, closed
// at the ideas phase's end, or closed. `taking` is the server's: the
// organizer's switch and the ideas phase together.
function stateText(d) {
  const p = d.phase || {};
  const when = (ms) => formatWhen(ms, d.time_zone);
  if (d.taking) return p.closes_at_ms ? t('ideas.open_until', when(p.closes_at_ms)) : t('ideas.open');
  if (d.settings.accepting && p.state === 'upcoming' && p.opens_at_ms) return t('ideas.opens_on', when(p.opens_at_ms));
  if (p.state === 'closed' && p.closes_at_ms) return t('ideas.closed_on', when(p.closes_at_ms));
  return t('ideas.closed');
}

function codeCard() {
  const input = h('input', { id: 'code', type: 'text', class: 'code-input', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', value: state.code, 'aria-describedby': 'code-hint code-error' });
  return h('form', { class: 'card', id: 'code-card', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    state.code = input.value.trim();
    const r = await api('POST', `${base}/me`, { body: { code: state.code } });
    if (!r.ok) {
      $('#code-error').textContent = codeError(r.error);
      return focusView(input);
    }
    state.own = new Set(r.data.own);
    state.supported = new Set(r.data.supported);
    state.notice = t('ideas.code_ok');
    render('#ideas-notice');
  } },
  h('label', { for: 'code' }, t('ideas.code')), h('p', { class: 'hint', id: 'code-hint' }, t('ideas.code_hint')), input,
  h('p', { class: 'error', id: 'code-error', role: 'alert' }),
  h('button', { type: 'submit', class: 'btn secondary', id: 'use-code' }, t('ideas.use_code')));
}

const codeError = (error) => (error?.code === 'unknown_code' ? t('ideas.error.unknown_code') : errorText(error));

const field = (id, label, control, hint) => h('div', { class: 'field' }, h('label', { for: id }, label),
  hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, control);

function sendCard() {
  const cats = state.data.settings.categories;
  const category = cats.length
    ? h('select', { id: 'idea-category' }, h('option', { value: '' }, t('ideas.pick_category')), cats.map((c) => h('option', { value: c }, c)))
    : h('input', { id: 'idea-category', type: 'text', maxlength: 100 });
  const file = h('input', { type: 'file', id: 'idea-photo', class: 'file-input', accept: 'image/jpeg,image/png,image/webp',
    onchange: (e) => sendPhoto(e.target.files?.[0]) });
  const chosen = h('div', { id: 'idea-photo-read', 'aria-live': 'polite' }, state.image ? photo(state.image) : null);
  const photoField = field('idea-photo', t('ideas.photo'), file, t('ideas.photo_hint'));
  file.after(h('label', { for: 'idea-photo', class: 'btn secondary small', id: 'idea-photo-choose' },
    t(state.image ? 'ideas.photo_other' : 'ideas.photo_choose')), chosen);
  return h('form', { class: 'card', id: 'send-card', novalidate: true, onsubmit: send },
    h('h2', {}, t('ideas.send_title')),
    field('idea-title', t('ideas.field.title'), h('input', { id: 'idea-title', type: 'text', maxlength: 200, required: true })),
    field('idea-description', t('ideas.field.description'), h('textarea', { id: 'idea-description', rows: 4, maxlength: 5000, required: true }),
      t('ideas.field.description_hint')),
    field('idea-category', t('ideas.field.category'), category),
    field('idea-place', t('ideas.field.place'), h('input', { id: 'idea-place', type: 'text', maxlength: 300 }), t('ideas.field.place_hint')),
    photoField,
    h('p', { class: 'error', id: 'send-error', role: 'alert' }),
    h('button', { type: 'submit', class: 'btn', id: 'send-idea' }, t('ideas.send')));
}

async function sendPhoto(file) {
  if (!file) return;
  const error = $('#send-error');
  if (!needCode(error)) return;
  $('#idea-photo-read').textContent = t('ideas.photo_sending');
  const headers = { Authorization: `Code ${state.code}`, 'Content-Type': file.type || 'application/octet-stream' };
  const response = await fetch(`/api/v1${base}/images`, { method: 'POST', headers, body: file }).catch(() => null);
  const data = await response?.json().catch(() => null);
  if (!response?.ok) {
    $('#idea-photo-read').textContent = '';
    error.textContent = errorText(data?.error || { code: 'network' });
    return;
  }
  state.image = data.image;
  fill($('#idea-photo-read'), photo(state.image));
  $('#idea-photo-choose').textContent = t('ideas.photo_other');
}

function needCode(error) {
  if (state.code) return true;
  error.textContent = t('ideas.need_code');
  focusView($('#code'));
  return false;
}

async function send(e) {
  e.preventDefault();
  const error = $('#send-error');
  error.textContent = '';
  if (!needCode(error)) return;
  const body = { code: state.code, title: $('#idea-title').value, description: $('#idea-description').value,
    category: $('#idea-category').value, place: $('#idea-place').value };
  if (state.image) body.image = state.image;
  const r = await api('POST', base, { body });
  if (r.error?.code === 'ideas_closed') return reload('#ideas-state');  // closed meanwhile: the page says since when
  if (!r.ok) {
    const key = `ideas.field.${r.error.field}`;
    error.textContent = r.error.code === 'unknown_code' ? codeError(r.error)
      : has(`ideas.error.${r.error.code}`) ? t(`ideas.error.${r.error.code}`)
        : r.error.field && has(key) ? `${t(key)}: ${r.error.message.split(': ').slice(1).join(': ')}` : errorText(r.error);
    return;
  }
  state.own.add(r.data.id);
  state.image = null;
  state.notice = t('ideas.sent', { id: r.data.id });
  await reload('#ideas-notice');
}

async function reload(focus) {
  const [r, phases] = await Promise.all([api('GET', base), loadTimeline(slug)]);
  if (r.ok) state.data = localize(r.data);
  state.phases = phases;
  render(focus);
}

async function support(id) {
  const error = $(`#idea-${id}-error`);
  if (!state.code) {
    error.textContent = t('ideas.need_code');
    return focusView($('#code'));
  }
  const r = await api('POST', `${base}/${id}/supports`, { body: { code: state.code } });
  if (r.error?.code === 'ideas_closed') return reload('#ideas-state');
  if (!r.ok && r.error.code !== 'already_supported') {
    error.textContent = r.error.code === 'unknown_code' ? codeError(r.error) : has(`ideas.error.${r.error.code}`) ? t(`ideas.error.${r.error.code}`) : errorText(r.error);
    return;
  }
  state.supported.add(id);
  state.notice = t('ideas.supported_notice');
  await reload('#ideas-notice');
}

function statusLine(i) {
  const currency = state.data.currency;
  if (i.project) return h('span', { class: 'badge open' }, t('ideas.status.on_ballot'));
  if (i.status === 'feasible') {
    return h('span', { class: 'badge open' }, t('ideas.status.feasible', { cost: formatMoney(i.cost, currency) }));
  }
  if (i.status === 'merged') return h('span', { class: 'badge' }, t('ideas.status.merged', { id: i.merged_into }));
  return null;
}

function ideaCard(i) {
  const open = state.data.taking;
  const canSupport = open && (i.status === 'submitted' || i.status === 'feasible');
  const mine = state.own.has(i.id);
  const done = state.supported.has(i.id);
  return h('li', { class: 'card idea', id: `idea-${i.id}` },
    h('h3', {}, i.title),
    h('p', { class: 'where' }, i.category ? h('span', { class: 'tag' }, i.category) : null, i.place ? ` ${i.place}` : null),
    photo(i.image), h('p', { class: 'desc' }, i.description),
    h('p', {}, statusLine(i), ' ', h('span', { class: 'count', id: `idea-${i.id}-supports` }, t('ideas.supports', { n: i.supports }))),
    i.status === 'feasible' && i.reason ? h('p', { class: 'hint' }, i.reason) : null,
    canSupport && mine ? h('p', { class: 'hint' }, t('ideas.yours')) : null,
    canSupport && !mine ? h('button', { type: 'button', class: done ? 'btn secondary' : 'btn', id: `idea-${i.id}-support`,
      disabled: done, onclick: () => support(i.id) }, t(done ? 'ideas.supported' : 'ideas.support')) : null,
    h('p', { class: 'error', id: `idea-${i.id}-error`, role: 'alert' }));
}

function listSection() {
  const ideas = state.data.ideas.filter((i) => i.status !== 'not_feasible');
  return h('section', { id: 'idea-list', 'aria-labelledby': 'idea-list-h' },
    h('h2', { id: 'idea-list-h' }, t('ideas.list_title', { n: ideas.length })),
    ideas.length ? h('ol', { class: 'projects' }, ideas.map(ideaCard)) : h('p', { class: 'hint' }, t('ideas.list_empty')));
}

function rejectedSection() {
  const ideas = state.data.ideas.filter((i) => i.status === 'not_feasible');
  if (!ideas.length) return null;
  return h('section', { id: 'rejected', 'aria-labelledby': 'rejected-h' },
    h('h2', { id: 'rejected-h' }, t('ideas.rejected_title', { n: ideas.length })),
    h('p', { class: 'hint' }, t('ideas.rejected_intro')),
    h('ul', { class: 'projects' }, ideas.map((i) => h('li', { class: 'card', id: `rejected-${i.id}` },
      h('h3', {}, i.title), h('p', {}, h('strong', {}, t('ideas.rejected_because')), ' ', i.reason)))));
}

await startI18n(() => {
  if (state.data) localize(state.data);
  render();
});
load();
