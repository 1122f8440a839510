// The voting page, /vote/<slug>[?code=...]: voter code, ballot (one section
// per budget), review, submit, receipt.
import { $, api, fill, errorText, focusView, h, param, slugFromPath, startI18n, t } from './common.js';
import { BudgetBallot } from './ballot.js';

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}`;
const main = $('#main');
const state = { view: 'loading', def: null, ballots: [], code: '', codeError: '', error: null, problems: [], receipt: '', busy: false };

function show(view) {
  state.view = view;
  render(true);
}

function render(moveFocus = false) {
  const views = { loading, unavailable, closed, code: codeView, ballot: ballotView, review: reviewView, receipt: receiptView };
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
    h('p', {}, state.error?.code === 'not_found' ? t('vote.unknown_process') : errorText(state.error))];
}

function closed() {
  const s = state.def.state;
  return [...header(), h('p', { class: 'notice' }, t(`vote.state.${s}`)),
    s === 'published' ? h('p', {}, h('a', { href: `/results/${slug}` }, t('vote.see_results'))) : null];
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
  h('button', { type: 'submit', class: 'btn', disabled: state.busy }, t('code.continue')));
  return [...header(), state.def.description ? h('p', { class: 'lead' }, state.def.description) : null, form];
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
  if (!r.ok) state.codeError = r.status === 404 ? t('code.unknown') : errorText(r.error);
  else if (!r.data.can_vote) state.codeError = r.data.used ? t('code.used') : t(`vote.state.${r.data.state}`);
  if (state.codeError) {
    render();
    return $('#code')?.focus();
  }
  show('ballot');
}

function ballotView() {
  const many = state.ballots.length > 1;
  if (state.problems.length) state.problems = collectProblems();  // in the language now shown
  const summary = h('div', { id: 'problems', class: 'error-summary', role: 'alert', tabindex: '-1', hidden: !state.problems.length },
    h('h2', {}, t('ballot.fix_first')),
    h('ul', {}, state.problems.map(([b, text]) => h('li', {}, h('a', { href: `#${b.base}` }, `${many ? `${b.title}: ` : ''}${text}`)))));
  return [...header(),
    h('p', { class: 'lead' }, t(many ? 'ballot.intro_many' : 'ballot.intro', { n: state.ballots.length })),
    summary,
    state.ballots.map((b) => b.render(() => {
      if (state.problems.length) refreshProblems();
    })),
    h('div', { class: 'actions sticky' }, h('button', { type: 'button', class: 'btn', id: 'to-review', onclick: toReview }, t('ballot.review')))];
}

function collectProblems() {
  return state.ballots.flatMap((b) => b.problems().map((text) => [b, text]));
}

function refreshProblems() {
  state.problems = collectProblems();
  if (!state.problems.length) $('#problems')?.setAttribute('hidden', '');
}

function toReview() {
  state.problems = collectProblems();
  if (state.problems.length) {
    render();
    return focusView($('#problems'));
  }
  state.error = null;
  show('review');
}

function reviewView() {
  const latest = state.def.revoting === 'latest';
  return [h('h1', {}, t('review.title')), h('p', { class: 'lead' }, t('review.intro')),
    state.ballots.map((b) => {
      const rows = b.reviewRows();
      const totals = [t('review.spent', { amount: b.money(b.spent()) })];
      if (b.isPoints) totals.push(t('status.points', { n: b.total() }));
      return h('section', { class: 'budget review', 'aria-labelledby': `r-${b.base}` },
        h('h2', { id: `r-${b.base}` }, b.title),
        rows.length ? h(b.type === 'ranked' ? 'ol' : 'ul', { class: 'chosen' }, rows.map(([name, detail]) =>
          h('li', {}, h('span', { class: 'name' }, name), h('span', { class: 'detail' }, detail))))
          : h('p', {}, t('review.none')),
        h('p', { class: 'total' }, totals.join(' · ')));
    }),
    h('p', { class: 'notice' }, t(latest ? 'review.latest' : 'review.final')),
    h('p', { id: 'submit-error', class: 'error', role: 'alert' }, state.error ? submitErrorText() : ''),
    state.error?.problems ? h('ul', { class: 'error' }, state.error.problems.map((p) => h('li', {}, p.message))) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn secondary', onclick: () => show('ballot') }, t('review.change')),
      h('button', { type: 'button', class: 'btn', id: 'submit', disabled: state.busy, onclick: submit }, t('review.submit')))];
}

function submitErrorText() {
  return state.error.code === 'unknown_code' ? t('code.unknown') : errorText(state.error);
}

async function submit() {
  state.busy = true;
  render();
  const ballots = {};
  for (const b of state.ballots) ballots[b.id] = b.payload();
  const r = await api('POST', `${base}/ballots`, { body: { code: state.code, ballots } });
  state.busy = false;
  if (!r.ok) {
    state.error = r.error;
    render();
    return $('#submit-error')?.focus();
  }
  state.receipt = r.data.receipt;
  show('receipt');
}

function receiptView() {
  const checkUrl = `/check/${slug}?receipt=${state.receipt}`;
  const copied = h('span', { class: 'copied', role: 'status' });
  return [h('h1', {}, t('receipt.title')),
    h('p', { class: 'lead' }, t('receipt.intro')),
    h('div', { class: 'card' },
      h('p', { id: 'receipt-label' }, t('receipt.label')),
      h('p', { class: 'receipt', id: 'receipt', 'aria-labelledby': 'receipt-label' }, state.receipt),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn secondary', onclick: async () => {
          try {
            await navigator.clipboard.writeText(state.receipt);
            copied.textContent = t('receipt.copied');
          } catch {
            copied.textContent = t('receipt.copy_failed');
          }
        } }, t('receipt.copy')), copied)),
    h('p', {}, t('receipt.later')),
    h('p', {}, h('a', { href: checkUrl, id: 'check-link' }, t('receipt.check'))),
    h('p', {}, h('a', { href: `/results/${slug}` }, t('receipt.results')))];
}

async function start() {
  await startI18n(() => render());
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
  state.def = r.data;
  document.title = `${r.data.title} · Psephos`;
  state.ballots = r.data.budgets.map((b, i) => new BudgetBallot(b, i));
  if (r.data.state !== 'open') return show('closed');
  show('code');
  if (state.code) await checkCode();
}

start();
