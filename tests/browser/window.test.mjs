// Voting windows and the small things (#16 items 8 and 11), at 360 px in
// English and Spanish: the organizer sets opening and closing times and a
// contact; voters read them on the voting and home pages; the page says when
// the vote closed, with the contact; an already-voted code shows the receipt
// check and the contact; the counter at the ballot's limit stays one line;
// the turnout chart and tables show their labels whole.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LANGUAGES, clippedText, closeClean, contrastProblems, labelProblems, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const EXAMPLE = 'roosevelt-high-2026';
const HOUR = 3600000;
const DAY = 24 * HOUR;
const WORDS = {
  en: { closes: /^Voting closes on [A-Z][a-z]+ \d{1,2}(, \d{4})? at \d{1,2}:\d\d [AP]M( [A-Z+\d:−-]+)?\.$/,
    opens: /^Voting opens on [A-Z][a-z]+ \d{1,2}(, \d{4})? at \d{1,2}:\d\d [AP]M( [A-Z+\d:−-]+)?\.$/,
    closed: /^Voting closed on [A-Z][a-z]+ \d{1,2}(, \d{4})? at \d{1,2}:\d\d [AP]M( [A-Z+\d:−-]+)?\.$/,
    contact: 'Questions or problems? Ms. Rivera, room 12', draft: 'Voting has not opened yet.',
    bad_close: 'Choose a closing time after the opening time and not in the past.', saved: /^Saved\. Opens on .+ Closes on .+ Contact: Ms\. Rivera, room 12\.$/,
    full: 'Chosen: 4 of 4, the most you can choose.', code: 'Voter code', next: 'Continue' },
  es: { closes: /^La votación cierra el \d{1,2} de [a-z]+( de \d{4})? a (?:la 1|las (?!1:)\d{1,2}):\d\d( [A-Z+\d:−-]+)?\.$/,
    opens: /^La votación abre el \d{1,2} de [a-z]+( de \d{4})? a (?:la 1|las (?!1:)\d{1,2}):\d\d( [A-Z+\d:−-]+)?\.$/,
    closed: /^La votación cerró el \d{1,2} de [a-z]+( de \d{4})? a (?:la 1|las (?!1:)\d{1,2}):\d\d( [A-Z+\d:−-]+)?\.$/,
    contact: '¿Dudas o problemas? Ms. Rivera, room 12', draft: 'La votación todavía no ha empezado.',
    bad_close: 'Elige una hora de cierre posterior a la apertura y que no haya pasado.', saved: /^Guardado\. Abre el .+ Cierra el .+ Contacto: Ms\. Rivera, room 12\.$/,
    full: 'Elegidos: 4 de 4, el máximo.', code: 'Código de votante', next: 'Continuar' },
};

const definition = (slug, title) => ({
  slug, title, groups: ['resident', 'business'],
  budgets: [{ id: 'main', amount: 1000, currency: 'USD', rule: 'greedy',
    ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
    projects: [{ id: 'a', name: 'Benches', cost: 400 }, { id: 'b', name: 'Trees', cost: 500 }, { id: 'c', name: 'Murals', cost: 300 }] }],
});

// datetime-local text for a moment, in the browser's zone (the test browser's is the machine's).
const localInput = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16);

const server = useServer();

