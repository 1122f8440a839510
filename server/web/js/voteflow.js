// The voting flow after a code is accepted, shared by the voting page (/vote)
// and the kiosk (/kiosk): the voter's eligible budgets, review, one submit.
//
// Two layouts:
//   - every budget on one page (processes without areas or headings: every
//     voter votes in every budget, as for one budget);
//   - steps (processes with areas or headings): first a choice among the
//     budgets that share a heading (the voter votes in one of them), then one
//     budget per step ("Step 2 of 3", Back / Next, each budget's rules checked
//     before the next), then a review of every choice.
// Then ONE ballot {"code", "ballots": {budget: ...}} with the eligible, chosen
// budgets only.
import { api, ballotKey, errorText, fill, focusView, h, t, toUnits } from './common.js';
import { BudgetBallot } from './ballot.js';
import { rememberHead } from './growth.js';

// The eligible budget ids from a code check (or a kiosk session) answer; an
// answer without "budgets" is read by the area: budgets without area, and the
// area's own.
export function eligibleIds(def, answer) {
  if (Array.isArray(answer?.budgets)) return answer.budgets;
  const area = answer?.area || '';
  return def.budgets.filter((b) => !b.area || b.area === area).map((b) => b.id);
}

// Private receipts: the ballot's log entry (ballot and salt) stays on the
// voter's own device, the only place that links it to the receipt; /check
// shows it from here (never on a kiosk: it is not the voter's device).
function keepBallot(slug, receipt, entry) {
  try {
    localStorage.setItem(ballotKey(slug, receipt), entry);
  } catch {
    /* storage off: the check page says it has no copy */
  }
}

// A ballot may be stored though its answer was lost (a dropped connection): every
// try of one ballot carries the same random id, so a retry reads "already stored",
// not "already voted" (API.md). Kept in this tab's sessionStorage (and memory, for
// storage off) until answered; not on kiosks.
const pendingKey = (slug) => `psephos-pending:${slug}`;
let pendingHere = null;

function readPending(slug, code) {
  let kept = pendingHere;
  try {
    kept = JSON.parse(sessionStorage.getItem(pendingKey(slug))) ?? kept;
  } catch {
    /* storage off */
  }
  return kept?.slug === slug && kept.code === code ? kept : null;
}

function keepPending(slug, code, ballots) {
  const same = readPending(slug, code);
  if (JSON.stringify(same?.ballots) === JSON.stringify(ballots)) return same.submission;
  const submission = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
  pendingHere = { slug, code, ballots, submission };
  try {
    sessionStorage.setItem(pendingKey(slug), JSON.stringify(pendingHere));
  } catch {
    /* memory only */
  }
  return submission;
}

// Answered for good: stored, or refused (not "being written", not 429, not a server error).
function settle(slug, r) {
  if (!r.ok && (r.status < 400 || r.status >= 500 || r.status === 429 || r.error?.code === 'code_in_use')) return;
  pendingHere = null;
  try {
    sessionStorage.removeItem(pendingKey(slug));
  } catch {
    /* storage off */
  }
}

// After a reload: this tab's ballot of `code` that got no answer, sent again; the answer, or null.
export async function resendPending(slug, code) {
  const kept = readPending(slug, code);
  if (!kept) return null;
  const r = await api('POST', `/processes/${encodeURIComponent(slug)}/ballots`,
    { body: { code, ballots: kept.ballots, submission: kept.submission } });
  settle(slug, r);
  return r;
}

export class VotingFlow {
  // root: the element the flow fills (its h1 is the flow's); def: GET …/ballot;
  // eligible: budget ids; kiosk: a supervised device (no copying, no links away,
  // the receipt is the caller's: onReceipt(receipt)).
  // preview: the organizer's look at the page (no code; submitting sends and stores nothing).
  constructor({ root, def, slug, code, eligible, kiosk = false, onReceipt = null, preview = false }) {
    this.preview = preview;
    this.previewSent = false;
    this.root = root;
    this.def = def;
    this.slug = slug;
    this.path = `/processes/${encodeURIComponent(slug)}`;
    this.code = code;
    this.kiosk = kiosk;
    this.onReceipt = onReceipt;
    const ids = new Set(eligible);
    this.ballots = def.budgets.map((b, i) => new BudgetBallot(b, i)).filter((b) => ids.has(b.id));
    this.stepped = Boolean(def.areas?.length || def.headings?.length);
    // Headings among the eligible budgets: exactly one budget of each gets a vote.
    const headings = new Map((def.headings || []).map((x) => [x.id, x]));
    this.choices = [];
    for (const b of this.ballots) {
      const id = b.budget.heading;
      if (!id) continue;
      let choice = this.choices.find((c) => c.id === id);
      if (!choice) {
        const heading = headings.get(id);
        choice = { id, get title() { return heading?.title || id; }, options: [], chosen: null };
        this.choices.push(choice);
      }
      choice.options.push(b);
    }
    for (const c of this.choices) if (c.options.length === 1) c.chosen = c.options[0].id;
    this.shownChoices = this.choices.filter((c) => c.options.length > 1);
    this.view = this.stepped && this.shownChoices.length ? 'choose' : 'ballot';
    this.step = 0;  // index into active() while view is 'ballot' (stepped)
    this.problems = [];
    this.choiceError = '';
    this.error = null;
    this.busy = false;
    this.receipt = '';
  }

