// One budget's ballot on the voting page: the projects, the controls for the
// budget's ballot type, and every rule explained while the voter chooses.
//   approval / choose-1: tick boxes with a running count ("choose up to N")
//   knapsack: tick boxes with a budget bar; what no longer fits is refused, with why
//   ranked: add projects to a ranking, order it with Move up / Move down
//   cumulative / scoring: +/- point steppers with a running total and limits
import { budgetScale, formatUnits, h, t, toUnits } from './common.js';

const POINT_TYPES = new Set(['cumulative', 'scoring']);

// A project's picture: sized before it loads (no jump), fetched only when
// scrolled near, at the width the screen needs. Decorative: the name is beside it.
export function photo(image) {
  if (!image?.files?.length) return null;
  const url = (f) => `/api/v1/images/${f.sha256}.jpg`;
  const first = image.files[0];
  return h('img', { class: 'photo', src: url(first), srcset: image.files.map((f) => `${url(f)} ${f.width}w`).join(', '),
    sizes: '(min-width: 40rem) 36rem, calc(100vw - 3rem)', width: first.width, height: first.height, loading: 'lazy',
    decoding: 'async', alt: '' });
}
const opt = (v) => (v === undefined || v === null ? null : Number(v));

export class BudgetBallot {
  constructor(budget, index) {
    this.budget = budget;
    this.index = index;
    this.base = `b${index}`;
    const rules = budget.ballot || {};
    this.type = rules.type || 'approval';
    this.scale = budgetScale(budget);
    this.cost = new Map(budget.projects.map((p) => [p.id, toUnits(p.cost, this.scale)]));
    // Names are read when shown: the page's language may change (common.js localize).
    const byId = new Map(budget.projects.map((p) => [p.id, p]));
    this.name = { get: (id) => byId.get(id)?.name || id };
    const single = this.type === 'choose-1';
    this.minProjects = single ? 1 : opt(rules.min_projects);
    this.maxProjects = single ? 1 : opt(rules.max_projects);
    this.maxCost = rules.max_cost !== undefined ? toUnits(rules.max_cost, this.scale) : null;
    this.minCost = rules.min_cost !== undefined ? toUnits(rules.min_cost, this.scale) : null;
    this.minPoints = opt(rules.min_points) ?? 0;
    this.maxPoints = opt(rules.max_points);
    this.minTotal = opt(rules.min_total_points);
    this.maxTotal = opt(rules.max_total_points);
    this.chosen = new Set();  // tick-box types
    this.order = [];  // ranked: best first
    this.points = new Map();  // point types: project -> points (> 0)
  }

  get id() { return this.budget.id; }
  get title() { return this.budget.title || this.budget.id; }
  get isPoints() { return POINT_TYPES.has(this.type); }
  money(units) { return formatUnits(units, this.budget.currency, this.scale); }

  // The projects on the ballot, in ballot order.
  selected() {
    if (this.type === 'ranked') return [...this.order];
    const ids = this.budget.projects.map((p) => p.id);
    return this.isPoints ? ids.filter((id) => this.points.get(id) > 0) : ids.filter((id) => this.chosen.has(id));
  }
  spent() { return this.selected().reduce((sum, id) => sum + this.cost.get(id), 0); }
  total() { return [...this.points.values()].reduce((a, b) => a + b, 0); }

  payload() {
    const projects = this.selected();
    return this.isPoints ? { projects, points: projects.map((id) => this.points.get(id)) } : { projects };
  }