for (const [lang, locale] of LANGUAGES) {
  describe(`voting window and small things (${lang})`, () => {
    let browser;
    let page;
    const w = WORDS[lang];
    before(async () => ({ browser, page } = await openPage({ locale })));
    after(() => closeClean(browser));

    test('the organizer sets opening and closing times and a contact; refusals at their field', async () => {
      const slug = `oak-${lang}`;
      assert.equal((await server.api('POST', '/processes', definition(slug, `Oak Street fund (${lang})`))).status, 201);
      await page.goto(`${server.url}/admin#/p/${slug}`);
      await page.evaluate((token) => sessionStorage.setItem('psephos-token', token), server.token);
      await page.reload();
      await page.locator('#window-panel').waitFor();
      const now = Date.now();
      await page.locator('#window-opens').fill(localInput(now + 2 * HOUR));
      await page.locator('#window-closes').fill(localInput(now + HOUR));
      await page.locator('#window-contact').fill('Ms. Rivera, room 12');
      await page.locator('#window-save').click();
      await page.locator('#window-closes-error').getByText(w.bad_close).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'window-closes');
      await page.locator('#window-closes').fill(localInput(now + 3 * 24 * HOUR));
      await page.locator('#window-save').click();
      await page.waitForFunction(() => document.querySelector('#window-summary').textContent.includes('Rivera'));
      assert.match(await page.locator('#window-summary').textContent(), w.saved);
      assert.equal(await page.locator('#window-closes-error').textContent(), '');
      const stored = (await server.api('GET', `/processes/${slug}`)).json.schedule;
      assert.equal(stored.contact, 'Ms. Rivera, room 12');
      assert.equal(stored.time_zone, await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
      assert.ok(Math.abs(stored.opens_at_ms - (now + 2 * HOUR)) < 60000);
      await page.locator('#window-panel').scrollIntoViewIfNeeded();
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await labelProblems(page), []);
      assert.deepEqual(await contrastProblems(page), []);
      await screenshot(page, `admin-window-${lang}`);

      // The voters' page before the opening: when it opens.
      await page.goto(`${server.url}/vote/${slug}`);
      await page.locator('#closed-notice').getByText(w.draft).waitFor();
      assert.match(await page.locator('#window').textContent(), w.opens);
      assert.deepEqual(await clippedText(page), []);
      await screenshot(page, `vote-opens-${lang}`);
    });

    test('open with a closing time: the voting and home pages say when it closes', async () => {
      const put = await server.api('PUT', `/processes/${EXAMPLE}/schedule`,
        { closes_at_ms: Date.now() + 5 * 24 * HOUR, time_zone: 'America/New_York', contact: 'Ms. Rivera, room 12' });
      assert.equal(put.status, 200, put.text);
      await page.goto(`${server.url}/vote/${EXAMPLE}`);
      await page.locator('#window').waitFor();
      assert.match(await page.locator('#window').textContent(), w.closes);
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await contrastProblems(page), []);
      await screenshot(page, `vote-closes-${lang}`);

      await page.goto(`${server.url}/`);
      await page.locator('#votes li').first().waitFor();
      const items = await page.locator('#votes li').allTextContents();
      assert.ok(items.some((s) => s.includes('Roosevelt High')), items.join(' | '));
      assert.ok(items.some((s) => s.includes(`Oak Street fund (${lang})`)), items.join(' | '));
      const lines = await page.locator('#votes .window').allTextContents();
      assert.ok(lines.some((s) => w.closes.test(s)) && lines.some((s) => w.opens.test(s)), lines.join(' | '));
      assert.deepEqual(await clippedText(page), []);
      assert.deepEqual(await contrastProblems(page), []);
      await screenshot(page, `home-votes-${lang}`);
    });

    test('already voted: the receipt check and the organizers\' contact', async () => {
      const code = server.codes[lang === 'en' ? 40 : 41].code;
      const voted = await server.api('POST', `/processes/${EXAMPLE}/ballots`, { code, ballots: { school: { projects: ['1'] } } }, { token: '' });
      assert.equal(voted.status, 201, voted.text);
      await page.goto(`${server.url}/vote/${EXAMPLE}`);
      await page.getByLabel(w.code).fill(code);
      await page.getByRole('button', { name: w.next }).click();
      await page.locator('#code-used-next').waitFor();
      assert.equal(await page.locator('#used-check-link').getAttribute('href'), `/check/${EXAMPLE}`);
      assert.equal(await page.locator('#code-used-next #contact').textContent(), w.contact);
      assert.deepEqual(await clippedText(page), []);
      await screenshot(page, `vote-already-voted-contact-${lang}`);
    });

    test('at the ballot limit the sticky counter is one calm line', async () => {
      await page.goto(`${server.url}/vote/${EXAMPLE}`);
      await page.getByLabel(w.code).fill(server.codes[lang === 'en' ? 42 : 43].code);
      await page.getByRole('button', { name: w.next }).click();
      const boxes = page.locator('#b0 input[type=checkbox]');
      await boxes.first().waitFor();
      for (let i = 0; i < 4; i++) await boxes.nth(i).check();
      const count = page.locator('#b0-count');
      assert.equal((await count.textContent()).endsWith(w.full), true, await count.textContent());
      // What changed is read to screen readers, not shown.
      assert.equal(await count.evaluate((el) => [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('')), w.full);
      const line = await count.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
      const height = await count.evaluate((el) => el.getBoundingClientRect().height);
      assert.ok(height <= 2 * line + 1, `counter ${height}px for a ${line}px line`);
      await boxes.nth(4).click();  // refused: the reason shows once, under the counter
      await page.locator('#b0-alert').waitFor();
      const sticky = await page.locator('#b0 .status').evaluate((el) => el.getBoundingClientRect().height);
      assert.ok(sticky < 130, `the sticky box is ${sticky}px high`);
      assert.deepEqual(await clippedText(page), []);
      await page.locator('#b0 .status').scrollIntoViewIfNeeded();
      await screenshot(page, `vote-limit-${lang}`);
    });

    test('the closing time passes: the page says it closed, with the contact; ballots refused', async () => {
      const slug = `pine-${lang}`;
      const codes = await openProcess(server, definition(slug, `Pine Park (${lang})`), 2);
      const closesAt = Date.now() + 1500;
      assert.equal((await server.api('PUT', `/processes/${slug}/schedule`, { closes_at_ms: closesAt, contact: 'Ms. Rivera, room 12' })).status, 200);
      await page.goto(`${server.url}/vote/${slug}`);
      await page.locator('#window').waitFor();
      assert.match(await page.locator('#window').textContent(), w.closes);
      // At the closing time the page reads the state again by itself (no reload).
      await page.locator('#closed-notice').waitFor({ timeout: 10000 });
      assert.match(await page.locator('#window').textContent(), w.closed);
      assert.equal(await page.locator('#contact').textContent(), w.contact);
      const late = await server.api('POST', `/processes/${slug}/ballots`, { code: codes[0], ballots: { main: { projects: ['a'] } } }, { token: '' });
      assert.equal(late.status, 409);
      assert.equal(late.json.error.code, 'election_closed');
      assert.deepEqual(await clippedText(page), []);
      await screenshot(page, `vote-closed-${lang}`);
    });

    test('results turnout chart and admin turnout tables show their labels whole', async () => {
      // Publish the Pine Park vote (two groups, a vote in one).
      const slug = `pine-${lang}`;
      for (let i = 0; i < 50; i++) {
        if ((await server.api('GET', `/processes/${slug}`)).json.state === 'closed') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await server.api('POST', `/processes/${slug}/publish`)).status, 200);
      await page.goto(`${server.url}/results/${slug}`);
      await page.locator('svg.chart').first().waitFor();
      // And the longest label a city gives: drawn by the same chart code, next to it.
      await page.evaluate(async () => {
        // The page's own modules (the versioned URLs), so numbers read in the page's language.
        const base = document.querySelector('script[type=module]').src.replace(/results\.js$/, '');
        const { barChart } = await import(`${base}chart.js`);
        const { formatNumber } = await import(`${base}common.js`);
        const text = `${formatNumber(61668)} / ${formatNumber(120000)} (${formatNumber(51.4, 1)}%)`;
        const chart = barChart([{ label: 'community partner', value: 0.514, text, highlight: true },
          { label: 'student', value: 1, text: `${formatNumber(120000)} / ${formatNumber(120000)} (100%)` }], { title: 'probe' });
        chart.id = 'long-chart';
        document.querySelector('#turnout-h').parentElement.append(chart);
      });
      assert.deepEqual(await clippedText(page), []);
      await page.locator('#turnout-h').scrollIntoViewIfNeeded();
      await screenshot(page, `results-turnout-${lang}`);

      await page.goto(`${server.url}/admin#/p/${EXAMPLE}`);
      await page.locator('#turnout-groups').waitFor();
      const fits = await page.locator('#turnout-groups').evaluate((table) =>
        table.getBoundingClientRect().right <= table.closest('section').getBoundingClientRect().right);
      assert.ok(fits, 'the turnout table fits its card');
      // A group's name wraps between its words, never inside one (no more lines than words).
      const broken = await page.locator('#turnout-groups tbody th').evaluateAll((cells) => cells.filter((th) => {
        const range = document.createRange();
        range.selectNodeContents(th);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        return lines > th.textContent.split(' ').length;
      }).map((th) => th.textContent));
      assert.deepEqual(broken, []);
      assert.deepEqual(await clippedText(page, '#turnout'), []);
      await page.locator('#turnout-h').scrollIntoViewIfNeeded();
      await screenshot(page, `admin-turnout-${lang}`);
    });
  });
}

