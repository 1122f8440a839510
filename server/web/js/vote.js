// The voting page, /vote/<slug>[?code=...]: voter code, then the voting flow
// (voteflow.js): the code's budgets, heading choice, ballots, review, submit, receipt.
import { $, api, fill, errorText, focusView, h, localize, param, slugFromPath, startI18n, t, useRegionOf, windowText } from './common.js';
import { VotingFlow, eligibleIds, resendPending } from './voteflow.js';
import { loadTimeline, timeline } from './timeline.js';

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}`;
const main = $('#main');
const state = { view: 'loading', def: null, code: '', codeError: '', error: null, busy: false, flow: null };

function show(view) {
  state.view = view;
  render(true);
}

function render(moveFocus = false) {
  if (state.view === 'flow') return state.flow.render(moveFocus);
  const views = { loading, unavailable, closed, code: codeView };
  const content = views[state.view]();
  fill(main, content);
  if (moveFocus) focusView(main.querySelector('h1'));
}

const loading = () => [h('p', { class: 'loading' }, t('loading'))];

function header() {
  const def = state.def;
  return [h('h1', {}, def ? def.title : t('vote.title'))];
}

function unavailable() {
  return [h('h1', {}, t('vote.unavailable')),
    h('p', {}, state.error?.code === 'not_found' ? t('vote.unknown_process')
      : state.error?.code === 'preview_sign_in' ? [t('preview.sign_in'), ' ', h('a', { href: '/admin' }, t('preview.sign_in_link'))]
        : errorText(state.error))];
}

// The voting window ("Voting closes on …") and the organizers' contact, when set.
const windowLine = () => (windowText(state.def) ? h('p', { class: 'window', id: 'window' }, windowText(state.def)) : null);
const contactLine = () => (state.def?.schedule?.contact
  ? h('p', { class: 'contact', id: 'contact' }, t('window.contact', { contact: state.def.schedule.contact })) : null);

function closed() {
  const s = state.def.state;
  return [...header(), h('p', { class: 'notice', id: 'closed-notice' }, t(`vote.state.${s}`)), windowLine(),
    s === 'published' ? h('p', {}, h('a', { href: `/results/${slug}` }, t('vote.see_results'))) : null, contactLine(),
    timeline(state.phases), state.changes?.()];
}

function codeView() {
  const input = h('input', { id: 'code', name: 'code', type: 'text', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', value: state.code, 'aria-describedby': 'code-hint code-error', 'aria-invalid': state.codeError ? 'true' : null,
    required: true });
  const form = h('form', { class: 'card', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    state.code = input.value.trim();
    checkCode();
  } },
  h('label', { for: 'code' }, t('code.label')),
  h('p', { id: 'code-hint', class: 'hint' }, t('code.hint')),
  input,
  h('p', { id: 'code-error', class: 'error', role: 'alert' }, state.codeError),
  // Already voted: what to do next (the receipt check, or the organizers).
  state.codeUsed ? h('div', { id: 'code-used-next' }, h('p', {}, t('code.used_next'), ' ',
    h('a', { href: `/check/${encodeURIComponent(slug)}`, id: 'used-check-link' }, t('code.used_check'))),
  h('p', {}, t('code.used_not_me')), contactLine()) : null,
  h('button', { type: 'submit', class: 'btn', disabled: state.busy }, t('code.continue')));
  return [...header(), state.def.description ? h('p', { class: 'lead' }, state.def.description) : null, windowLine(), form,
    state.changes?.()];
}

async function checkCode() {
  if (!state.code) {
    state.codeError = t('code.empty');
    render();
    return $('#code')?.focus();
  }
  state.busy = true;
  render();
  const r = await api('POST', `${base}/codes/check`, { body: { code: state.code } });
  state.busy = false;
  state.codeError = '';
  state.codeUsed = Boolean(r.ok && !r.data.can_vote && r.data.used) || r.error?.code === 'used_code';
  // Used by this tab's own ballot whose answer was lost (then the page reloaded): confirm it, not "already voted".
  const again = state.codeUsed ? await resendPending(slug, state.code) : null;
  if (again?.ok) {
    state.flow = new VotingFlow({ root: main, def: state.def, slug, code: state.code, eligible: [] });
    state.view = 'flow';
    return state.flow.answered(again.data);
  }
  if (!r.ok) state.codeError = r.status === 404 ? t('code.unknown') : errorText(r.error);
  else if (!r.data.can_vote) state.codeError = r.data.used ? t('code.used') : t(`vote.state.${r.data.state}`);
  const eligible = state.codeError ? [] : eligibleIds(state.def, r.data);
  if (!state.codeError && !eligible.length) state.codeError = t('vote.no_budgets');
  if (state.codeError) {
    render();
    return $('#code')?.focus();
  }
  state.flow = new VotingFlow({ root: main, def: state.def, slug, code: state.code, eligible });
  show('flow');
}


// ?preview: the organizer's (token from /admin): any state, a banner, no code, nothing sent.
const preview = param('preview') !== null;
const previewBanner = () => h('p', { class: 'notice preview-banner', id: 'preview-banner', role: 'note' }, t('preview.banner'), ' ',
  h('a', { href: `/admin#/p/${encodeURIComponent(slug)}` }, t('preview.back')));