  // The rules, said before the voter chooses anything.
  ruleLines() {
    const lines = [];
    const { minProjects: min, maxProjects: max } = this;
    const verb = this.type === 'ranked' ? 'rank' : 'choose';
    if (this.type === 'choose-1') lines.push(t('rules.choose_one'));
    else if (min !== null && max !== null && min === max) lines.push(t(`rules.${verb}_exactly`, { n: max }));
    else if (min !== null && min > 0 && max !== null) lines.push(t(`rules.${verb}_between`, { min, max, n: max }));
    else if (max !== null) lines.push(t(`rules.${verb}_up_to`, { n: max }));
    else if (min !== null && min > 0) lines.push(t(`rules.${verb}_at_least`, { n: min }));
    else if (!this.isPoints && this.maxCost === null) lines.push(t(`rules.${verb}_any`));
    if (this.maxCost !== null) lines.push(t('rules.max_cost', { amount: this.money(this.maxCost) }));
    if (this.minCost !== null) lines.push(t('rules.min_cost', { amount: this.money(this.minCost) }));
    if (this.type === 'ranked') lines.push(t('rules.ranked_how'));
    if (this.isPoints) {
      if (this.maxTotal !== null) lines.push(t('rules.max_total', { n: this.maxTotal }));
      if (this.minTotal !== null) lines.push(t('rules.min_total', { n: this.minTotal }));
      if (this.maxPoints !== null) lines.push(t('rules.points_range', { min: Math.max(1, this.minPoints), max: this.maxPoints, n: this.maxPoints }));
      else if (this.minPoints > 1) lines.push(t('rules.min_points', { n: this.minPoints }));
      lines.push(t('rules.points_how'));
    }
    // Projects that exclude each other (one site, two proposals): voters may
    // choose several, the count funds at most one.
    const groups = new Map();
    for (const p of this.budget.projects) {
      if (p.exclusive_group) groups.set(p.exclusive_group, [...(groups.get(p.exclusive_group) || []), p.name || p.id]);
    }
    for (const names of groups.values()) if (names.length > 1) lines.push(t('rules.exclusive', { names: names.join(', ') }));
    return lines;
  }

  // What stops this ballot from being sent, as sentences (empty: ready).
  problems() {
    const out = [];
    const n = this.selected().length;
    const verb = this.type === 'ranked' ? 'rank' : 'choose';
    if (this.minProjects !== null && n < this.minProjects) out.push(t(`need.${verb}_more`, { n: this.minProjects - n }));
    if (this.maxProjects !== null && n > this.maxProjects) out.push(t('refuse.max_projects', { n: this.maxProjects }));
    const spent = this.spent();
    if (this.maxCost !== null && spent > this.maxCost) out.push(t('need.over_budget', { amount: this.money(spent - this.maxCost) }));
    if (this.minCost !== null && spent < this.minCost) out.push(t('need.min_cost', { amount: this.money(this.minCost - spent) }));
    if (this.isPoints) {
      const total = this.total();
      if (this.maxTotal !== null && total > this.maxTotal) out.push(t('refuse.total_points', { n: this.maxTotal }));
      if (this.minTotal !== null && total < this.minTotal) out.push(t('need.more_points', { n: this.minTotal - total }));
    }
    return out;
  }

  // The running count: how much is chosen and how much room is left.
  statusText() {
    const n = this.selected().length;
    if (this.isPoints) {
      const total = this.total();
      return this.maxTotal !== null
        ? t('status.points_of', { n: total, max: this.maxTotal, left: this.maxTotal - total })
        : t('status.points', { n: total });
    }
    if (this.maxCost !== null) {
      return t('status.spent', { spent: this.money(this.spent()), max: this.money(this.maxCost), left: this.money(this.maxCost - this.spent()) });
    }
    const key = this.type === 'ranked' ? 'status.ranked' : 'status.chosen';
    if (this.maxProjects !== null && n >= this.maxProjects && this.type !== 'choose-1') return t(`${key}_full`, { n, max: this.maxProjects });
    return this.maxProjects !== null ? t(`${key}_of`, { n, max: this.maxProjects }) : t(key, { n });
  }

  // --- the section ------------------------------------------------------------