  // The budgets that get a vote: every eligible budget without heading, and the
  // chosen one of each heading (in the definition's order).
  active() {
    return this.ballots.filter((b) => {
      const heading = b.budget.heading;
      return !heading || this.choices.find((c) => c.id === heading)?.chosen === b.id;
    });
  }

  // Steps before the budgets (the heading choice), and how many steps in all.
  get offset() { return this.shownChoices.length ? 1 : 0; }
  get total() { return this.offset + this.ballots.filter((b) => !b.budget.heading).length + this.choices.length; }
  stepLabel(n) { return t('vote.step_of', { n, total: this.total }); }

  show(view, step) {
    this.view = view;
    if (step !== undefined) this.step = step;
    this.render(true);
  }

  render(moveFocus = false) {
    const views = { choose: () => this.chooseView(), ballot: () => (this.stepped ? this.stepView() : this.ballotView()),
      review: () => this.reviewView(), receipt: () => this.receiptView(), recorded: () => this.recordedView() };
    fill(this.root, views[this.view]());
    if (!moveFocus) return;
    if (this.view === 'ballot' && this.stepped) focusView(this.root.querySelector('section.budget h2'));
    else if (this.view === 'choose') focusView(this.root.querySelector('#choose-title'));
    else focusView(this.root.querySelector('h1'));
  }

  header() { return h('h1', {}, this.def.title); }

  // --- the heading choice ---------------------------------------------------------

  chooseView() {
    const groups = this.shownChoices.map((c, ci) => h('div', { class: 'budget choice' }, h('fieldset', { 'aria-describedby': 'choose-error' },
      h('legend', {}, c.title),
      h('p', { class: 'legend-hint' }, t('vote.choose_hint')),
      h('ul', { class: 'projects' }, c.options.map((b) => {
        const id = `h${ci}-${b.base}`;
        const count = b.budget.projects.length;
        return h('li', { class: `project tick${c.chosen === b.id ? ' on' : ''}` },
          h('input', { type: 'radio', name: `heading-${ci}`, id, value: b.id, checked: c.chosen === b.id,
            'aria-describedby': `${id}-d`, onchange: () => {
              c.chosen = b.id;
              this.choiceError = '';
              this.render();
              this.root.querySelector(`#${id}`)?.focus();
            } }),
          h('div', { class: 'body' },
            h('label', { for: id, class: 'title' }, h('span', { class: 'name' }, b.title)),
            h('p', { class: 'desc', id: `${id}-d` }, t('vote.choose_option', {
              amount: b.money(toUnits(b.budget.amount, b.scale)), n: count }))));
      })))));
    return [this.header(),
      h('h2', { id: 'choose-title' }, h('span', { class: 'step-of' }, this.stepLabel(1)), ' ', t('vote.choose_title')),
      h('p', { class: 'lead' }, t('vote.choose_intro', { total: this.total })),
      groups,
      h('p', { id: 'choose-error', class: 'error', role: 'alert' }, this.choiceError),
      h('div', { class: 'actions sticky' },
        h('button', { type: 'button', class: 'btn', id: 'next', onclick: () => this.fromChoice() }, t('vote.next')))];
  }

  fromChoice() {
    const missing = this.shownChoices.find((c) => !c.chosen);
    if (missing) {
      this.choiceError = t('vote.choose_missing', { heading: missing.title });
      this.render();
      return this.root.querySelector(`input[name="heading-${this.shownChoices.indexOf(missing)}"]`)?.focus();
    }
    this.problems = [];
    this.show('ballot', 0);
  }

  // --- one budget per step ------------------------------------------------------