async function startPreview() {
  let token = '';
  try {
    token = sessionStorage.getItem('psephos-token') || '';
  } catch {
    /* storage off */
  }
  const r = token ? await api('GET', `${base}/ballot`, { token }) : { ok: false, error: { code: 'preview_sign_in' } };
  if (!r.ok) {
    state.error = r.error.code === 'not_found' || !token ? { code: 'preview_sign_in', message: t('preview.sign_in') } : r.error;
    return show('unavailable');
  }
  state.def = localize(r.data);
  useRegionOf(r.data);
  document.title = `${t('preview.title')} · ${r.data.title} · Psephos`;
  main.before(previewBanner());
  state.flow = new VotingFlow({ root: main, def: state.def, slug, code: '', eligible: eligibleIds(state.def, { area: param('area') || '' }), preview: true });
  show('flow');
}

// Corrections made while voting is open, listed under the code form (changes.js
// is fetched only when there are some).
async function loadChanges() {
  const r = await api('GET', `${base}/changes`);
  if (!r.ok || !r.data.changes?.length) return;
  const { changeList } = await import('./changes.js');
  state.changes = () => changeList(state.def, r.data.changes);
}

// At the closing time a page still asking for the code reads the state again
// and says the vote has closed (a voter in the middle of voting is told on submit).
function watchClose() {
  const at = state.def.schedule?.closes_at_ms;
  const wait = at ? at - Date.now() : -1;
  if (wait < 0 || wait > 2 ** 31 - 1) return;
  setTimeout(async () => {
    if (state.view !== 'code') return;
    const r = await api('GET', `${base}/ballot`);
    if (!r.ok) return;
    state.def = localize(r.data);
    if (r.data.state !== 'open') show('closed');
  }, wait + 500);
}

async function start() {
  await startI18n(() => {
    localize(state.def);
    document.querySelector('#preview-banner')?.replaceWith(previewBanner());
    render();
  });
  if (preview) return startPreview();
  const fromLink = param('code');
  if (fromLink) {
    state.code = fromLink;
    history.replaceState(null, '', location.pathname);  // the code does not stay in history
  }
  const r = await api('GET', `${base}/ballot`);
  if (!r.ok) {
    state.error = r.error;
    return show('unavailable');
  }
  state.def = localize(r.data);
  useRegionOf(r.data);
  document.title = `${r.data.title} · Psephos`;
  await loadChanges();
  if (r.data.state !== 'open') {
    state.phases = await loadTimeline(slug);  // before and after the vote: where the cycle stands
    return show('closed');
  }
  watchClose();
  show('code');
  if (state.code) await checkCode();
}

start();