  // step: "Step 2 of 3" before the title; note: a line under the title.
  render(onChange, { step = '', note = '' } = {}) {
    this.onChange = onChange;
    const b = this.base;
    this.statusEl = h('p', { class: 'count', id: `${b}-count` });
    this.needEl = h('p', { class: 'need', id: `${b}-need` });
    this.alertEl = h('p', { class: 'refusal', id: `${b}-alert`, role: 'alert' });
    this.fill = null;
    let bar = null;
    if (this.maxCost !== null || (this.isPoints && this.maxTotal !== null)) {
      this.fill = h('span', { class: 'fill' });
      bar = h('div', { class: 'bar', 'aria-hidden': 'true' }, this.fill);
    }
    this.items = new Map();
    const list = h('ul', { class: 'projects' }, this.budget.projects.map((p, i) => this.item(p, i)));
    this.rankingList = this.type === 'ranked' ? h('ol', { class: 'ranking-list' }) : null;
    const heading = t(this.type === 'ranked' ? 'ballot.all_projects' : this.isPoints ? 'ballot.points_projects' : 'ballot.projects');
    this.section = h('section', { class: 'budget', id: `${b}`, 'aria-labelledby': `${b}-title` },
      h('h2', { id: `${b}-title` }, step ? [h('span', { class: 'step-of' }, step), ' '] : null, this.title),
      note ? h('p', { class: 'hint' }, note) : null,
      h('p', { class: 'amount' }, t('ballot.budget', { amount: this.money(toUnits(this.budget.amount, this.scale)) })),
      h('ul', { class: 'rules', 'aria-label': t('ballot.rules') }, this.ruleLines().map((line) => h('li', {}, line))),
      h('div', { class: 'status' }, bar, h('div', { role: 'status', 'aria-live': 'polite' }, this.statusEl, this.needEl), this.alertEl),
      this.rankingList && h('div', { class: 'ranking' }, h('h3', { id: `${b}-ranking` }, t('ranked.yours')), this.rankingList),
      h('fieldset', {}, h('legend', {}, t('ballot.legend', { title: this.title })), h('p', { class: 'legend-hint' }, heading), list));
    this.update();
    return this.section;
  }

  item(project, i) {
    const id = `${this.base}-p${i}`;
    const described = [project.description ? `${id}-d` : null, `${id}-n`].filter(Boolean).join(' ');
    const cost = h('span', { class: 'cost' }, this.money(this.cost.get(project.id)));
    const name = h('span', { class: 'name', id: `${id}-name` }, project.name || project.id);
    const info = [photo(project.image), project.category ? h('span', { class: 'tag' }, project.category) : null,
      project.description ? h('p', { class: 'desc', id: `${id}-d` }, project.description) : null,
      project.location ? h('p', { class: 'where' }, t('card.where', { place: project.location })) : null,
      project.details ? h('details', { class: 'more' }, h('summary', {}, t('card.more')), h('p', {}, project.details)) : null,
      h('p', { class: 'note', id: `${id}-n` })];
    const note = info[info.length - 1];
    let li;
    if (this.type === 'ranked') {
      const button = h('button', { type: 'button', class: 'btn secondary', 'aria-describedby': described, onclick: () => this.rankToggle(project.id) });
      li = h('li', { class: 'project' }, h('div', { class: 'body' }, h('p', { class: 'title' }, name, cost), info, button));
      this.items.set(project.id, { li, button, note });
    } else if (this.isPoints) {
      const value = h('output', { class: 'value', id: `${id}-v`, 'aria-hidden': 'true' }, '0');
      const less = h('button', { type: 'button', class: 'step', 'aria-label': t('points.less', { name: project.name }), onclick: () => this.step(project.id, -1) }, '−');
      const more = h('button', { type: 'button', class: 'step', 'aria-label': t('points.more', { name: project.name }), onclick: () => this.step(project.id, 1) }, '+');
      const stepper = h('div', { class: 'stepper', role: 'group', 'aria-labelledby': `${id}-name`, 'aria-describedby': described }, less, value, more);
      li = h('li', { class: 'project' }, h('div', { class: 'body' }, h('p', { class: 'title' }, name, cost), info, stepper));
      this.items.set(project.id, { li, value, less, more, note });
    } else {
      const input = h('input', { type: this.type === 'choose-1' ? 'radio' : 'checkbox', name: this.base, id, value: project.id,
        'aria-describedby': described, onchange: (e) => this.tick(project.id, e.target) });
      li = h('li', { class: 'project tick' }, input,
        h('div', { class: 'body' }, h('label', { for: id, class: 'title' }, name, cost), info));
      this.items.set(project.id, { li, input, note });
    }
    return li;
  }

