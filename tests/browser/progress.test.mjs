// The cycle's timeline and the funded projects' progress (#19 items 1 and 4),
// at 360 px in English and Spanish: the timeline on the progress and results
// pages, the list of funded projects with their stage and progress, a
// project's page with its milestones, notes (in the reader's language) and
// photos, and the CSV link; no text cut, no key left untranslated.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LANGUAGES, clippedText, closeClean, contrastProblems, drawnJpeg, gardenProcess, keysShown as keysOf, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const DAY = 86400000;
const GARDEN = gardenProcess('garden');

const WORDS = {
  en: { heading: 'Community garden PB: funded projects', summary: '2 funded projects, 0 delivered.', timeline: 'Timeline',
    phases: ['Ideas', 'Review', 'Vote', 'Results', 'Implementation'], now: 'Now', done: 'Done',
    trees: 'Shade trees along the playground fence', underway: 'Under way', notStarted: 'Not started',
    milestones: ['Trees ordered', 'Trees planted'], notes: 'Twelve oaks from the city nursery.\nPlanting starts on Monday.',
    inProgress: 'In progress', follow: 'Follow the funded projects', back: 'All funded projects' },
  es: { heading: 'Presupuesto del huerto: proyectos financiados', summary: '2 proyectos financiados, 0 terminados.', timeline: 'Calendario',
    phases: ['Ideas', 'Revisión', 'Votación', 'Resultados', 'Ejecución'], now: 'Ahora', done: 'Terminada',
    trees: 'Árboles de sombra junto a la valla del patio', underway: 'En marcha', notStarted: 'Sin empezar',
    milestones: ['Árboles pedidos', 'Árboles plantados'], notes: 'Doce robles del vivero municipal.\nLa plantación empieza el lunes.',
    inProgress: 'En curso', follow: 'Seguir los proyectos financiados', back: 'Todos los proyectos financiados' },
};

// A 640 x 420 JPEG drawn by the browser itself (a tree).
const photoBytes = (page) => drawnJpeg(page, 640, 420, [{ fill: '#8ec5ff', rect: [0, 0, 640, 420] },
  { fill: '#5d4037', rect: [300, 200, 40, 220] }, { fill: '#2e7d32', circle: [320, 170, 120] }]);

// Text of the page that reads like a translation key: a string left untranslated.
const keysShown = (page) => keysOf(page, 'phases|progress');

const server = useServer(async () => {
  const codes = await openProcess(server, GARDEN, 3);
  const now = Date.now();
  const phases = await server.api('PUT', '/processes/garden/phases', {
    ideas: { opens_at_ms: now - 40 * DAY, closes_at_ms: now - 30 * DAY },
    review: { opens_at_ms: now - 30 * DAY, closes_at_ms: now - 20 * DAY },
    implementation: { opens_at_ms: now - DAY, closes_at_ms: now + 180 * DAY } });
  assert.equal(phases.status, 200, phases.text);
  for (const [i, picks] of [['a', 'c'], ['a', 'c'], ['b']].entries()) {
    const r = await server.api('POST', '/processes/garden/ballots', { code: codes[i], ballots: { main: { projects: picks } } }, { token: '' });
    assert.equal(r.status, 201, r.text);
  }
  assert.equal((await server.api('POST', '/processes/garden/close')).status, 200);
  assert.equal((await server.api('POST', '/processes/garden/phases/results/open')).status, 200);  // publishes
  // A plain vote, its phases unused: no timeline on its pages.
  const plain = { ...GARDEN, slug: 'plain', title: 'Plain vote' };
  const plainCodes = await openProcess(server, plain, 1);
  await server.api('POST', '/processes/plain/ballots', { code: plainCodes[0], ballots: { main: { projects: ['a'] } } }, { token: '' });
  assert.equal((await server.api('POST', '/processes/plain/close')).status, 200);
  assert.equal((await server.api('POST', '/processes/plain/publish')).status, 200);
});
describe('milestones recorded by an editor through the API', () => {
  test('two milestones on the trees, with Spanish texts and a photo', async () => {
    const { browser, page } = await openPage();
    await page.goto(`${server.url}/`);
    const uploaded = await server.api('POST', '/images', await photoBytes(page), { type: 'image/jpeg' });
    assert.equal(uploaded.status, 201, uploaded.text);
    await browser.close();
    const trees = '/processes/garden/implementation/main/a/milestones';
    const first = await server.api('POST', trees, { title: 'Trees ordered', status: 'done', date: '2027-02-01',
      notes: 'Paid from the main budget.', translations: { es: { title: 'Árboles pedidos', notes: 'Pagados con el presupuesto principal.' } } });
    assert.equal(first.status, 201, first.text);
    const second = await server.api('POST', trees, { title: 'Trees planted', status: 'in_progress', date: '2027-03-15', progress: 60,
      notes: WORDS.en.notes, photos: [uploaded.json.image],
      translations: { es: { title: 'Árboles plantados', notes: WORDS.es.notes } } });
    assert.equal(second.status, 201, second.text);
  });
});

