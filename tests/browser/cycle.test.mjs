// The organizer's screens of the cycle (#19 items 1 and 4), at 360 px in
// English and Spanish: on the organizer page of a process, the owner sets a
// phase's dates (a wrong pair refused at its field), opens and closes the
// ideas phase by hand, and the public ideas page and its timeline follow; an
// editor adds a milestone (texts in both languages, a photo) to a funded
// project, a wrong one refused at its field, edits it to done, and the public
// progress page shows it. No text cut, no key left untranslated.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LANGUAGES, checkScreen, closeClean, drawnJpeg, gardenProcess, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const DAY = 86400000;

const definition = gardenProcess;

const WORDS = {
  en: { notOpen: 'Not open yet', open: 'Open', closed: 'Closed', now: 'Now', done: 'Done', upcoming: 'Upcoming',
    saved: 'Review phase: dates saved.', opened: 'Ideas phase: opened.', closedSaid: 'Ideas phase: closed.', closeFirst: 'Choose a closing time after the opening time.',
    ideasOpen: /^Ideas are open/, ideasClosed: /^Ideas closed on /, ideasOpenOn: /^Ideas open on /, reviewDates: /^Opens on /, ideasSaved: 'Ideas phase: dates saved.',
    trees: 'Shade trees along the playground fence', added: 'Milestone added: Trees planted.', savedMilestone: 'Milestone saved: Trees planted.',
    noTitle: 'A title of one line, at most 200 characters.', inProgress: 'In progress', doneStatus: 'Done',
    title: 'Trees planted', notes: 'Twelve oaks from the city nursery.', delivered: 'Delivered' },
  es: { notOpen: 'Aún no abierta', open: 'Abierta', closed: 'Cerrada', now: 'Ahora', done: 'Terminada', upcoming: 'Próximamente',
    saved: 'Fase «Revisión»: fechas guardadas.', opened: 'Fase «Ideas»: abierta.', closedSaid: 'Fase «Ideas»: cerrada.', closeFirst: 'Elige una hora de cierre posterior a la de apertura.',
    ideasOpen: /^Las ideas están abiertas/, ideasClosed: /^Las ideas se cerraron el /, ideasOpenOn: /^Las ideas se abren el /, reviewDates: /^Se abre el /, ideasSaved: 'Fase «Ideas»: fechas guardadas.',
    trees: 'Árboles de sombra junto a la valla del patio', added: 'Hito añadido: Árboles plantados.', savedMilestone: 'Hito guardado: Árboles plantados.',
    noTitle: 'Un título de una línea, de 200 caracteres como máximo.', inProgress: 'En curso', doneStatus: 'Hecho',
    title: 'Árboles plantados', notes: 'Doce robles del vivero municipal.', delivered: 'Terminado' },
};

// Every screen: nothing cut or too wide, no key of these features left untranslated.
const checkPage = (page) => checkScreen(page, 'admin|phases|progress|ideas');