// The hour in words, from the one helper every page says a time with
// (formatWhen): Spanish agrees with the hour as written, "a la 1:55" (one
// o'clock) but "a las 13:55"; English "at" for all. In UTC, the browser's zone
// too, so no zone name follows the time.
const HOURS = {
  en: { '01:55': 'at 1:55 AM', '13:55': 'at 1:55 PM', '15:05': 'at 3:05 PM' },
  es: { '01:55': 'a la 1:55', '13:55': 'a las 13:55', '15:05': 'a las 15:05' },
};
const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ');

for (const [lang, locale] of LANGUAGES) {
  describe(`the hour in words (${lang})`, () => {
    let browser;
    let page;
    before(async () => ({ browser, page } = await openPage({ locale, timezoneId: 'UTC' })));
    after(() => closeClean(browser));
    const day = Math.floor(Date.now() / DAY + 10) * DAY;  // midnight UTC, ten days ahead

    for (const [clock, said] of Object.entries(HOURS[lang])) {
      test(`${clock} UTC reads "${said}" on the voting, ideas and organizer pages`, async () => {
        const [hh, mm] = clock.split(':').map(Number);
        const at = day + hh * HOUR + mm * 60000;
        const slug = `hour-${lang}-${hh}`;
        assert.equal((await server.api('POST', '/processes', definition(slug, `Hour ${clock} (${lang})`))).status, 201);
        assert.equal((await server.api('PUT', `/processes/${slug}/schedule`, { opens_at_ms: at, time_zone: 'UTC' })).status, 200);
        assert.equal((await server.api('PUT', `/processes/${slug}/ideas/settings`, { accepting: true })).status, 200);
        const phases = await server.api('PUT', `/processes/${slug}/phases`, { ideas: { opens_at_ms: at - 5 * DAY, closes_at_ms: at - 4 * DAY } });
        assert.equal(phases.status, 200, phases.text);

        await page.goto(`${server.url}/vote/${slug}`);
        const voting = plain(await page.locator('#window').textContent());
        assert.ok(voting.endsWith(` ${said}.`), voting);
        assert.deepEqual(await clippedText(page), []);
        if (hh === 1) await screenshot(page, `vote-hour-one-${lang}`);

        await page.goto(`${server.url}/ideas/${slug}`);
        const ideas = plain(await page.locator('#ideas-state').textContent());
        assert.ok(ideas.includes(` ${said}. `), ideas);

        await page.evaluate((token) => sessionStorage.setItem('psephos-token', token), server.token);
        await page.goto(`${server.url}/admin#/p/${slug}`);
        await page.locator('#phase-ideas-dates').waitFor();
        const summary = plain(await page.locator('#window-summary').textContent());
        assert.ok(summary.includes(` ${said}.`), summary);
        const dates = plain(await page.locator('#phase-ideas-dates').textContent());
        assert.ok(dates.includes(` ${said}.`), dates);
        assert.deepEqual(await clippedText(page), []);
        if (hh === 1) await screenshot(page.locator('#window-panel'), `admin-hour-one-${lang}`);
      });
    }
  });
}
