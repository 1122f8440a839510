// The organizer pages, from sign-in to publication: create a process from the
// form, edit the draft, make voter codes with a printable QR sheet (the QR codes
// are decoded and used to vote), open, watch turnout, close, publish; import a .pb.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, contrastProblems, decodeQr, labelProblems, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const server = useServer();
let browser;
let page;
const SLUG = 'oak-street-community-fund';
let sheetCodes = [];

before(async () => ({ browser, page } = await openPage()));

after(() => browser?.close());


const button = (name) => page.getByRole('button', { name, exact: true });

describe('organizer pages', () => {
  test('sign in: a wrong token is refused, the right one lists the processes', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel('Organizer token').fill('0'.repeat(64));
    await button('Sign in').click();
    await page.getByText('That token was not accepted.').waitFor();
    await page.getByLabel('Organizer token').fill(server.token);
    await button('Sign in').click();
    await page.getByRole('heading', { name: 'Processes' }).waitFor();
    await page.getByText('Roosevelt High School participatory budget 2026').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('psephos-token')), server.token);
    assert.deepEqual(await contrastProblems(page), []);
  });

  test('create a process from the form: projects added and removed, server errors shown', async () => {
    await page.getByRole('link', { name: 'New process' }).click();
    await page.getByRole('heading', { name: 'New process' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Oak Street community fund');
    assert.equal(await page.getByLabel('Short name (used in links)').inputValue(), SLUG);
    await page.getByLabel('Description', { exact: true }).first().fill('Neighbours choose what the fund pays for.');
    await page.getByLabel('Interest-holder groups').fill('resident, business');
    await page.getByLabel('Amount to spend').fill('5000');
    await page.getByLabel('Ballot type').selectOption('approval');
    await page.getByLabel('Most projects').fill('2');
    await page.getByLabel('Counting rule').selectOption('greedy');
    // The organizer's privacy choices (server/AUDIT.md "Receipt modes", "Small groups").
    await page.getByLabel('Receipts').selectOption('private');  // "Private"
    await page.getByLabel('Smallest group shown in public counts').fill('3');
    await page.locator('#b0-p0-name').fill('Benches');
    await page.locator('#b0-p0-cost').fill('1200');
    await button('Add a project').click();
    // Focus moves to the new project's name.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'b0-p1-name');
    await page.locator('#b0-p1-cost').fill('2500');
    await button('Save draft').click();
    await page.getByText('One thing to fix before saving: see the marked field.').waitFor();
    assert.equal(await page.locator('#b0-p1-name-error').textContent(), 'Fill this in.');  // at the field, in plain words
    assert.equal(await page.evaluate(() => document.activeElement.id), 'b0-p1-name');
    await page.locator('#b0-p1-name').fill('Mural');
    await button('Add a project').click();
    await page.locator('#b0-p2-name').fill('Planters');
    await page.locator('#b0-p2-cost').fill('900');
    await button('Add a project').click();
    await page.locator('#b0-p3-name').fill('Removed again');
    await page.getByRole('button', { name: 'Remove project 4' }).click();
    assert.equal(await page.locator('#b0-p3-name').count(), 0);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'admin-form');
    await button('Save draft').click();
    await page.getByText('Draft created.').waitFor();
    const definition = (await server.api('GET', `/processes/${SLUG}`)).json.definition;
    assert.deepEqual(definition.groups, ['resident', 'business']);
    assert.equal(definition.receipts, 'private');
    assert.equal(definition.min_group_size, 3);
    assert.deepEqual(definition.budgets[0].projects.map((p) => [p.name, p.cost]), [['Benches', 1200], ['Mural', 2500], ['Planters', 900]]);
    assert.deepEqual(definition.budgets[0].ballot, { type: 'approval', min_projects: 1, max_projects: 2 });  // blank minimum: 1
  });

  test('edit the draft', async () => {
    await page.getByRole('link', { name: 'Edit the draft' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Oak Street neighbourhood fund');
    await page.locator('#b0-p2-cost').fill('950');
    assert.equal(await page.getByLabel('Receipts').inputValue(), 'private');  // editing keeps the choice
    await button('Save draft').click();
    await page.getByText('Draft saved.').waitFor();
    await page.getByRole('heading', { name: 'Oak Street neighbourhood fund' }).waitFor();
    assert.equal((await server.api('GET', `/processes/${SLUG}`)).json.definition.budgets[0].projects[2].cost, 950);
  });

  test('voter codes: a printable sheet with one QR code per code, linking to the voting page', async () => {
    await page.getByLabel('Group').selectOption('resident');
    await page.getByLabel('How many').fill('4');
    const [made] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/codes')),
      button('Make codes').click()]);
    const batchPath = (await made.json()).download.replace(/^\/api\/v1/, '');
    await page.getByText('4 voter codes: resident').waitFor();
    const cards = page.locator('.code-card');
    assert.equal(await cards.count(), 4);
    sheetCodes = (await page.locator('.code-card .mono').allTextContents()).map((c) => c.trim());
    for (const [i, code] of sheetCodes.entries()) {
      assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.equal(await decodeQr(cards.nth(i).locator('svg')), `${server.url}/vote/${SLUG}?code=${code}`);
    }
    // The same codes as a CSV file, made in the page (the content security policy allows blob: downloads).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    assert.equal(download.suggestedFilename(), `${SLUG}-resident.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.deepEqual(csv.trim().split('\n').slice(1).map((l) => l.slice(0, 19)), sheetCodes);
    await cards.first().scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-codes');
    // Printed, only the cards remain.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.top').isVisible(), false);
    assert.equal(await page.getByRole('heading', { name: 'Turnout' }).isVisible(), false);
    assert.equal(await cards.first().isVisible(), true);
    await screenshot(page, 'codes-print', { fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    // The server keeps the codes (a broken download can be repeated) until the
    // organizer says they have them; then it forgets them.
    assert.equal((await server.api('GET', batchPath)).status, 200);
    await button('I have them: remove the codes from the server').click();
    await page.getByText('The server no longer keeps these codes.').waitFor();
    assert.equal((await server.api('GET', batchPath)).status, 410);
  });

  test('open, vote with a code from the sheet, live turnout, close, publish', async () => {
    await button('Open voting').click();
    await button('Yes: Open voting').click();
    await page.getByText('Voting is open.', { exact: true }).first().waitFor();
    assert.equal(await page.locator('#state').textContent(), 'open');
    await page.locator('#turnout-total').getByText('0 of 4 voter codes used (0%).').waitFor();

    const voter = await browser.context.newPage();
    await voter.goto(`${server.url}/vote/${SLUG}?code=${sheetCodes[0]}`);
    await voter.getByRole('checkbox', { name: 'Mural' }).check();
    await voter.getByRole('button', { name: 'Review my vote' }).click();
    await voter.getByRole('button', { name: 'Submit my vote' }).click();
    await voter.locator('#receipt').waitFor();
    await voter.close();

    // Polled every few seconds, without reloading the page.
    await page.locator('#turnout-total').getByText('1 of 4 voter codes used (25%).').waitFor({ timeout: 15000 });
    await page.locator('#turnout').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-turnout');

    await button('Close voting and count').click();
    await button('Yes: Close voting and count').click();
    await page.getByText('Voting is closed and counted.', { exact: true }).waitFor();
    await page.locator('section:has(#res-h)').getByText(/: Mural, Benches, Planters$/).waitFor();
    // Who got what, at once: the one voter chose Mural, which is funded.
    const report = page.locator('section:has(#res-h) p[id$="-report"]');
    await report.getByText(/, 0% of voters got none of their projects funded; on average 1 of a voter's projects were funded\./).waitFor();
    // The rule is greedy by votes already: no comparison with itself.
    assert.match(await report.textContent(), /^With “Greedy: most votes first”, /);
    assert.doesNotMatch(await report.textContent(), /Funding simply by most votes/);
    await page.locator('#res-h').scrollIntoViewIfNeeded();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await screenshot(page, 'admin-report');
    await page.getByRole('button', { name: 'Español' }).click();
    await report.getByText(/el 0 % de los votantes no obtuvo ninguno de sus proyectos/).waitFor();
    await page.locator('#res-h').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-report-es');
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('section:has(#res-h)').getByText(/: Mural, Benches, Planters$/).waitFor();
    await button('Publish the results').click();
    await button('Yes: Publish the results').click();
    await page.getByText('The results are published.', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Results page' }).click();
    await page.getByRole('heading', { name: 'Results: Oak Street neighbourhood fund' }).waitFor();
  });

  // The close answers once it is on disk (202, "tallying") and the server counts
  // on its own thread. This little process is counted at once, so the first
  // answers about it are held as "tallying", as a city-size count reads for a while
  // (the server side of that is tests/server/close_test.cc).
  test('close: "counting…" while the server counts, then the results, in English and Spanish', async () => {
    const texts = {
      en: { close: 'Close voting and count', counting: 'Voting is closed. Counting the ballots…', badge: 'counting…',
        counted: 'Voting is closed and counted.' },
      es: { close: 'Cerrar la votación y contar', counting: 'La votación está cerrada. Contando las papeletas…',
        badge: 'contando…', counted: 'La votación está cerrada y contada.' },
    };
    for (const lang of ['en', 'es']) {
      const slug = `count-${lang}`;
      const codes = await openProcess(server, { slug, title: `Count ${lang}`, budgets: [{ id: 'main', amount: 100, currency: 'EUR',
        rule: 'greedy', ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
        projects: [{ id: 'a', name: 'Benches', cost: 60 }, { id: 'b', name: 'Lights', cost: 50 }] }] }, 2);
      const vote = await server.api('POST', `/processes/${slug}/ballots`, { code: codes[0], ballots: { main: { projects: ['a'] } } },
        { token: '' });
      assert.equal(vote.status, 201, vote.text);
      let held = 0;
      let closeStatus = 0;
      page.on('response', (r) => {
        if (r.url().endsWith(`/processes/${slug}/close`)) closeStatus = r.status();
      });
      await page.route(`**/api/v1/processes/${slug}`, async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        if (body.state === 'closed' && held < 2) {
          held += 1;
          body.state = 'tallying';
        }
        await route.fulfill({ response, json: body });
      });
      await page.goto(`${server.url}/admin#/p/${slug}`);
      if (lang === 'es') await page.getByRole('button', { name: 'Español' }).click();
      await button(texts[lang].close).click();
      await page.locator('#yes-close').click();
      await page.getByText(texts[lang].counting, { exact: true }).waitFor();
      assert.equal(closeStatus, 202);
      assert.equal(await page.locator('#state').textContent(), texts[lang].badge);
      await screenshot(page, `admin-counting-${lang}`);
      // Polled every second: the results replace "counting…" without a reload.
      await page.getByText(texts[lang].counted, { exact: true }).waitFor({ timeout: 15000 });
      await page.locator('section:has(#res-h)').getByText(/Benches/).first().waitFor();
      assert.equal(held, 2);
      await page.locator('#res-h').scrollIntoViewIfNeeded();
      await screenshot(page, `admin-counted-${lang}`);
      await page.unroute(`**/api/v1/processes/${slug}`);
      if (lang === 'es') await page.getByRole('button', { name: 'English' }).click();
    }
  });

  test('import a pabulib .pb file as a draft', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByText('Import a pabulib .pb file').click();
    await screenshot(page, 'admin');
    await page.getByLabel('Short name (used in links)').fill('imported-2026');
    await page.getByLabel('.pb file').setInputFiles(join(ROOT, 'examples/roosevelt_high_2026.pb'));
    await button('Import').click();
    await page.getByText('Imported as a draft.').waitFor();
    await page.getByRole('heading', { name: 'Roosevelt High School participatory budget (example)' }).waitFor();
    assert.equal(await page.locator('#state').textContent(), 'draft');
  });

  test('Spanish organizer pages, and signing out', async () => {
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Estado' }).waitFor();
    await page.getByRole('link', { name: 'Editar el borrador' }).click();
    await page.getByLabel('Recibos').scrollIntoViewIfNeeded();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await screenshot(page, 'admin-form-privacy-es');
    await page.goBack();
    await page.getByRole('link', { name: 'Editar el borrador' }).waitFor();
    // A code sheet in Spanish, and telling the server to forget its codes.
    await page.getByLabel('Cuántos').fill('2');
    await page.getByRole('button', { name: 'Crear códigos' }).click();
    await page.getByRole('heading', { name: /^2 códigos de votante/ }).waitFor();
    const forget = page.getByRole('button', { name: 'Ya los tengo: borrar los códigos del servidor' });
    await forget.scrollIntoViewIfNeeded();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await screenshot(page, 'admin-codes-es');
    await forget.click();
    await page.getByText('El servidor ya no guarda estos códigos.').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'All processes' }).click();
    await button('Sign out').click();
    await page.getByLabel('Organizer token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('psephos-token')), null);
  });

  test('no script errors or content security policy violations', () => {
    assert.deepEqual(browser.problems, []);
  });
});
