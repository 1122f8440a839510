// The public list of corrections made while voting was open (#16 item 5):
// what changed, from what to what, who and when. Loaded by the voting and
// results pages only when there is a change, so it costs nothing otherwise.
import { LANGUAGES, formatDate, h, t } from './common.js';

// "budgets[0].projects[2].translations.es.name" -> the thing, the text and the language it is about.
function about(def, field) {
  const m = /^(?:budgets\[(\d+)\]\.)?(?:projects\[(\d+)\]\.)?(?:headings\[(\d+)\]\.)?(?:translations(?:\.([\w-]+))?(?:\.(\w+))?|(\w+))$/.exec(field) || [];
  const [, b, p, hd, language, translated, key] = m;
  const budget = b !== undefined ? def.budgets?.[Number(b)] : null;
  const thing = p !== undefined ? budget?.projects?.[Number(p)]?.name : budget ? budget.title || budget.id
    : hd !== undefined ? def.headings?.[Number(hd)]?.title : def.title;
  return { thing: thing || field, key: key || translated || 'translations', language };
}

// The languages a change is about: its own, or those of a translations object added or removed.
function languagesOf(language, c) {
  const codes = language ? [language] : Object.keys((c.after && typeof c.after === 'object' ? c.after : c.before) || {});
  return codes.map((code) => LANGUAGES[code] || code).join(', ');
}

const shown = (value) => (typeof value === 'string' ? `“${value}”` : value === null ? t('changes.none') : t('changes.set'));

// A <details> listing the changes (newest last), or null when there are none.
export function changeList(def, changes) {
  if (!changes?.length) return null;
  return h('details', { class: 'card changes', id: 'changes' },
    h('summary', {}, t('changes.title', { n: changes.length })),
    h('p', { class: 'hint' }, t('changes.intro')),
    h('ol', {}, changes.map((c) => {
      const { thing, key, language } = about(def, c.field);
      const names = key === 'translations' || language ? languagesOf(language, c) : '';
      const what = t(`changes.key.${key}`) + (names ? ` (${names})` : '');
      const values = key === 'image' || typeof c.after === 'object' && c.after !== null ? ''
        : ` ${t('changes.from_to', { before: shown(c.before), after: shown(c.after) })}`;
      return h('li', {}, h('span', { class: 'when' }, formatDate(c.at)), ' · ',
        t('changes.line', { what, thing: `“${thing}”` }), values, ' ', h('span', { class: 'hint' }, t('changes.by', { by: c.by })));
    })));
}