for (const [lang, locale] of LANGUAGES) {
  describe(`timeline and progress pages (${lang})`, () => {
    let browser;
    let page;
    const w = WORDS[lang];
    before(async () => ({ browser, page } = await openPage({ locale })));
    after(() => closeClean(browser));

    test('the list: every funded project with its stage and progress, and the timeline', async () => {
      await page.goto(`${server.url}/progress/garden`);
      await page.locator('#progress-h').waitFor();
      assert.equal(await page.locator('#progress-h').textContent(), w.heading);
      assert.equal(await page.locator('#progress-summary').textContent(), w.summary);
      assert.equal(await page.locator('#timeline-h').textContent(), w.timeline);
      const names = await page.locator('#timeline .phase-name').allTextContents();
      assert.deepEqual(names, w.phases);
      assert.equal(await page.locator('#timeline [data-phase="implementation"] .badge').textContent(), w.now);
      assert.equal(await page.locator('#timeline [data-phase="implementation"]').getAttribute('aria-current'), 'step');
      assert.equal(await page.locator('#timeline [data-phase="ideas"] .badge').textContent(), w.done);
      assert.equal(await page.locator('#timeline [data-phase="vote"] .badge').textContent(), w.done);
      const projects = page.locator('#projects > li');
      assert.equal(await projects.count(), 2);  // the bike racks were not funded
      assert.equal(await projects.nth(0).locator('h2').textContent(), w.trees);
      assert.equal(await projects.nth(0).locator('.badge').textContent(), w.underway);
      assert.equal(await projects.nth(0).locator('progress').getAttribute('value'), '80');  // the mean of 100 and 60
      assert.equal(await projects.nth(1).locator('.badge').textContent(), w.notStarted);
      assert.match(await page.locator('#implementation-csv').getAttribute('href'), /\/api\/v1\/processes\/garden\/implementation\.csv$/);
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await keysShown(page), []);
      assert.deepEqual(await contrastProblems(page), []);
      await screenshot(page, `progress-list-${lang}`, { fullPage: true });
    });

    test('a project: its milestones in order, notes with their line breaks, the photo', async () => {
      await page.locator('#projects > li').nth(0).locator('h2 a').click();
      await page.locator('#milestones').waitFor();
      assert.equal(await page.locator('#progress-h').textContent(), w.trees);
      assert.deepEqual(await page.locator('#milestones h3').allTextContents(), w.milestones);
      const planted = page.locator('#milestones > li').nth(1);
      assert.equal(await planted.locator('.badge').textContent(), w.inProgress);
      assert.equal(await planted.locator('.notes').innerText(), w.notes);
      const img = planted.locator('img.photo');
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => document.querySelector('#milestones img.photo')?.complete);
      assert.ok(await img.evaluate((el) => el.naturalWidth > 0));
      assert.ok((await img.boundingBox()).width <= 360);
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await keysShown(page), []);
      assert.deepEqual(await contrastProblems(page), []);
      await screenshot(page, `progress-project-${lang}`, { fullPage: true });
      await page.locator('#back').click();
      await page.locator('#projects').waitFor();
    });

    test('the results page links to the progress and shows the timeline', async () => {
      await page.goto(`${server.url}/results/garden`);
      await page.locator('#progress-link').waitFor();
      assert.equal(await page.locator('#progress-link').textContent(), w.follow);
      assert.equal(await page.locator('#timeline .phase-name').count(), 5);
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await keysShown(page), []);
      await screenshot(page.locator('#timeline'), `results-timeline-${lang}`);
      await page.locator('#progress-link').click();
      await page.locator('#projects').waitFor();
    });

    test('a plain vote (no phase but the vote in use) shows no timeline', async () => {
      await page.goto(`${server.url}/results/plain`);
      await page.locator('#progress-link').waitFor();
      assert.equal(await page.locator('#timeline').count(), 0);
    });

    test('the voting page of the closed vote shows the timeline too', async () => {
      await page.goto(`${server.url}/vote/garden`);
      await page.locator('#timeline').waitFor();
      assert.equal(await page.locator('#timeline [data-phase="vote"] .badge').textContent(), w.done);
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await keysShown(page), []);
    });
  });
}