  stepView() {
    const list = this.active();
    this.step = Math.min(this.step, list.length - 1);
    const b = list[this.step];
    const last = this.step === list.length - 1;
    if (this.problems.length) this.problems = b.problems();  // in the language now shown
    const summary = h('div', { id: 'problems', class: 'error-summary', role: 'alert', tabindex: '-1', hidden: !this.problems.length },
      h('h2', {}, t('ballot.fix_first')),
      h('ul', {}, this.problems.map((text) => h('li', {}, h('a', { href: `#${b.base}` }, text)))));
    const back = this.step > 0 || this.offset;
    const choice = this.choices.find((c) => c.id === b.budget.heading && c.options.length > 1);
    return [this.header(),
      this.step === 0 ? h('p', { class: 'lead' }, t('vote.steps_intro', { total: this.total })) : null,
      summary,
      b.render(() => {
        if (this.problems.length) {
          this.problems = b.problems();
          if (!this.problems.length) this.root.querySelector('#problems')?.setAttribute('hidden', '');
        }
      }, { step: this.stepLabel(this.offset + this.step + 1), note: choice ? t('vote.your_choice', { heading: choice.title }) : '' }),
      h('div', { class: 'actions sticky' },
        back ? h('button', { type: 'button', class: 'btn secondary', id: 'back', onclick: () => this.back() }, t('vote.back')) : null,
        h('button', { type: 'button', class: 'btn', id: last ? 'to-review' : 'next', onclick: () => this.next() },
          t(last ? 'ballot.review' : 'vote.next')))];
  }

  back() {
    this.problems = [];
    if (this.step > 0) return this.show('ballot', this.step - 1);
    this.show('choose');
  }

  next() {
    const list = this.active();
    this.problems = list[this.step].problems();
    if (this.problems.length) {
      this.render();
      return focusView(this.root.querySelector('#problems'));
    }
    if (this.step < list.length - 1) return this.show('ballot', this.step + 1);
    this.error = null;
    this.show('review');
  }

  // --- every budget on one page -----------------------------------------------------

  ballotView() {
    const list = this.active();
    const many = list.length > 1;
    if (this.problems.length) this.problems = this.collectProblems();  // in the language now shown
    const summary = h('div', { id: 'problems', class: 'error-summary', role: 'alert', tabindex: '-1', hidden: !this.problems.length },
      h('h2', {}, t('ballot.fix_first')),
      h('ul', {}, this.problems.map(([b, text]) => h('li', {}, h('a', { href: `#${b.base}` }, `${many ? `${b.title}: ` : ''}${text}`)))));
    return [this.header(),
      h('p', { class: 'lead' }, t(many ? 'ballot.intro_many' : 'ballot.intro', { n: list.length })),
      summary,
      list.map((b) => b.render(() => {
        if (this.problems.length) this.refreshProblems();
      })),
      h('div', { class: 'actions sticky' }, h('button', { type: 'button', class: 'btn', id: 'to-review', onclick: () => this.toReview() }, t('ballot.review')))];
  }

  collectProblems() {
    return this.active().flatMap((b) => b.problems().map((text) => [b, text]));
  }

  refreshProblems() {
    this.problems = this.collectProblems();
    if (!this.problems.length) this.root.querySelector('#problems')?.setAttribute('hidden', '');
  }

  toReview() {
    this.problems = this.collectProblems();
    if (this.problems.length) {
      this.render();
      return focusView(this.root.querySelector('#problems'));
    }
    this.error = null;
    this.show('review');
  }

  // --- review and submit --------------------------------------------------------------