// <input type="datetime-local">'s value for a time, in the browser's own zone.
const localInput = (page, ms) => page.evaluate((at) => {
  const d = new Date(at);
  return new Date(at - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}, ms);

// A 640 x 420 JPEG drawn by the browser itself (a tree).
const photoBytes = (page) => drawnJpeg(page, 640, 420, [{ fill: '#8ec5ff', rect: [0, 0, 640, 420] },
  { fill: '#2e7d32', circle: [320, 170, 120] }]);

const server = useServer();

for (const [lang, locale] of LANGUAGES) {
  describe(`the cycle on the organizer page (${lang})`, () => {
    const w = WORDS[lang];
    const planned = `plan-${lang}`;  // a draft, in its ideas phase
    const built = `built-${lang}`;  // voted, counted and published: its funded projects are being built
    let browser;
    let page;

    before(async () => {
      const created = await server.api('POST', '/processes', definition(planned));
      assert.equal(created.status, 201, created.text);
      assert.equal((await server.api('PUT', `/processes/${planned}/ideas/settings`, { accepting: true })).status, 200);
      const codes = await openProcess(server, definition(built), 3);
      for (const [i, picks] of [['a', 'c'], ['a', 'c'], ['b']].entries()) {
        const r = await server.api('POST', `/processes/${built}/ballots`, { code: codes[i], ballots: { main: { projects: picks } } }, { token: '' });
        assert.equal(r.status, 201, r.text);
      }
      assert.equal((await server.api('POST', `/processes/${built}/close`)).status, 200);
      assert.equal((await server.api('POST', `/processes/${built}/publish`)).status, 200);
      ({ browser, page } = await openPage({ locale }));
      await page.goto(`${server.url}/`);
      await page.evaluate((token) => sessionStorage.setItem('psephos-token', token), server.token);
    });
    after(() => closeClean(browser));

    test('the owner sets the review phase\'s dates; a close before the opening is refused at its field', async () => {
      await page.goto(`${server.url}/admin#/p/${planned}`);
      await page.locator('#phase-ideas-state').waitFor();
      assert.equal(await page.locator('#phase-ideas-state').textContent(), w.notOpen);
      assert.equal(await page.locator('#phase-list > li').count(), 5);
      await page.locator('#phase-review-change summary').click();
      const now = Date.now();
      await page.locator('#phase-review-opens').fill(await localInput(page, now + 10 * DAY));
      await page.locator('#phase-review-closes').fill(await localInput(page, now + 5 * DAY));
      await page.locator('#phase-review-save').click();
      await page.waitForFunction(() => document.querySelector('#phase-review-closes-error')?.textContent);
      assert.equal(await page.locator('#phase-review-closes-error').textContent(), w.closeFirst);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'phase-review-closes');
      await screenshot(page.locator('#phase-review-change'), `cycle-phase-refused-${lang}`);
      await page.locator('#phase-review-closes').fill(await localInput(page, now + 20 * DAY));
      await page.locator('#phase-review-save').click();
      await page.waitForFunction((said) => document.querySelector('#phases-status')?.textContent === said, w.saved);
      assert.match(await page.locator('#phase-review-dates').textContent(), w.reviewDates);
      assert.equal(await page.locator('#phase-review-state').textContent(), w.notOpen);
      const stored = await server.api('GET', `/processes/${planned}/phases`);
      const review = stored.json.phases.find((p) => p.phase === 'review');
      assert.ok(Math.abs(review.opens_at_ms - (now + 10 * DAY)) < 60000, JSON.stringify(review));
      assert.ok(Math.abs(review.closes_at_ms - (now + 20 * DAY)) < 60000, JSON.stringify(review));
      await checkPage(page);
    });

    test('the owner sets the ideas phase to open tomorrow: the public ideas page says when, and takes none yet', async () => {
      await page.locator('#phase-ideas-change summary').click();
      await page.locator('#phase-ideas-opens').fill(await localInput(page, Date.now() + DAY));
      await page.locator('#phase-ideas-save').click();
      await page.waitForFunction((said) => document.querySelector('#phases-status')?.textContent === said, w.ideasSaved);
      assert.equal(await page.locator('#phase-ideas-state').textContent(), w.notOpen);
      await page.goto(`${server.url}/ideas/${planned}`);
      await page.locator('#timeline').waitFor();
      assert.match(await page.locator('#ideas-state').textContent(), w.ideasOpenOn);
      assert.equal(await page.locator('#send-card').count(), 0);
      assert.equal(await page.locator('#timeline [data-phase="ideas"] .badge').textContent(), w.upcoming);
      await checkPage(page);
      await screenshot(page, `cycle-ideas-soon-${lang}`);
      await page.goto(`${server.url}/admin#/p/${planned}`);
      await page.locator('#phase-ideas-open').waitFor();
    });

    test('the owner opens the ideas phase now: the public ideas page takes ideas and its timeline says so', async () => {
      await page.locator('#phase-ideas-open').click();
      await page.waitForFunction((said) => document.querySelector('#phases-status')?.textContent === said, w.opened);
      assert.equal(await page.locator('#phase-ideas-state').textContent(), w.open);
      assert.ok(await page.locator('#phase-ideas-close').isVisible());
      await checkPage(page);
      await screenshot(page.locator('#phases-panel'), `cycle-phases-${lang}`);
      await screenshot(page, `cycle-admin-${lang}`);

      await page.goto(`${server.url}/ideas/${planned}`);
      await page.locator('#timeline').waitFor();
      assert.match(await page.locator('#ideas-state').textContent(), w.ideasOpen);
      assert.ok(await page.locator('#send-card').isVisible());
      assert.equal(await page.locator('#timeline [data-phase="ideas"] .badge').textContent(), w.now);
      assert.equal(await page.locator('#timeline [data-phase="ideas"]').getAttribute('aria-current'), 'step');
      assert.equal(await page.locator('#timeline [data-phase="review"] .badge').textContent(), w.upcoming);
      await checkPage(page);
      await screenshot(page, `cycle-ideas-open-${lang}`);
    });

    test('the owner closes the ideas phase now: the public page says since when, and takes no idea', async () => {
      await page.goto(`${server.url}/admin#/p/${planned}`);
      await page.locator('#phase-ideas-close').click();
      await page.waitForFunction((said) => document.querySelector('#phases-status')?.textContent === said, w.closedSaid);
      assert.equal(await page.locator('#phase-ideas-state').textContent(), w.closed);
      assert.ok(await page.locator('#phase-ideas-open').isVisible());  // it may be opened again
      await checkPage(page);

      await page.goto(`${server.url}/ideas/${planned}`);
      await page.locator('#timeline').waitFor();
      assert.match(await page.locator('#ideas-state').textContent(), w.ideasClosed);
      assert.equal(await page.locator('#send-card').count(), 0);
      assert.equal(await page.locator('#timeline [data-phase="ideas"] .badge').textContent(), w.done);
      await checkPage(page);
      await screenshot(page, `cycle-ideas-closed-${lang}`);
      // The server refuses too, whatever a page shows.
      const sent = await server.api('POST', `/processes/${planned}/ideas`, { code: 'AAAA-BBBB-CCCC-DDDD', title: 'Late', description: 'x' }, { token: '' });
      assert.equal(sent.status, 409, sent.text);
      assert.equal(sent.json.error.code, 'ideas_closed');
    });

    test('an editor adds a milestone with a photo; a missing title is refused at its field', async () => {
      await page.goto(`${server.url}/admin#/p/${built}`);
      const trees = page.locator('#milestones-panel [data-project="a"]');
      await trees.waitFor();
      assert.equal(await trees.locator('h3').textContent(), w.trees);
      assert.equal(await page.locator('#milestones-panel [data-project="b"]').count(), 0);  // not funded
      await page.locator('#ms-main-a-new-details summary').click();
      await page.locator('#ms-main-a-new-status').selectOption('in_progress');
      await page.locator('#ms-main-a-new-date').fill('2027-03-15');
      await page.locator('#ms-main-a-new-progress').fill('60');
      await page.locator('#ms-main-a-new-title-es').fill(WORDS.es.title);
      await page.locator('#ms-main-a-new-notes-en').fill(WORDS.en.notes);
      await page.locator('#ms-main-a-new-notes-es').fill(WORDS.es.notes);
      await page.locator('#ms-main-a-new-photo').setInputFiles({ name: 'trees.jpg', mimeType: 'image/jpeg', buffer: await photoBytes(page) });
      await page.locator('#ms-main-a-new-photos img').waitFor();
      await page.locator('#ms-main-a-new-save').click();
      await page.waitForFunction(() => document.querySelector('#ms-main-a-new-title-error')?.textContent);
      assert.equal(await page.locator('#ms-main-a-new-title-error').textContent(), w.noTitle);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'ms-main-a-new-title-en');
      await checkPage(page);
      await screenshot(page.locator('#ms-main-a-new-details'), `cycle-milestone-form-${lang}`);
      await page.locator('#ms-main-a-new-title-en').fill(WORDS.en.title);
      await page.locator('#ms-main-a-new-save').click();
      await page.waitForFunction((said) => document.querySelector('#milestones-status')?.textContent === said, w.added);
      const listed = page.locator('#milestones-panel [data-project="a"] [data-milestone]');
      assert.equal(await listed.count(), 1);
      assert.equal(await listed.locator('strong').textContent(), lang === 'en' ? WORDS.en.title : WORDS.es.title);
      assert.equal(await listed.locator('.badge').textContent(), w.inProgress);
      const stored = await server.api('GET', `/processes/${built}/implementation/main/a`, undefined, { token: '' });
      assert.equal(stored.status, 200, stored.text);
      const m = stored.json.milestones[0];
      assert.deepEqual([m.title, m.status, m.date, m.progress, m.notes], [WORDS.en.title, 'in_progress', '2027-03-15', 60, WORDS.en.notes]);
      assert.deepEqual(m.translations.es, { title: WORDS.es.title, notes: WORDS.es.notes });
      assert.equal(m.photos.length, 1);
      await checkPage(page);
    });

    test('the public progress page shows the milestone, in the reader\'s language, with its photo', async () => {
      await page.goto(`${server.url}/progress/${built}?budget=main&project=a`);
      await page.locator('#milestones').waitFor();
      assert.deepEqual(await page.locator('#milestones h3').allTextContents(), [w.title]);
      assert.equal(await page.locator('#milestones .badge').textContent(), w.inProgress);
      assert.equal(await page.locator('#milestones .notes').innerText(), w.notes);
      await page.waitForFunction(() => document.querySelector('#milestones img.photo')?.complete);
      await checkPage(page);
      await screenshot(page, `cycle-progress-${lang}`, { fullPage: true });
    });

    test('the editor marks it done: the project reads delivered on the public list', async () => {
      await page.goto(`${server.url}/admin#/p/${built}`);
      const item = page.locator('#milestones-panel [data-project="a"] [data-milestone]');
      await item.waitFor();
      await item.locator('summary').click();
      const form = item.locator('form');
      assert.equal(await form.locator('input[id$="-title-en"]').inputValue(), WORDS.en.title);  // what is stored, to change
      await form.locator('select').selectOption('done');
      await form.locator('button[type="submit"]').click();
      await page.waitForFunction((said) => document.querySelector('#milestones-status')?.textContent === said, w.savedMilestone);
      assert.equal(await page.locator('#milestones-panel [data-project="a"] [data-milestone] .badge').textContent(), w.doneStatus);
      await checkPage(page);
      await screenshot(page.locator('#milestones-panel'), `cycle-milestones-${lang}`);
      await page.goto(`${server.url}/progress/${built}`);
      await page.locator('#projects').waitFor();
      assert.equal(await page.locator('#projects > li').nth(0).locator('.badge').textContent(), w.delivered);
      assert.equal(await page.locator('#projects > li').nth(0).locator('progress').getAttribute('value'), '100');
    });
  });
}

