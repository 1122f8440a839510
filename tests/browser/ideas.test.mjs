// Ideas before the vote (#19 items 2, 3, 5) at 360 px in English and Spanish:
// a member sends an idea with a photo and supports another on the public
// page; the steering committee reviews on /review (who is heard, not
// feasible with a reason, hide, put on the ballot); the public page then
// lists the rejected idea with its reason.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkScreen, drawnJpeg, makeCodes, openPage, screenshot, useServer } from './harness.mjs';

const server = useServer();

const definition = (slug) => ({
  slug, title: 'Roosevelt ideas', languages: ['en', 'es'], groups: ['student', 'family'],
  translations: { es: { title: 'Ideas de Roosevelt' } },
  budgets: [{ id: 'main', title: 'School budget', amount: 20000, currency: 'USD', rule: 'greedy',
    translations: { es: { title: 'Presupuesto escolar' } },
    ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
    projects: [{ id: 'books', name: 'Library books', cost: 3000 }] }],
});

// A draft with codes, ideas open to all with two categories, and one idea from another member.
async function prepare(slug) {
  assert.equal((await server.api('POST', '/processes', definition(slug))).status, 201);
  const codes = [];
  for (const group of ['student', 'family']) codes.push(...await makeCodes(server, slug, { count: 2, group }));
  const settings = { accepting: true, open_to_all: true, categories: ['Playground', 'Library'] };
  assert.equal((await server.api('PUT', `/processes/${slug}/ideas/settings`, settings)).status, 200);
  const other = await server.api('POST', `/processes/${slug}/ideas`, { code: codes[2], title: 'Longer library hours',
    description: 'Open the library until six.', category: 'Library', place: 'Library' });
  assert.equal(other.status, 201, other.text);
  return { codes, other: other.json.id };
}

// A 1200 x 800 JPEG drawn by the page itself.
const photoBytes = (page) => drawnJpeg(page, 1200, 800, [{ fill: '#4a90d9', rect: [0, 0, 1200, 800] },
  { fill: '#c0c0c0', rect: [450, 300, 300, 400] }]);

// Every screen: nothing cut or too wide, every string shown translated (no key of this feature left as it is).
const checkPage = (page) => checkScreen(page, 'ideas|committee|report', 'body');

