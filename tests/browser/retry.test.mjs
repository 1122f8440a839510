// A ballot stored whose answer is lost (#UX: the connection drops after the
// server wrote it), at 360 px in English and Spanish: the page's retry carries
// the same submission id, so it reads "your ballot was recorded" (no receipt:
// it went with the lost answer), not "already voted"; so does the same tab
// after a reload. Another tab (no submission of its own) still reads "already
// voted". Server side: API.md "submission", tests/server/api_test.cc.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LANGUAGES, checkScreen, closeClean, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const LOST = {
  slug: 'lost-answer', title: 'Library corner vote', languages: ['en', 'es'], groups: ['reader'],
  translations: { es: { title: 'Votación del rincón de lectura' } },
  budgets: [{ id: 'main', title: 'Reading corner', amount: 1000, currency: 'USD', rule: 'greedy',
    translations: { es: { title: 'Rincón de lectura' } }, ballot: { type: 'approval', max_projects: 2 },
    projects: [{ id: 'a', name: 'Beanbags', cost: 300, translations: { es: { name: 'Pufs' } } },
      { id: 'b', name: 'Comics shelf', cost: 400, translations: { es: { name: 'Estante de cómics' } } }] }],
};

const WORDS = {
  en: { network: 'Could not reach the server. Check your connection and try again.', recorded: 'Your vote is recorded',
    stored: /^Your ballot reached the server before the connection dropped, and it is stored safely/,
    noReceipt: 'The connection dropped before the receipt reached this page, so it cannot be shown here.',
    used: 'This code has already voted.', code: 'Voter code', next: 'Continue' },
  es: { network: 'No se pudo conectar con el servidor. Revisa tu conexión e inténtalo de nuevo.', recorded: 'Tu voto está registrado',
    stored: /^Tu papeleta llegó al servidor antes de que se cortara la conexión y está guardada de forma segura/,
    noReceipt: 'La conexión se cortó antes de que el recibo llegara a esta página, así que no se puede mostrar aquí.',
    used: 'Este código ya ha votado.', code: 'Código de votante', next: 'Continuar' },
};

let codes;
const server = useServer(async () => {
  codes = await openProcess(server, LOST, 6);
});

// Lets the next ballot through to the server, then drops the connection before
// its answer reaches the page; the server's answer, as it was sent.
async function loseNextAnswer(page) {
  let answered;
  const sent = new Promise((resolve) => { answered = resolve; });
  await page.route('**/api/v1/processes/lost-answer/ballots', async (route) => {
    const response = await route.fetch();
    answered({ status: response.status(), body: await response.json() });
    await route.abort('connectionreset');
  }, { times: 1 });
  return sent;
}

async function voteUpToSubmit(page, code) {
  await page.goto(`${server.url}/vote/lost-answer?code=${code}`);
  await page.locator('#b0-p0').check();
  await page.locator('#to-review').click();
  await page.locator('#submit').waitFor();
}

const ballots = async () => (await server.api('GET', '/processes/lost-answer/board', undefined, { token: '' })).json.ballots;

for (const [lang, locale] of LANGUAGES) {
  describe(`a ballot whose answer is lost (${lang})`, () => {
    const w = WORDS[lang];
    let browser;
    let page;
    before(async () => ({ browser, page } = await openPage({ locale })));
    after(() => closeClean(browser));

    test('the retry says the ballot was recorded, and nothing is stored twice', async () => {
      const code = codes[lang === 'en' ? 0 : 1];
      const already = await ballots();
      await voteUpToSubmit(page, code);
      const lost = loseNextAnswer(page);
      await page.locator('#submit').click();
      const first = await lost;
      assert.equal(first.status, 201, JSON.stringify(first.body));  // stored, with a receipt the page never got
      await page.locator('#submit-error').getByText(w.network).waitFor();
      assert.equal(await ballots(), already + 1);
      await screenshot(page, `vote-lost-answer-${lang}`);

      await page.locator('#submit').click();  // the voter tries again
      await page.locator('#recorded').waitFor();
      assert.equal(await page.locator('h1').textContent(), w.recorded);
      assert.match(await page.locator('#recorded').textContent(), w.stored);
      assert.equal(await page.locator('#no-receipt').textContent(), w.noReceipt);
      assert.equal(await page.locator('#submit-error').count(), 0);
      assert.equal(await ballots(), already + 1, 'the retry stored nothing');
      await checkScreen(page, 'receipt|error|review|code');
      await screenshot(page, `vote-recorded-${lang}`);
    });

    test('after a reload the same tab confirms it too; another tab reads "already voted"', async () => {
      const code = codes[lang === 'en' ? 2 : 3];
      await voteUpToSubmit(page, code);
      const lost = loseNextAnswer(page);
      await page.locator('#submit').click();
      assert.equal((await lost).status, 201);
      await page.locator('#submit-error').getByText(w.network).waitFor();
      const stored = await ballots();
      await page.reload();  // the code left the address: typed again
      await page.getByLabel(w.code).fill(code);
      await page.getByRole('button', { name: w.next }).click();
      await page.locator('#recorded').waitFor();
      assert.equal(await page.locator('#no-receipt').textContent(), w.noReceipt);
      assert.equal(await ballots(), stored);

      const other = await browser.context.newPage();  // its own sessionStorage: no ballot of its own sent
      await other.goto(`${server.url}/vote/lost-answer?code=${code}`);
      await other.locator('#code-used-next').waitFor();
      assert.equal(await other.locator('#code-error').textContent(), w.used);
      await other.close();
    });
  });
}
