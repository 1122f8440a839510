// The landing page, /: go to a vote or its results by the process's short name.
import { $, api, fill, h, startI18n, t, windowText } from './common.js';

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
    votes.length ? h('section', { class: 'card', id: 'votes', 'aria-labelledby': 'votes-h' }, h('h2', { id: 'votes-h' }, t('home.votes')),
      h('ul', { class: 'votes' }, votes.map((v) => h('li', {},
        h('a', { href: `/vote/${encodeURIComponent(v.slug)}` }, v.title), ' ',
        h('span', { class: `badge ${v.state}` }, t(v.state === 'open' ? 'home.open_now' : 'home.opens_soon')),
        windowText(v) ? h('span', { class: 'window' }, windowText(v)) : null)))) : null,
    h('p', {}, h('a', { href: '/admin' }, t('home.organizers'))));
}

// Votes open now or with an opening time, with their windows.
let votes = [];
startI18n(render).then(async () => {
  render();
  const r = await api('GET', '/votes');
  if (r.ok) votes = r.data.votes;
  render();
});
