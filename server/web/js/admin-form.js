// The organizer's process form: create a process or edit a draft (title, slug,
// groups, budgets with amount, currency, ballot type and limits, rule, projects).
import { LANGUAGES, focusView, h, t } from './common.js';
import { photo } from './ballot.js';
import { amountRead, amountText, checkDefinition, fieldId, marksName, readAmount, readCount } from './admin-checks.js';

export const BALLOT_TYPES = ['approval', 'knapsack', 'choose-1', 'ranked', 'cumulative', 'scoring'];
// Rules that count each ballot type (README: the tally rules table). The first
// is the recommended default: Equal Shares completed as the cities do (equalshares.net).
const APPROVAL_RULES = ['equalshares-add1u', 'equalshares-add1', 'mes', 'greedy', 'greedy-card', 'greedy-score', 'greedy-no-skip', 'mes-card', 'mes-add1', 'phragmen', 'knapsack'];
export const RULES = {
  approval: APPROVAL_RULES,
  knapsack: ['knapsack', ...APPROVAL_RULES.filter((r) => r !== 'knapsack')],
  'choose-1': APPROVAL_RULES.filter((r) => r !== 'knapsack'),
  ranked: ['greedy-borda', 'mes-borda', 'greedy-score', 'irv', 'stv', 'schulze'],
  cumulative: ['mes', 'greedy', 'greedy-score', 'greedy-no-skip'],
  scoring: ['mes', 'greedy', 'greedy-score', 'greedy-no-skip'],
};
// The limits each ballot type takes.
const LIMITS = {
  approval: ['min_projects', 'max_projects'],
  knapsack: ['max_cost', 'min_projects', 'max_projects'],
  'choose-1': [],
  ranked: ['min_projects', 'max_projects'],
  cumulative: ['max_total_points', 'max_points', 'min_total_points'],
  scoring: ['min_points', 'max_points'],
};
const MONEY_LIMITS = new Set(['max_cost', 'min_cost']);

const newProject = (id) => ({ id, name: '', cost: '', category: '', description: '', details: '', location: '' });
export const newBudget = (id = 'main') => ({ id, title: '', amount: '', currency: 'USD', rule: 'equalshares-add1u', tie_break: 'id',
  ballot: { type: 'approval' }, projects: [newProject('1')] });
export const newDefinition = () => ({ slug: '', title: '', description: '', languages: ['en', 'es'], groups: [], revoting: 'first',
  receipts: 'verifiable', min_group_size: 5, budgets: [newBudget()] });

const slugify = (text) => text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-')
  .replace(/^-+|-+$/g, '').slice(0, 64);