  reviewView() {
    const latest = this.def.revoting === 'latest' && !this.kiosk;
    const list = this.active();
    return [h('h1', {}, t('review.title')), h('p', { class: 'lead' }, t('review.intro')),
      list.map((b, at) => {
        const rows = b.reviewRows();
        const totals = [t('review.spent', { amount: b.money(b.spent()) })];
        if (b.isPoints) totals.push(t('status.points', { n: b.total() }));
        const choice = this.choices.find((c) => c.id === b.budget.heading && c.options.length > 1);
        return h('section', { class: 'budget review', 'aria-labelledby': `r-${b.base}` },
          h('h2', { id: `r-${b.base}` }, b.title),
          choice ? h('p', { class: 'hint' }, t('vote.your_choice', { heading: choice.title })) : null,
          rows.length ? h(b.type === 'ranked' ? 'ol' : 'ul', { class: 'chosen' }, rows.map(([name, detail]) =>
            h('li', {}, h('span', { class: 'name' }, name), h('span', { class: 'detail' }, detail))))
            : h('p', {}, t('review.none')),
          h('p', { class: 'total' }, totals.join(' · ')),
          this.stepped ? h('button', { type: 'button', class: 'btn small secondary', 'aria-label': t('vote.change_label', { title: b.title }),
            onclick: () => {
              this.problems = [];
              this.show('ballot', at);
            } }, t('vote.change')) : null);
      }),
      h('p', { class: 'notice' }, t(this.kiosk ? 'kiosk.final' : latest ? 'review.latest' : 'review.final')),
      h('p', { id: 'submit-error', class: 'error', role: 'alert', tabindex: '-1' }, this.error ? this.submitErrorText() : ''),
      this.previewSent ? h('p', { class: 'notice', id: 'preview-done', role: 'status', tabindex: '-1' }, t('preview.not_sent')) : null,
      this.error?.problems ? h('ul', { class: 'error' }, this.error.problems.map((p) => h('li', {}, p.message))) : null,
      // Already voted (from another tab or device): the next step is the receipt check.
      this.error?.code === 'used_code' && !this.kiosk ? h('p', { id: 'used-next' }, t('code.used_next'), ' ',
        h('a', { href: `/check/${encodeURIComponent(this.slug)}` }, t('code.used_check'))) : null,
      // Closed meanwhile, or already voted: whom to ask, when the organizers said.
      ['used_code', 'election_closed'].includes(this.error?.code) && !this.kiosk && this.def.schedule?.contact
        ? h('p', { class: 'contact', id: 'flow-contact' }, t('window.contact', { contact: this.def.schedule.contact })) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn secondary', onclick: () => {
          this.problems = [];
          this.show(this.stepped && this.offset ? 'choose' : 'ballot', 0);
        } }, t('review.change')),
        h('button', { type: 'button', class: 'btn', id: 'submit', disabled: this.busy, onclick: () => this.submit() }, t('review.submit')))];
  }

  submitErrorText() {
    if (this.error.code === 'unknown_code') return t(this.kiosk ? 'kiosk.session_void' : 'code.unknown');
    if (this.kiosk && this.error.code === 'used_code') return t('kiosk.session_void');
    return errorText(this.error);
  }

  async submit() {
    if (this.busy) return;
    if (this.preview) {
      this.previewSent = true;
      this.render();
      return this.root.querySelector('#preview-done')?.focus();
    }
    this.busy = true;
    this.render();
    const ballots = {};
    for (const b of this.active()) ballots[b.id] = b.payload();
    const body = { code: this.code, ballots };
    if (!this.kiosk) body.submission = keepPending(this.slug, this.code, ballots);
    const r = await api('POST', `${this.path}/ballots`, { body });
    this.busy = false;
    if (!this.kiosk) settle(this.slug, r);
    if (!r.ok) {
      this.error = r.error;
      this.render();
      return this.root.querySelector('#submit-error')?.focus();
    }
    this.answered(r.data);
  }

  // A stored ballot's answer: its receipt, or (a retry after a lost answer) none.
  answered(data) {
    if (data.already_stored) {
      rememberHead(this.slug);
      return this.show('recorded');
    }
    if (this.onReceipt) {
      this.forget();
      return this.onReceipt(data.receipt);
    }
    this.receipt = data.receipt;
    rememberHead(this.slug);  // for /check: the log must only grow from here
    if (data.entry) keepBallot(this.slug, this.receipt, data.entry);
    this.show('receipt');
  }

  // Drops the code and the choices (the kiosk, once the ballot is stored).
  forget() {
    this.code = '';
    this.ballots = [];
    this.choices = [];
    this.shownChoices = [];
  }

  // The ballot was stored by a try whose answer (and receipt) never arrived.
  recordedView() {
    return [h('h1', {}, t('receipt.title')),
      h('p', { class: 'lead', id: 'recorded' }, t('receipt.already_stored')),
      h('p', { class: 'notice', id: 'no-receipt' }, t('receipt.lost')),
      h('p', {}, h('a', { href: `/results/${this.slug}` }, t('receipt.results')))];
  }

  receiptView() {
    const checkUrl = `/check/${this.slug}?receipt=${this.receipt}`;
    const copied = h('span', { class: 'copied', role: 'status' });
    return [h('h1', {}, t('receipt.title')),
      h('p', { class: 'lead' }, t('receipt.intro')),
      h('div', { class: 'card' },
        h('p', { id: 'receipt-label' }, t('receipt.label')),
        h('p', { class: 'receipt', id: 'receipt', 'aria-labelledby': 'receipt-label' }, this.receipt),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'btn secondary', onclick: async () => {
            try {
              await navigator.clipboard.writeText(this.receipt);
              copied.textContent = t('receipt.copied');
            } catch {
              copied.textContent = t('receipt.copy_failed');
            }
          } }, t('receipt.copy')), copied)),
      h('p', { id: 'receipt-reveals' }, t(this.def.receipts === 'private' ? 'receipt.later_private' : 'receipt.later_verifiable')),
      h('p', {}, h('a', { href: checkUrl, id: 'check-link' }, t('receipt.check'))),
      h('p', {}, h('a', { href: `/results/${this.slug}` }, t('receipt.results')))];
  }
}
