// The landing page, /: go to a vote or its results by the process's short name.
import { $, fill, h, startI18n, t } from './common.js';

const main = $('#main');

function render() {
  const input = h('input', { type: 'text', id: 'slug', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
    pattern: '[a-z0-9][a-z0-9\\-]*', 'aria-describedby': 'slug-hint' });
  const go = (page) => (e) => {
    e.preventDefault();
    const slug = input.value.trim().toLowerCase();
    if (/^[a-z0-9][a-z0-9-]{0,63}$/.test(slug)) location.href = `/${page}/${slug}`;
    else input.setAttribute('aria-invalid', 'true'), input.focus();
  };
  fill(main, h('h1', {}, t('home.title')), h('p', { class: 'lead' }, t('home.intro')),
    h('form', { class: 'card', onsubmit: go('vote') },
      h('label', { for: 'slug' }, t('home.slug')), h('p', { class: 'hint', id: 'slug-hint' }, t('home.slug_hint')), input,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('home.vote')),
        h('button', { type: 'button', class: 'btn secondary', onclick: go('results') }, t('home.results')))),
    h('p', {}, h('a', { href: '/admin' }, t('home.organizers'))));
}

startI18n(render).then(render);
