// "Has the ballot log only grown?": the board head a browser saw when voting
// (or one the user noted) checked against the log now with a consistency proof
// (RFC 9162 section 2.1.4), verified in the browser. Used by /check; the vote
// page calls rememberHead after a ballot is stored.
import { api, errorText, h, t } from './common.js';
import { canVerify, verifyConsistency } from './merkle.js';

const key = (slug) => `psephos-head-${slug}`;

// Notes the board's head now, in this browser (storage may be off: then nothing).
export async function rememberHead(slug) {
  const r = await api('GET', `/processes/${encodeURIComponent(slug)}/board`);
  if (!r.ok) return;
  try {
    localStorage.setItem(key(slug), `${r.data.ballots}:${r.data.head}`);
  } catch {
    /* storage off */
  }
}

function rememberedHead(slug) {
  try {
    return localStorage.getItem(key(slug)) || '';
  } catch {
    return '';
  }
}

// SIZE:HEX, or null.
function parseHead(text) {
  const m = /^\s*(\d{1,15})\s*:\s*([0-9a-fA-F]{64})\s*$/.exec(text);
  return m ? { size: Number(m[1]), head: m[2].toLowerCase() } : null;
}

export class GrowthCheck {
  constructor(slug, rerender, focus) {
    this.base = `/processes/${encodeURIComponent(slug)}/board`;
    this.saved = rememberedHead(slug);
    this.value = this.saved;
    this.rerender = rerender;
    this.focus = focus;
    this.now = null;  // the board now: {ballots, head}
    this.result = null;  // {ok, from, to, head} or {error}
    this.busy = false;
  }

  async load() {
    const r = await api('GET', this.base);
    if (r.ok) this.now = r.data;
  }

  view() {
    const input = h('input', { id: 'noted-head', type: 'text', autocomplete: 'off', spellcheck: 'false', value: this.value,
      'aria-describedby': 'noted-head-hint', class: 'mono' });
    // One form, a card: its button gets the cards' spacing.
    return h('form', { class: 'card', id: 'growth', 'aria-labelledby': 'growth-h', onsubmit: (e) => {
      e.preventDefault();
      this.value = input.value.trim();
      this.check();
    } },
    h('h2', { id: 'growth-h' }, t('growth.title')),
    h('p', {}, t('growth.intro')),
    h('label', { for: 'noted-head' }, t('growth.label')),
    h('p', { class: 'hint', id: 'noted-head-hint' }, t(this.saved ? 'growth.hint_saved' : 'growth.hint')),
    input,
    h('button', { type: 'submit', class: 'btn', disabled: this.busy }, t('growth.button')),
    h('div', { id: 'growth-outcome', role: 'status', tabindex: '-1' }, this.outcome()),
    this.now ? [h('p', { class: 'hint' }, t('growth.now', { n: this.now.ballots })),
      h('p', { class: 'mono', id: 'board-now' }, `${this.now.ballots}:${this.now.head}`)] : null);
  }

  outcome() {
    const r = this.result;
    if (!r) return null;
    if (r.error) return h('p', { class: 'failed' }, r.error);
    if (r.ok === null) return h('p', {}, t('growth.no_verify'));
    return h('p', { class: r.ok ? 'verified' : 'failed', id: 'growth-verdict' },
      r.ok ? t('growth.ok', { n: r.from, from: r.from, to: r.to }) : t('growth.bad', { n: r.from, from: r.from }));
  }

  async check() {
    const noted = parseHead(this.value);
    if (!noted) {
      this.result = { error: t('growth.bad_head') };
    } else {
      this.busy = true;
      this.rerender();
      const r = await api('GET', `${this.base}/consistency?from=${noted.size}`);
      this.busy = false;
      if (!r.ok && r.error?.code === 'size_out_of_range') {
        // The log now holds fewer ballots than the noted head: it did not only grow.
        this.result = { ok: false, from: noted.size };
      } else if (!r.ok) {
        this.result = { error: errorText(r.error) };
      } else {
        const d = r.data;
        this.now = { ballots: d.to, head: d.head };
        this.result = { from: d.from, to: d.to, ok: canVerify()
          ? await verifyConsistency(noted.size, noted.head, d.to, d.head, d.proof) : null };
      }
    }
    this.rerender();
    this.focus();
  }
}