const WORDS = {
  en: { title: 'Water fountain', description: 'Cold water by the gym, for the hot months.', place: 'Gym door',
    sent: /your idea #\d+ was received/, support: 'Support this idea', supported: 'You support this idea',
    reason: 'The district sets library hours', rejected: 'Not feasible because:', onBallot: /is a project on the ballot/,
    decided: /Decision on idea #\d+ saved/ },
  es: { title: 'Fuente de agua', description: 'Agua fría junto al gimnasio, para los meses de calor.', place: 'Puerta del gimnasio',
    sent: /recibimos tu idea n\.º \d+/, support: 'Apoyar esta idea', supported: 'Apoyas esta idea',
    reason: 'El distrito fija el horario de la biblioteca', rejected: 'No es viable porque:', onBallot: /ya es un proyecto en la papeleta/,
    decided: /Se guardó la decisión sobre la idea n\.º \d+/ },
};

for (const [lang, locale] of [['en', 'en-US'], ['es', 'es-US']]) {
  describe(`ideas in ${lang}`, () => {
    const slug = `ideas-${lang}`;
    const w = WORDS[lang];
    let browser;
    let page;
    let prepared;

    before(async () => {
      prepared = await prepare(slug);
      ({ browser, page } = await openPage({ locale }));
    });

    after(async () => {
      await browser?.close();
    });

    test('a member sends an idea with a photo and supports another, on a phone', async () => {
      await page.goto(`${server.url}/ideas/${slug}`);
      await page.locator('#code').waitFor();
      assert.equal(await page.locator('h1').textContent(), lang === 'en' ? 'Roosevelt ideas' : 'Ideas de Roosevelt');
      await checkPage(page);
      await screenshot(page, `ideas-page-${lang}`);
      await page.locator('#code').fill(prepared.codes[0]);
      await page.locator('#use-code').click();
      await page.locator('#ideas-notice').waitFor();
      await page.locator('#idea-title').fill(w.title);
      await page.locator('#idea-description').fill(w.description);
      await page.locator('#idea-category').selectOption('Playground');
      await page.locator('#idea-place').fill(w.place);
      await page.locator('#idea-photo').setInputFiles({ name: 'fountain.jpg', mimeType: 'image/jpeg', buffer: await photoBytes(page) });
      await page.locator('#idea-photo-read img.photo').waitFor();
      await checkPage(page);
      await page.locator('#idea-place').scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollBy(0, document.querySelector('#idea-place').getBoundingClientRect().top - 80));
      await screenshot(page, `ideas-submit-${lang}`);
      await page.locator('#send-idea').click();
      await page.waitForFunction(() => /#|n\.º/.test(document.querySelector('#ideas-notice')?.textContent || ''));
      assert.match(await page.locator('#ideas-notice').textContent(), w.sent);
      // Own idea: no support button; the other member's idea: one support, once.
      const ideas = (await server.api('GET', `/processes/${slug}/ideas`)).json.ideas;
      const mine = ideas.find((i) => i.title === w.title);
      assert.ok(mine.image?.files?.length, 'the photo went with the idea');
      assert.equal(await page.locator(`#idea-${mine.id}-support`).count(), 0);
      await page.locator(`#idea-${mine.id} img.photo`).waitFor();
      const support = page.locator(`#idea-${prepared.other}-support`);
      assert.equal(await support.textContent(), w.support);
      await support.click();
      await page.waitForFunction((id) => document.querySelector(`#idea-${id}-support`)?.disabled, prepared.other);
      assert.equal(await page.locator(`#idea-${prepared.other}-support`).textContent(), w.supported);
      assert.match(await page.locator(`#idea-${prepared.other}-supports`).textContent(), /^1 /);
      await checkPage(page);
      await page.locator(`#idea-${prepared.other}`).scrollIntoViewIfNeeded();
      await screenshot(page, `ideas-list-${lang}`);
      // A wrong code is refused in words, at the code.
      await page.locator('#code').fill('AAAA-BBBB-CCCC-DDDD');
      await page.locator('#use-code').click();
      await page.waitForFunction(() => document.querySelector('#code-error')?.textContent);
      assert.notEqual(await page.locator('#code-error').textContent(), '');
      assert.deepEqual(browser.problems, []);
    });

    test('the committee reviews: who is heard, not feasible with a reason, onto the ballot', async () => {
      await page.goto(`${server.url}/`);
      await page.evaluate((token) => sessionStorage.setItem('psephos-token', token), server.token);
      // From the organizer's page of the process.
      await page.goto(`${server.url}/admin#/p/${slug}`);
      await page.locator('#review-link').click();
      await page.locator('#heard').waitFor();
      assert.equal(new URL(page.url()).pathname, `/review/${slug}`);
      const ideas = (await server.api('GET', `/processes/${slug}/ideas`)).json.ideas;
      const mine = ideas.find((i) => i.title === w.title);
      const other = prepared.other;
      // Both groups sent one idea; the family's supporter is counted under its group.
      assert.match(await page.locator('#heard').innerText(), lang === 'en' ? /student: ideas: 1, sent by 1 of 2 codes/ : /student: ideas: 1, enviadas por 1 de 2 códigos/);
      await checkPage(page);
      await screenshot(page, `review-top-${lang}`);
      // Idea codes for people without a voter code, shown once.
      await page.locator('#codes-count').fill('2');
      await page.locator('#codes-group').selectOption('family');
      await page.locator('#make-codes').click();
      await page.locator('#idea-codes li').nth(1).waitFor();
      assert.match(await page.locator('#idea-codes li').first().textContent(), /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.match(await page.locator('#heard').innerText(), lang === 'en' ? /family: ideas: 1, sent by 1 of 4 codes/ : /family: ideas: 1, enviadas por 1 de 4 códigos/);
      await checkPage(page);
      await page.locator('#heard').scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollBy(0, document.querySelector('#idea-codes').getBoundingClientRect().top - 60));
      await screenshot(page, `review-heard-${lang}`);
      // Not feasible: the reason is required, then published.
      await page.locator(`#r${other}-no`).check();
      await page.locator(`#r${other}-decide`).click();
      await page.waitForFunction((id) => document.querySelector(`#r${id}-error`)?.textContent, other);
      await page.locator(`#r${other}-reason`).fill(w.reason);
      await page.locator(`#r${other}-decide`).click();
      await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#review-notice')?.textContent || ''),
        w.decided.source);
      // Feasible with a cost, then on the ballot.
      await page.locator(`#r${mine.id}-yes`).check();
      await page.locator(`#r${mine.id}-cost`).fill('4500');
      await page.locator(`#r${mine.id}-decide`).click();
      await page.locator(`#r${mine.id}-to-ballot`).waitFor();
      await checkPage(page);
      await page.locator(`#review-${mine.id}`).scrollIntoViewIfNeeded();
      await screenshot(page, `review-idea-${lang}`);
      await page.locator(`#r${mine.id}-to-ballot`).click();
      await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#review-notice')?.textContent || ''), w.onBallot.source);
      const d = (await server.api('GET', `/processes/${slug}`)).json.definition;
      assert.deepEqual(d.budgets[0].projects.at(-1).ideas, [mine.id]);
      assert.equal(d.budgets[0].projects.at(-1).cost, 4500);
      // The report downloads as CSV.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#report-csv').click()]);
      assert.match(download.suggestedFilename(), new RegExp(`${slug}-report\\.csv`));
      await checkPage(page);
      await screenshot(page, `review-done-${lang}`);
      assert.deepEqual(browser.problems, []);
    });

    test('the public reads the rejected idea with its reason', async () => {
      await page.goto(`${server.url}/ideas/${slug}`);
      await page.locator('#rejected').waitFor();
      const text = await page.locator(`#rejected-${prepared.other}`).innerText();
      assert.match(text, new RegExp(w.rejected));
      assert.match(text, new RegExp(w.reason));
      await checkPage(page);
      await page.locator('#rejected').scrollIntoViewIfNeeded();
      await screenshot(page, `ideas-rejected-${lang}`);
      assert.deepEqual(browser.problems, []);
    });
  });
}