// What each role sees (the server checks again: cycle_test, implementation_test):
// the phases are the owner's, the milestones an editor's; an observer sees neither.
describe('the cycle\'s screens follow the organizer\'s role', () => {
  const people = {
    ana: { name: 'Ana Ruiz', email: 'ana@example.org', password: 'correct horse battery' },
    ben: { name: 'Ben Ode', email: 'ben@example.org', password: 'correct horse battery ben', role: 'editor' },
    cai: { name: 'Cai Lee', email: 'cai@example.org', password: 'correct horse battery cai', role: 'observer' },
  };
  before(async () => {
    assert.equal((await server.api('POST', '/accounts', people.ana)).status, 201);
    for (const who of [people.ben, people.cai]) {
      const r = await server.api('POST', '/processes/built-en/organizers', who);
      assert.equal(r.status, 201, r.text);
    }
  });

  for (const [who, sees, hidden] of [['ben', ['#milestones-panel', '#ms-main-a-new-form'], ['#phases-panel']],
    ['cai', [], ['#phases-panel', '#milestones-panel']]]) {
    test(`${people[who].role}: ${sees.length ? 'the milestones, not the phases' : 'neither'}`, async () => {
      const { browser, page } = await openPage();
      await page.goto(`${server.url}/admin`);
      await page.getByLabel('Email', { exact: true }).fill(people[who].email);
      await page.getByLabel('Password', { exact: true }).fill(people[who].password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('.process-list').waitFor();
      await page.goto(`${server.url}/admin#/p/built-en`);
      await page.locator('#my-role').waitFor();  // the panels are drawn with it; the milestones' forms once loaded
      for (const selector of sees) await page.locator(selector).waitFor({ state: 'attached' });
      for (const selector of hidden) assert.equal(await page.locator(selector).count(), 0, selector);
      await closeClean(browser);
    });
  }
});