// editing: the slug is fixed. onSave(definition) returns '' or the API's error
// ({code, message, field}): shown at the field it names.
// correcting: voting is open, only texts and pictures may change (a name for the public list is asked).
// onUpload(file) sends a picture: {ok, data: {image}} or {ok: false, error: {text}}.
export function processForm({ definition, editing, onSave, onCancel, onUpload, correcting = false }) {
  let by = '';
  const model = structuredClone(definition);
  let slugTouched = editing || Boolean(model.slug);
  const root = h('div');
  let error = '';
  // What the organizer typed in amount and limit inputs (by input id), and the problems found, by input id.
  const typed = new Map();
  const errors = new Map();

  // A field: its label, hint, input, and its problem in words (aria-described by both).
  const field = (id, label, input, hint, extra = null) => {
    const problem = errors.get(id) || '';
    const described = [hint ? `${id}-hint` : '', `${id}-error`, extra ? `${id}-read` : ''].filter(Boolean).join(' ');
    input.setAttribute('aria-describedby', described);
    if (problem) input.setAttribute('aria-invalid', 'true');
    return h('div', { class: 'field' }, h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, input, extra,
      h('p', { class: 'error field-error', id: `${id}-error` }, problem));
  };
  // Ids move when budgets, projects or the ballot type change: what was typed is read again from the model.
  const forget = () => {
    typed.clear();
    errors.clear();
  };
  const showProblem = (id, problem) => {
    if (problem) errors.set(id, problem);
    else errors.delete(id);
    const input = root.querySelector(`#${id}`);
    const box = root.querySelector(`#${id}-error`);
    if (box) box.textContent = problem || '';
    if (input) {
      if (problem) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  };
  // An amount input: read in the page's language as it is typed; what it was read as is shown under it.
  const amountInput = (id, value, currency, set) => {
    const shown = typed.has(id) ? typed.get(id) : amountText(value, currency());
    const read = h('p', { class: 'hint read-as', id: `${id}-read`, 'aria-live': 'polite' },
      value !== undefined && value !== '' && !errors.get(id) ? amountRead(value, currency()) : '');
    const input = h('input', { type: 'text', id, value: shown, inputmode: 'decimal', autocomplete: 'off', oninput: (e) => {
      typed.set(id, e.target.value);
      const r = e.target.value.trim() === '' ? { value: undefined } : readAmount(e.target.value, currency());
      set(r.error ? undefined : r.value);
      showProblem(id, r.error || '');
      read.textContent = r.error || r.value === undefined ? '' : amountRead(r.value, currency());
    } });
    return [input, read];
  };
  const text = (id, value, set, extra = {}) => h('input', { type: 'text', id, value: value ?? '', oninput: (e) => set(e.target.value), ...extra });
  const select = (id, value, options, set) => h('select', { id, onchange: (e) => set(e.target.value) },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  const described = (el, hint) => {
    el.setAttribute('aria-describedby', hint);
    return el;
  };

  function render(focusId) {
    const slugInput = text('f-slug', model.slug, (v) => {
      model.slug = v;
      slugTouched = true;
    }, { readonly: editing, pattern: '[a-z0-9][a-z0-9\\-]*', 'aria-describedby': 'f-slug-hint', required: true });
    root.replaceChildren(h('form', { class: 'card', novalidate: true, onsubmit: save },
      h('h1', { id: 'form-title' }, editing ? t('form.edit_title', { title: model.title }) : t('form.new_title')),
      correcting ? h('p', { class: 'notice', id: 'correcting' }, t('admin.texts.correcting')) : null,
      correcting ? field('f-by', t('admin.texts.by'), text('f-by', by, (v) => { by = v; }, { autocomplete: 'name' })) : null,
      h('p', { id: 'form-error', class: 'error', role: 'alert', tabindex: '-1' }, error),
      field('f-title', t('form.title'), text('f-title', model.title, (v) => {
        model.title = v;
        if (!slugTouched) slugInput.value = model.slug = slugify(v);
      }, { required: true })),
      field('f-slug', t('form.slug'), slugInput, t('form.slug_hint')),
      field('f-description', t('form.description'), h('textarea', { id: 'f-description', oninput: (e) => { model.description = e.target.value; } }, model.description || '')),
      // The language the texts are written in; the others get a translation section below.
      field('f-language', t('admin.texts.language'), described(select('f-language', languages()[0],
        Object.entries(LANGUAGES).map(([code, name]) => [code, name]), (v) => {
          model.languages = [v, ...Object.keys(LANGUAGES).filter((x) => x !== v)];
          forget();
          render('f-language');
        }), 'f-language-hint'), t('admin.texts.language_hint')),
      field('f-groups', t('form.groups'), text('f-groups', (model.groups || []).join(', '), (v) => {
        model.groups = v.split(',').map((g) => g.trim()).filter(Boolean);
      }, { 'aria-describedby': 'f-groups-hint' }), t('form.groups_hint')),
      field('f-revoting', t('form.revoting'), select('f-revoting', model.revoting || 'first',
        [['first', t('form.revoting_first')], ['latest', t('form.revoting_latest')]], (v) => { model.revoting = v; })),
      // What a receipt reveals, and the smallest group public counts show (server/AUDIT.md).
      field('f-receipts', t('form.receipts'), described(select('f-receipts', model.receipts || 'verifiable',
        [['verifiable', t('form.receipts_verifiable')], ['private', t('form.receipts_private')]], (v) => { model.receipts = v; }),
      'f-receipts-hint'), t('form.receipts_hint')),
      field('f-k', t('form.min_group_size'), h('input', { type: 'number', id: 'f-k', min: 1, max: 1000, value: model.min_group_size ?? 5,
        'aria-describedby': 'f-k-hint', oninput: (e) => { model.min_group_size = e.target.value; } }), t('form.min_group_size_hint')),
      model.budgets.map((b, i) => budgetFields(b, i)),
      languages().slice(1).map((code) => translationFields(code)),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn secondary', id: 'add-budget', onclick: () => {
        const ids = new Set(model.budgets.map((x) => x.id));
        let n = model.budgets.length + 1;
        while (ids.has(`budget-${n}`)) n++;
        model.budgets.push(newBudget(`budget-${n}`));
        forget();
        render(`b${model.budgets.length - 1}-id`);
      } }, t('form.add_budget'))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'save' }, t('form.save')),
        h('button', { type: 'button', class: 'btn secondary', onclick: onCancel }, t('form.cancel')))));
    if (focusId) root.querySelector(`#${focusId}`)?.focus();
  }

  function budgetFields(b, i) {
    const p = `b${i}`;
    const type = b.ballot?.type || 'approval';
    if (!RULES[type].includes(b.rule)) b.rule = RULES[type][0];
    const limit = (key) => {
      const id = `${p}-${key}`;
      const set = (v) => {
        if (v === undefined) delete b.ballot[key];
        else b.ballot[key] = v;
      };
      if (MONEY_LIMITS.has(key)) {
        const [input, read] = amountInput(id, b.ballot[key], () => b.currency, set);
        return field(id, t(`form.limit.${key}`), input, null, read);
      }
      const input = text(id, typed.has(id) ? typed.get(id) : b.ballot[key] ?? '', (v) => {
        typed.set(id, v);
        const r = v.trim() === '' ? { value: undefined } : readCount(v);
        set(r.error ? undefined : r.value);
        showProblem(id, r.error || '');
      }, { inputmode: 'numeric' });
      return field(id, t(`form.limit.${key}`), input, key === 'min_projects' ? t('admin.form.min_projects_hint') : null);
    };
    return h('fieldset', { class: 'subform' }, h('legend', {}, t('form.budget_n', { n: i + 1 })),
      h('div', { class: 'grid2' },
        field(`${p}-id`, t('form.budget_id'), text(`${p}-id`, b.id, (v) => { b.id = v.trim(); })),
        field(`${p}-currency`, t('form.currency'), text(`${p}-currency`, b.currency, (v) => {
          b.currency = v.trim();
          // The currency says how amounts are written (es: "$50,000" but "50.000 €"): the hint follows.
          const hint = root.querySelector(`#${p}-amount-hint`);
          if (hint) hint.textContent = t(`admin.form.amount_hint_${marksName(b.currency)}`);
        }, { maxlength: 10 }))),
      field(`${p}-title`, t('form.budget_title'), text(`${p}-title`, b.title, (v) => { b.title = v; })),
      field(`${p}-amount`, t('form.amount'), ...amountField(`${p}-amount`, b, b.amount, (v) => { b.amount = v; }, t(`admin.form.amount_hint_${marksName(b.currency)}`))),
      field(`${p}-type`, t('form.ballot_type'), select(`${p}-type`, type, BALLOT_TYPES.map((x) => [x, t(`type.${x}`)]), (v) => {
        b.ballot = { type: v };
        forget();
        render(`${p}-type`);
      })),
      h('p', { class: 'hint' }, t(`type_help.${type}`)),
      LIMITS[type].map(limit),
      // One sentence for the chosen rule (the menu has the whole width: no cut names at 360 px).
      field(`${p}-rule`, t('form.rule'), select(`${p}-rule`, b.rule, RULES[type].map((r) => [r, t(`rule.${r}`)]), (v) => {
        b.rule = v;
        root.querySelector(`#${p}-rule-hint`).textContent = t(`admin.rule_help.${v}`);
      }), t(`admin.rule_help.${b.rule}`)),
      field(`${p}-tie`, t('form.tie_break'), select(`${p}-tie`, b.tie_break || 'id', [['id', t('form.tie_id')], ['cost', t('form.tie_cost')], ['file', t('form.tie_file')]],
          (v) => { b.tie_break = v; })),
      h('h3', {}, t('form.projects')),
      b.projects.map((project, j) => projectFields(b, project, i, j)),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn secondary', id: `${p}-add-project`, onclick: () => {
          const ids = new Set(b.projects.map((x) => x.id));
          let n = b.projects.length + 1;
          while (ids.has(String(n))) n++;
          b.projects.push(newProject(String(n)));
          forget();
          render(`${p}-p${b.projects.length - 1}-name`);
        } }, t('form.add_project')),
        model.budgets.length > 1 ? h('button', { type: 'button', class: 'btn secondary', onclick: () => {
          model.budgets.splice(i, 1);
          forget();
          render('add-budget');
        } }, t('form.remove_budget')) : null));
  }

  // [input, hint, the read-back line] for field().
  function amountField(id, b, value, set, hint = null) {
    const [input, read] = amountInput(id, value, () => b.currency, set);
    return [input, hint, read];
  }

  function projectFields(b, project, i, j) {
    const p = `b${i}-p${j}`;
    return h('fieldset', { class: 'subform' }, h('legend', {}, t('form.project_n', { n: j + 1 })),
      h('div', { class: 'grid2' },
        field(`${p}-id`, t('form.project_id'), text(`${p}-id`, project.id, (v) => { project.id = v.trim(); })),
        field(`${p}-cost`, t('form.cost'), ...amountField(`${p}-cost`, b, project.cost, (v) => { project.cost = v; }))),
      field(`${p}-name`, t('form.project_name'), text(`${p}-name`, project.name, (v) => { project.name = v; })),
      field(`${p}-category`, t('form.category'), text(`${p}-category`, project.category, (v) => { project.category = v; })),
      field(`${p}-description`, t('form.project_description'), h('textarea', { id: `${p}-description`,
        oninput: (e) => { project.description = e.target.value; } }, project.description || '')),
      field(`${p}-details`, t('admin.texts.details'), h('textarea', { id: `${p}-details`, rows: 4,
        oninput: (e) => { project.details = e.target.value; } }, project.details || '')),
      field(`${p}-location`, t('admin.texts.location'), text(`${p}-location`, project.location, (v) => { project.location = v; })),
      pictureField(project, `${p}-image`),
      b.projects.length > 1 ? h('button', { type: 'button', class: 'btn secondary small', onclick: () => {
        b.projects.splice(j, 1);
        forget();
        render(`b${i}-add-project`);
      } }, t('form.remove_project', { n: j + 1 })) : null);
  }

  // A project's picture: sent as soon as it is chosen; the server's copy shows under the input.
  function pictureField(project, id) {
    const input = h('input', { type: 'file', id, class: 'file-input', accept: 'image/jpeg,image/png,image/webp', onchange: async (e) => {
      const file = e.target.files?.[0];
      if (!file || !onUpload) return;
      showProblem(id, '');
      root.querySelector(`#${id}-read`).textContent = t('admin.texts.uploading');
      const r = await onUpload(file);
      if (!r.ok) {
        root.querySelector(`#${id}-read`).textContent = '';
        return showProblem(id, r.error.text || r.error.message);
      }
      project.image = r.data.image;
      render(id);
    } });
    const shown = h('div', { id: `${id}-read`, 'aria-live': 'polite' }, project.image ? [photo(project.image),
      h('button', { type: 'button', class: 'btn secondary small', id: `${id}-remove`, onclick: () => {
        delete project.image;
        render(id);
      } }, t('admin.texts.photo_remove'))] : null);
    const choose = h('label', { for: id, class: 'btn secondary small', id: `${id}-choose` }, t(project.image ? 'admin.texts.photo_other' : 'admin.texts.photo_choose'));
    const el = field(id, t('admin.texts.photo'), input, t('admin.texts.photo_hint'), shown);
    input.after(choose);
    return el;
  }

  // The process's languages: the first is the one its texts are written in.
  function languages() {
    return model.languages?.length ? model.languages : ['en', 'es'];
  }

  // The texts of one other language: every title, name and description, the
  // definition's own text under each (a blank one reads as that text).
  function translationFields(code) {
    const of = (o) => {
      o.translations ??= {};
      o.translations[code] ??= {};
      return o.translations[code];
    };
    const one = (o, key, id, label, area = false) => {
      const own = of(o);
      const original = o[key] || '';
      const input = area ? h('textarea', { id, oninput: (e) => { own[key] = e.target.value; } }, own[key] || '')
        : text(id, own[key], (v) => { own[key] = v; });
      // The language in the label too: each label names one input on the whole form.
      return field(id, t('admin.texts.label', { label, language: LANGUAGES[code] || code }), input,
        original ? t('admin.texts.original', { text: original }) : null);
    };
    const name = LANGUAGES[code] || code;
    return h('fieldset', { class: 'subform translations', lang: code }, h('legend', { lang: languages()[0] }, t('admin.texts.legend', { language: name })),
      h('p', { class: 'hint', lang: languages()[0] }, t('admin.texts.hint', { language: name })),
      one(model, 'title', `tr-${code}-title`, t('form.title')),
      one(model, 'description', `tr-${code}-description`, t('form.description'), true),
      model.budgets.map((b, i) => [
        h('h3', {}, t('form.budget_n', { n: i + 1 })),
        one(b, 'title', `tr-${code}-b${i}-title`, t('form.budget_title')),
        b.projects.map((p, j) => h('div', { class: 'tr-project' },
          h('h4', {}, t('form.project_n', { n: j + 1 })),
          one(p, 'name', `tr-${code}-b${i}-p${j}-name`, t('form.project_name')),
          one(p, 'description', `tr-${code}-b${i}-p${j}-description`, t('form.project_description'), true),
          one(p, 'details', `tr-${code}-b${i}-p${j}-details`, t('admin.texts.details'), true),
          one(p, 'location', `tr-${code}-b${i}-p${j}-location`, t('admin.texts.location'))))]));
  }

  // {"es": {"name": "…"}} without blank texts or other languages; undefined when none is left.
  function translationsJson(o, keys) {
    const out = {};
    for (const code of languages().slice(1)) {
      const own = o.translations?.[code] || {};
      const kept = Object.fromEntries(keys.filter((k) => own[k]?.trim()).map((k) => [k, own[k].trim()]));
      if (Object.keys(kept).length) out[code] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  }

  // The definition as the API wants it: empty optional fields left out.
  function definitionJson() {
    const d = { slug: model.slug.trim(), title: model.title.trim(), languages: languages(),
      groups: model.groups || [], revoting: model.revoting || 'first', receipts: model.receipts || 'verifiable' };
    const k = String(model.min_group_size ?? '').trim();
    d.min_group_size = /^\d+$/.test(k) ? Number(k) : k || 5;
    if (model.description?.trim()) d.description = model.description.trim();
    if (translationsJson(model, ['title', 'description'])) d.translations = translationsJson(model, ['title', 'description']);
    if (model.headings) d.headings = model.headings;
    if (model.areas) d.areas = model.areas;
    d.budgets = model.budgets.map((b) => {
      const type = b.ballot?.type || 'approval';
      const ballot = { type };
      for (const key of LIMITS[type]) if (b.ballot[key] !== undefined && b.ballot[key] !== '') ballot[key] = b.ballot[key];
      const out = { id: b.id, amount: b.amount, rule: b.rule, tie_break: b.tie_break || 'id', ballot };
      // Rule options the form does not edit (an import's threshold, reserve share, comparison) are kept.
      for (const key of ['min_score', 'reserve_share', 'comparison']) if (b[key] !== undefined) out[key] = b[key];
      // Voters see the budget's title: a lone budget without one takes the process's.
      out.title = b.title?.trim() || (model.budgets.length === 1 ? d.title : b.id);
      if (b.currency) out.currency = b.currency;
      for (const key of ['area', 'heading']) if (b[key]) out[key] = b[key];
      if (translationsJson(b, ['title'])) out.translations = translationsJson(b, ['title']);
      out.projects = b.projects.map((p) => {
        const o = { id: p.id, name: p.name, cost: p.cost };
        if (p.category?.trim()) o.category = p.category.trim();
        if (p.description?.trim()) o.description = p.description.trim();
        if (p.exclusive_group) o.exclusive_group = p.exclusive_group;
        for (const key of ['details', 'location']) if (p[key]?.trim()) o[key] = p[key].trim();
        if (p.image) o.image = p.image;
        const texts = translationsJson(p, ['name', 'description', 'details', 'location']);
        if (texts) o.translations = texts;
        return o;
      });
      return out;
    });
    return d;
  }

  // Each problem at its field; the top of the form says how many, and focus goes to the first.
  function showProblems(problems) {
    errors.clear();
    for (const { id, message } of problems) if (!errors.has(id)) errors.set(id, message);
    error = t('admin.form.problems', { n: errors.size });
    render();
    root.querySelector('#form-error').textContent = error;
    const first = root.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
    else focusView(root.querySelector('#form-error'));
  }

  async function save(e) {
    e.preventDefault();
    // Inputs that could not be read keep their problem; then the definition's own slips.
    const unread = [...errors].filter(([id]) => typed.has(id) && root.querySelector(`#${id}`)).map(([id, message]) => ({ id, message }));
    const d = definitionJson();
    const problems = [...unread, ...checkDefinition(d)];
    if (problems.length) return showProblems(problems);
    const refused = await onSave(d, by.trim());
    if (!refused) return;
    const atField = refused.code === 'invalid_definition' || refused.code === 'not_correctable';
    const id = atField ? fieldId(refused.field, (x) => Boolean(root.querySelector(`#${x}-error`))) : '';
    if (id) {
      const words = String(refused.message || '').slice(String(refused.field || '').length).replace(/^:\s*/, '');
      return showProblems([{ id, message: refused.code === 'not_correctable' ? t('admin.texts.not_correctable')
        : t('admin.form.error.server', { message: words }) }]);
    }
    // A short name already taken is the slug field's problem.
    if (refused.code === 'slug_taken' && !editing) return showProblems([{ id: 'f-slug', message: refused.text }]);
    errors.clear();
    error = typeof refused === 'string' ? refused : refused.text || refused.message || refused.code;
    render();
    root.querySelector('#form-error').textContent = error;
    focusView(root.querySelector('#form-error'));
  }

  render();
  return root;
}