  // Shows a refusal in the budget's alert line (empty clears it).
  refuse(message) {
    this.alertEl.textContent = message;
  }

  changed(announce) {
    this.refuse('');
    this.update(announce);
    this.onChange?.();
  }

  // --- tick boxes ---------------------------------------------------------------

  tick(id, input) {
    if (this.type === 'choose-1') {
      this.chosen = new Set([id]);
      return this.changed();
    }
    if (!input.checked) {
      this.chosen.delete(id);
      return this.changed();
    }
    const cost = this.cost.get(id);
    if (this.maxProjects !== null && this.chosen.size >= this.maxProjects) {
      input.checked = false;
      return this.refuse(t('refuse.max_projects', { n: this.maxProjects }));
    }
    if (this.maxCost !== null && this.spent() + cost > this.maxCost) {
      input.checked = false;
      return this.refuse(t('refuse.over_budget', { name: this.name.get(id), cost: this.money(cost),
        left: this.money(this.maxCost - this.spent()), max: this.money(this.maxCost) }));
    }
    this.chosen.add(id);
    this.changed();
  }

  // --- ranking ----------------------------------------------------------------------

  rankToggle(id) {
    const at = this.order.indexOf(id);
    if (at >= 0) return this.unrank(at, false);
    if (this.maxProjects !== null && this.order.length >= this.maxProjects) {
      return this.refuse(t('refuse.max_ranked', { n: this.maxProjects }));
    }
    this.order.push(id);
    this.changed(t('ranked.added', { name: this.name.get(id), n: this.order.length }));
  }

  unrank(at, fromList) {
    const [id] = this.order.splice(at, 1);
    this.changed(t('ranked.removed', { name: this.name.get(id) }));
    if (fromList) {
      const buttons = this.rankingList.querySelectorAll('.remove');
      (buttons[Math.min(at, buttons.length - 1)] || this.section.querySelector(`#${this.base}-ranking`))?.focus();
    }
  }

  move(at, delta) {
    const to = at + delta;
    if (to < 0 || to >= this.order.length) {
      return this.refuse(t(delta < 0 ? 'ranked.already_first' : 'ranked.already_last', { name: this.name.get(this.order[at]) }));
    }
    [this.order[at], this.order[to]] = [this.order[to], this.order[at]];
    this.changed(t('ranked.moved', { name: this.name.get(this.order[to]), n: to + 1 }));
    const row = this.rankingList.children[to];
    const same = row?.querySelector(delta < 0 ? '.up' : '.down');
    (same?.getAttribute('aria-disabled') === 'true' ? row.querySelector(delta < 0 ? '.down' : '.up') : same)?.focus();
  }

  renderRanking() {
    const rows = this.order.map((id, at) => {
      const name = this.name.get(id);
      const last = at === this.order.length - 1;
      return h('li', { 'data-id': id },
        h('span', { class: 'pos', 'aria-hidden': 'true' }, `${at + 1}`),
        h('span', { class: 'rname' }, name),
        h('span', { class: 'moves' },
          h('button', { type: 'button', class: 'btn small secondary up', 'aria-disabled': at === 0 ? 'true' : null,
            'aria-label': t('ranked.up_label', { name, n: at + 1 }), onclick: () => this.move(at, -1) }, t('ranked.up')),
          h('button', { type: 'button', class: 'btn small secondary down', 'aria-disabled': last ? 'true' : null,
            'aria-label': t('ranked.down_label', { name, n: at + 1 }), onclick: () => this.move(at, 1) }, t('ranked.down')),
          h('button', { type: 'button', class: 'btn small secondary remove', 'aria-label': t('ranked.remove_label', { name }),
            onclick: () => this.unrank(at, true) }, t('ranked.remove'))));
    });
    this.rankingList.replaceChildren(...rows);
    if (!rows.length) this.rankingList.append(h('li', { class: 'empty' }, t('ranked.empty')));
  }

  // --- points -------------------------------------------------------------------------

