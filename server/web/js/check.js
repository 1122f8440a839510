// The receipt check page, /check/<slug>[?receipt=...]: finds a receipt on the
// public board, shows the ballot it names, and checks in the browser that the
// entry hashes to the receipt and that its proof leads to the published head;
// then whether the log only grew since a head noted earlier (growth.js).
import { $, api, fill, errorText, focusView, h, param, slugFromPath, startI18n, t } from './common.js';
import { canVerify, leafHash, verifyInclusion } from './merkle.js';
import { GrowthCheck } from './growth.js';

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}`;
const main = $('#main');
const state = { receipt: param('receipt') || '', result: null, error: null, verified: null, busy: false };
let ballot = null;
const growth = new GrowthCheck(slug, () => render(), () => focusView($('#growth-outcome')));

function render() {
  const input = h('input', { id: 'receipt', type: 'text', autocomplete: 'off', spellcheck: 'false', value: state.receipt,
    'aria-describedby': 'receipt-hint', class: 'mono' });
  fill(main, 
    h('h1', {}, t('check.title')),
    ballot ? h('p', { class: 'lead' }, ballot.title) : null,
    h('form', { class: 'card', onsubmit: (e) => {
      e.preventDefault();
      state.receipt = input.value.trim().toLowerCase();
      lookUp();
    } },
    h('label', { for: 'receipt' }, t('check.label')),
    h('p', { class: 'hint', id: 'receipt-hint' }, t('check.hint')),
    input,
    h('button', { type: 'submit', class: 'btn', disabled: state.busy }, t('check.button'))),
    h('div', { id: 'outcome', role: 'status', tabindex: '-1' }, outcome()),
    growth.view());
}

function outcome() {
  if (state.error) {
    const key = { unknown_receipt: 'check.unknown', voting_open: 'check.voting_open' }[state.error.code];
    return h('p', { class: 'failed' }, key ? t(key) : errorText(state.error));
  }
  const r = state.result;
  if (!r) return null;
  const names = new Map();
  for (const b of ballot?.budgets || []) {
    names.set(b.id, { title: b.title || b.id, ranked: b.ballot?.type === 'ranked', projects: new Map(b.projects.map((p) => [p.id, p.name])) });
  }
  const verdict = state.verified === null ? h('p', {}, t('check.no_verify'))
    : h('p', { class: state.verified ? 'verified' : 'failed', id: 'proof-verdict' }, t(state.verified ? 'check.proof_ok' : 'check.proof_bad'));
  return h('section', { class: 'card', 'aria-labelledby': 'found-h' },
    h('h2', { id: 'found-h' }, t('check.found')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('check.position')), h('dd', {}, t('check.position_text', { n: r.index + 1, size: r.size })),
      h('dt', {}, t('check.counted')), h('dd', {}, t(r.counted ? 'check.counted_yes' : 'check.counted_no'))),
    h('h3', {}, t('check.ballot')),
    Object.entries(shownBallot(r)).map(([id, b]) => {
      const info = names.get(id);
      return h('div', {}, names.size > 1 ? h('p', { class: 'total' }, info?.title || id) : null,
        b.projects.length ? h(info?.ranked ? 'ol' : 'ul', { class: 'chosen' }, b.projects.map((p, i) => h('li', {}, info?.projects.get(p) || p,
          b.points ? ` — ${t('points.given', { n: b.points[i] })}` : '')))
          : h('p', {}, t('review.none')));
    }),
    h('h3', {}, t('check.proof')),
    verdict,
    h('p', { class: 'hint' }, t('check.head')), h('p', { class: 'mono' }, r.head));
}

// The ballot as the hashed entry holds it (what the receipt proves), else as sent.
function shownBallot(r) {
  try {
    return JSON.parse(r.entry).ballot || r.ballot;
  } catch {
    return r.ballot;
  }
}

async function lookUp() {
  if (!/^[0-9a-f]{64}$/.test(state.receipt)) {
    state.result = null;
    state.error = { code: 'bad_receipt', message: t('check.bad_receipt') };
    render();
    return focusView($('#outcome'));
  }
  state.busy = true;
  render();
  const r = await api('GET', `${base}/board/receipts/${state.receipt}`);
  state.busy = false;
  state.error = r.ok ? null : r.error;
  state.result = r.ok ? r.data : null;
  state.verified = null;
  if (r.ok && canVerify()) {
    const d = r.data;
    state.verified = (await leafHash(d.entry)) === state.receipt &&
      (await verifyInclusion(state.receipt, d.index, d.size, d.proof, d.head));
  }
  render();
  focusView($('#outcome'));
}

async function start() {
  await startI18n(render);
  const b = await api('GET', `${base}/ballot`);
  if (b.ok) ballot = b.data;
  await growth.load();
  render();
  if (state.receipt) await lookUp();
  else focusView(main.querySelector('h1'));
}

start();
