// The funded projects' progress, /progress/<slug>: the list of every funded
// project with its stage and progress, and a page per project
// (?budget=B&project=P) with its milestones, notes and photos, in the
// reader's language where the editors wrote one.
import { $, api, currentLang, errorText, fill, focusView, formatMoney, formatNumber, h, param, slugFromPath, startI18n, t, useStrings } from './common.js';
import { photo } from './ballot.js';
import { loadTimeline, timeline } from './timeline.js';

useStrings('progress');  // this page's strings: the voting page does not download them

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}`;
const main = $('#main');
let data = null;
let phases = null;
let error = null;

// A text in the reader's language when there is one, else as written.
const text = (o, key) => o?.translations?.[currentLang()]?.[key] || o?.[key] || '';

function day(date) {
  if (!date) return '';
  return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

function bar(percent, label) {
  return h('div', { class: 'progress-row' },
    h('progress', { max: 100, value: percent, 'aria-label': label }),
    h('span', { class: 'progress-pct' }, `${formatNumber(percent)}%`));
}

const stage = (p) => h('span', { class: `badge stage-${p.stage}` }, t(`progress.stage_${p.stage}`));
const projectHref = (p) => `/progress/${encodeURIComponent(slug)}?budget=${encodeURIComponent(p.budget)}&project=${encodeURIComponent(p.project)}`;

function list() {
  const title = data.translations?.[currentLang()]?.title || data.title;
  return [
    h('h1', { id: 'progress-h' }, t('progress.heading', { title })),
    h('p', { id: 'progress-summary' }, t('progress.summary', { n: data.funded, delivered: data.delivered })),
    timeline(phases),
    h('ul', { class: 'progress-list', id: 'projects' }, data.projects.map((p) => {
      const latest = p.milestones.filter((m) => m.status !== 'cancelled').at(-1);
      return h('li', { class: 'card project-progress', 'data-project': p.project },
        h('h2', {}, h('a', { href: projectHref(p) }, text(p, 'name'))),
        h('p', { class: 'project-meta' }, stage(p), ' ', formatMoney(Number(p.cost), p.currency, String(p.cost).includes('.') ? 2 : 0)),
        bar(p.progress, t('progress.progress_of', { name: text(p, 'name') })),
        latest ? h('p', { class: 'hint' }, t('progress.latest', { title: text(latest, 'title'), date: day(latest.date) })) : h('p', { class: 'hint' }, t('progress.none_yet')));
    })),
    h('p', {}, h('a', { href: `/api/v1${base}/implementation.csv`, download: `${slug}-implementation.csv`, id: 'implementation-csv' }, t('progress.csv'))),
    h('p', {}, h('a', { href: `/results/${encodeURIComponent(slug)}` }, t('progress.results')))];
}

function milestone(m) {
  return h('li', { class: `milestone ${m.status}` },
    h('h3', {}, text(m, 'title')),
    h('p', { class: 'project-meta' }, h('span', { class: `badge status-${m.status}` }, t(`progress.status_${m.status}`)), ' ',
      h('time', { datetime: m.date }, day(m.date))),
    m.status === 'cancelled' ? null : bar(m.progress, t('progress.progress_of', { name: text(m, 'title') })),
    text(m, 'notes') ? h('p', { class: 'notes' }, text(m, 'notes')) : null,
    (m.photos || []).map((image) => photo(image)));
}

function project(p) {
  return [
    h('p', {}, h('a', { href: `/progress/${encodeURIComponent(slug)}`, id: 'back' }, t('progress.back'))),
    h('h1', { id: 'progress-h' }, text(p, 'name')),
    h('p', { class: 'project-meta' }, stage(p), ' ', formatMoney(Number(p.cost), p.currency, String(p.cost).includes('.') ? 2 : 0)),
    photo(p.image),
    text(p, 'description') ? h('p', {}, text(p, 'description')) : null,
    text(p, 'location') ? h('p', { class: 'hint' }, t('progress.where', { where: text(p, 'location') })) : null,
    bar(p.progress, t('progress.progress_of', { name: text(p, 'name') })),
    h('section', { 'aria-labelledby': 'milestones-h' },
      h('h2', { id: 'milestones-h' }, t('progress.milestones')),
      p.milestones.length ? h('ol', { class: 'milestones', id: 'milestones' }, p.milestones.map(milestone)) : h('p', { class: 'hint' }, t('progress.none_yet')))];
}

function render() {
  if (error) {
    const waiting = error.code === 'results_not_published';
    fill(main, h('h1', {}, t('progress.title')), h('p', { class: 'notice' }, waiting ? t('progress.not_yet') : errorText(error)), timeline(phases));
    return;
  }
  const budget = param('budget');
  const id = param('project');
  const one = budget && id ? data.projects.find((p) => p.budget === budget && p.project === id) : null;
  if (budget && id && !one) {
    fill(main, h('h1', {}, t('progress.title')), h('p', { class: 'notice' }, t('progress.no_project')),
      h('p', {}, h('a', { href: `/progress/${encodeURIComponent(slug)}` }, t('progress.back'))));
    return;
  }
  fill(main, one ? project(one) : list());
}

async function start() {
  await startI18n(render);
  const [r, tl] = await Promise.all([api('GET', `${base}/implementation`), loadTimeline(slug)]);
  phases = tl;
  if (r.ok) data = r.data;
  else error = r.error;
  render();
  focusView($('h1', main));
}

start();