  step(id, delta) {
    const current = this.points.get(id) || 0;
    const name = this.name.get(id);
    if (delta < 0) {
      if (current === 0) return this.refuse(t('refuse.no_points', { name }));
      const next = current - 1 < Math.max(1, this.minPoints) ? 0 : current - 1;
      this.points.set(id, next);
      return this.changed(t('points.now', { name, n: next }));
    }
    const next = current === 0 ? Math.max(1, this.minPoints) : current + 1;
    if (this.maxPoints !== null && next > this.maxPoints) return this.refuse(t('refuse.max_points', { n: this.maxPoints, name }));
    if (this.maxTotal !== null && this.total() - current + next > this.maxTotal) {
      return this.refuse(t('refuse.total_points', { n: this.maxTotal }));
    }
    if (current === 0 && this.maxProjects !== null && this.selected().length >= this.maxProjects) {
      return this.refuse(t('refuse.max_projects', { n: this.maxProjects }));
    }
    this.points.set(id, next);
    this.changed(t('points.now', { name, n: next }));
  }

  // --- keeping the section in step with the choices -----------------------------------

  update(announce) {
    if (!this.section) return;
    const selected = new Set(this.selected());
    const n = selected.size;
    const spent = this.spent();
    const total = this.total();
    const full = this.maxProjects !== null && n >= this.maxProjects;
    // What just changed is read out, not shown: the sticky line stays one short sentence.
    this.statusEl.replaceChildren(announce ? h('span', { class: 'sr-only' }, `${announce} `) : '', this.statusText());
    const problems = this.problems();
    this.needEl.textContent = problems.join(' ');
    this.needEl.hidden = problems.length === 0;
    if (this.fill) {
      const ratio = this.maxCost !== null ? spent / this.maxCost : total / this.maxTotal;
      this.fill.style.width = `${Math.min(100, Math.round(ratio * 1000) / 10)}%`;
    }
    const left = this.maxCost !== null ? this.maxCost - spent : null;
    for (const [id, item] of this.items) {
      const on = selected.has(id);
      let note = '';
      if (this.type === 'ranked') {
        const at = this.order.indexOf(id);
        item.button.textContent = at >= 0 ? t('ranked.remove_from') : t('ranked.add');
        item.button.setAttribute('aria-label', `${item.button.textContent}: ${this.name.get(id)}`);
        note = at >= 0 ? t('ranked.position', { n: at + 1 }) : full ? t('note.ranking_full') : '';
      } else if (this.isPoints) {
        const p = this.points.get(id) || 0;
        item.value.textContent = String(p);
        item.less.setAttribute('aria-disabled', p === 0 ? 'true' : 'false');
        const blocked = (this.maxPoints !== null && p >= this.maxPoints) ||
          (this.maxTotal !== null && total - p + (p === 0 ? Math.max(1, this.minPoints) : p + 1) > this.maxTotal) ||
          (p === 0 && full);
        item.more.setAttribute('aria-disabled', blocked ? 'true' : 'false');
        note = t('points.given', { n: p });  // read by screen readers only: the stepper shows the number
        if (this.maxPoints !== null && p >= this.maxPoints) note += ` ${t('note.max_points')}`;
        item.note.classList.add('sr-only');
      } else {
        item.input.checked = on;
        if (!on && left !== null && this.cost.get(id) > left) note = t('note.no_fit', { left: this.money(left) });
        else if (!on && full && this.type !== 'choose-1') note = t('note.limit');
      }
      item.note.textContent = note;
      item.li.classList.toggle('on', on);
      item.li.classList.toggle('blocked', !on && note !== '' && !this.isPoints && this.type !== 'ranked');
    }
    if (this.rankingList) this.renderRanking();
  }

  // Rows for the review screen: [name, detail].
  reviewRows() {
    return this.selected().map((id, at) => {
      let detail = this.money(this.cost.get(id));
      if (this.type === 'ranked') detail = `${t('review.rank', { n: at + 1 })} · ${detail}`;
      if (this.isPoints) detail = `${t('points.given', { n: this.points.get(id) })} · ${detail}`;
      return [this.name.get(id), detail];
    });
  }
}
