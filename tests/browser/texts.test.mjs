// Every text in every language, pictures, corrections (#16 items 6, 7, 5), at
// 360 px in English and Spanish: the voter's language with fallback, money as
// it is written where it is spent (es-US "$50,000"), lazy sized thumbnails,
// the organizer's translations and pictures, code sheets in a batch's
// language, and the public list of corrections.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contrastProblems, drawnJpeg, labelProblems, openPage, openProcess, screenshot, signIn, startBrowser, switchLanguage, useServer } from './harness.mjs';

let browser;
let page;
let picture;  // {width, height, files} as the server answered the upload
let codes;  // the voter codes of GARDEN

const GARDEN = {
  slug: 'garden-2026', title: 'Roosevelt garden vote', description: 'Choose what the school garden gets.',
  languages: ['en', 'es'], groups: ['student'],
  translations: { es: { title: 'Votación del huerto de Roosevelt', description: 'Elija qué recibe el huerto escolar.' } },
  budgets: [{
    id: 'garden', title: 'Garden budget', amount: 50000, currency: 'USD', rule: 'greedy',
    translations: { es: { title: 'Presupuesto del huerto' } },
    ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
    projects: [
      { id: 'trees', name: 'Shade trees', description: 'Six oaks for shade.', cost: 12500, location: 'South fence',
        details: 'Planted in March by the garden club, watered by a drip line.',
        translations: { es: { name: 'Árboles de sombra', description: 'Seis robles para dar sombra.', location: 'Valla sur',
          details: 'Los planta el club de jardinería en marzo, con riego por goteo.' } } },
      { id: 'beds', name: 'Raised beds', description: 'Beds at wheelchair height.', cost: 8000,
        translations: { es: { name: 'Bancales elevados' } } },
      { id: 'barrels', name: 'Rain barrels', cost: 3000 }],  // no translation: the English name in Spanish too
  }],
};

// A 1200 x 800 JPEG drawn by the browser itself.
const photoBytes = () => drawnJpeg(page, 1200, 800, [{ fill: ['#8ec5ff', '#2e7d32'], rect: [0, 0, 1200, 800] },
  { fill: '#5d4037', rect: [560, 380, 80, 420] }, { fill: '#1b5e20', circle: [600, 330, 220] }]);

// Text cut at its box's edge, or wider than the screen.
async function clipped() {
  return page.evaluate(() => [...document.querySelectorAll('label, select, .hint, .error, legend, button, h1, h2, h3, summary, li, .where, img')]
    .filter((el) => el.checkVisibility?.() && (el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > innerWidth + 1))
    .map((el) => `${el.tagName.toLowerCase()}#${el.id} "${el.textContent.trim().slice(0, 40)}"`));
}

const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ');

const server = useServer(async () => {
  ({ browser, page } = await openPage());
  await page.goto(`${server.url}/`);
  const r = await server.api('POST', '/images', await photoBytes(), { type: 'image/jpeg' });
  assert.equal(r.status, 201, r.text);
  picture = r.json.image;
  GARDEN.budgets[0].projects[0].image = picture;
});

after(() => browser?.close());

async function setLang(code) {
  await page.evaluate((c) => localStorage.setItem('psephos-lang', c), code);
}

describe('the voter reads the process in their language', () => {
  before(async () => {
    codes = await openProcess(server, GARDEN, 4);
  });

  test('English: the definition\'s own texts, money in dollars, a lazy sized thumbnail, place and details', async () => {
    await setLang('en');
    await page.goto(`${server.url}/vote/garden-2026?code=${codes[0]}`);
    await page.locator('#b0-title').waitFor();
    assert.equal(await page.locator('h1').textContent(), 'Roosevelt garden vote');
    assert.match(await page.locator('#b0-title').textContent(), /Garden budget/);
    assert.equal(await page.locator('#b0-p0-name').textContent(), 'Shade trees');
    assert.match(plain(await page.locator('.budget .amount').textContent()), /\$50,000/);
    const img = page.locator('.project img.photo').first();
    assert.equal(await img.getAttribute('loading'), 'lazy');
    assert.equal(await img.getAttribute('alt'), '');
    assert.equal(Number(await img.getAttribute('width')), picture.files[0].width);
    assert.equal(Number(await img.getAttribute('height')), picture.files[0].height);
    assert.match(await img.getAttribute('srcset'), /\/api\/v1\/images\/[0-9a-f]{64}\.jpg 320w, .* 640w, .* 1200w/);
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('.project img.photo').complete);
    assert.ok(await img.evaluate((el) => el.naturalWidth > 0), 'the thumbnail loads');
    await page.getByText('Where: South fence').waitFor();
    await page.getByText('More about this project').click();
    await page.getByText('Planted in March by the garden club').waitFor();
    assert.deepEqual(await clipped(), []);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await page.locator('#b0-p0-name').scrollIntoViewIfNeeded();
    await screenshot(page, 'vote-texts-en');
  });

  test('Spanish: translated where translated, else the English text; es-US writes $50,000', async () => {
    await switchLanguage(page, 'es');
    assert.equal(await page.locator('h1').textContent(), 'Votación del huerto de Roosevelt');
    assert.match(await page.locator('#b0-title').textContent(), /Presupuesto del huerto/);
    assert.equal(await page.locator('#b0-p0-name').textContent(), 'Árboles de sombra');
    assert.equal(await page.locator('#b0-p1-name').textContent(), 'Bancales elevados');
    assert.equal(await page.locator('#b0-p2-name').textContent(), 'Rain barrels');  // no translation: the default
    const amount = plain(await page.locator('.budget .amount').textContent());
    assert.match(amount, /\$50,000/);
    assert.doesNotMatch(amount, /US\$|50\.000/);
    assert.match(plain(await page.locator('#b0-p0-name + .cost').textContent()), /^\$12,500$/);
    await page.getByText('Dónde: Valla sur').waitFor();
    await page.getByText('Más sobre este proyecto').click();
    await page.getByText('Los planta el club de jardinería').waitFor();
    await page.locator('#b0-p1').check();
    assert.match(plain(await page.locator('#b0 [role=status]').textContent()), /1/);
    assert.deepEqual(await clipped(), []);
    assert.deepEqual(await contrastProblems(page), []);
    await page.locator('#b0-p0-name').scrollIntoViewIfNeeded();
    await screenshot(page, 'vote-texts-es');
    assert.deepEqual(browser.problems, []);
  });

  test('the voting page is light before its pictures: only the thumbnails in view are fetched', async () => {
    const fetched = [];
    page.on('request', (r) => { if (r.url().includes('/api/v1/images/')) fetched.push(r.url()); });
    await page.goto(`${server.url}/vote/garden-2026?code=${codes[1]}`);
    await page.locator('#b0-title').waitFor();
    await page.waitForFunction(() => document.querySelector('.project img.photo')?.complete);
    // One picture, one width: the srcset's choice for 360 px, never every width.
    assert.equal(fetched.length, 1, fetched.join('\n'));
  });
});

describe('the organizer writes translations and adds a picture', () => {
  for (const [lang, locale] of [['en', 'en-US'], ['es', 'es-US']]) {
    test(`${lang}: the form's translation section and the picture upload`, async () => {
      const context = await startBrowser({ locale });
      try {
        const p = await context.page();
        await signIn(p, server);
        await p.locator('#new-process').click();
        await p.locator('#f-title').fill(lang === 'en' ? 'Library corner' : 'Rincón de la biblioteca');
        await p.locator('#f-language').selectOption(lang);
        await p.locator('#b0-amount').fill('50,000');
        assert.equal(plain(await p.locator('#b0-amount-read').textContent()), lang === 'en' ? 'Read as $50,000' : 'Se lee como $50,000');
        await p.locator('#b0-p0-name').fill(lang === 'en' ? 'Beanbags' : 'Pufs');
        await p.locator('#b0-p0-cost').fill('1,250.50');
        await p.locator('#b0-p0-location').fill(lang === 'en' ? 'Reading room' : 'Sala de lectura');
        await p.locator('#b0-p0-image').setInputFiles({ name: 'beanbags.jpg', mimeType: 'image/jpeg', buffer: await photoBytes() });
        await p.locator('#b0-p0-image-read img.photo').waitFor();
        const other = lang === 'en' ? 'es' : 'en';
        await p.locator(`#tr-${other}-title`).fill(lang === 'en' ? 'Rincón de la biblioteca' : 'Library corner');
        await p.locator(`#tr-${other}-b0-p0-name`).fill(lang === 'en' ? 'Pufs' : 'Beanbags');
        assert.match(await p.locator(`#tr-${other}-b0-p0-name-hint`).textContent(), lang === 'en' ? /Original: Beanbags/ : /Original: Pufs/);
        assert.deepEqual(await labelProblems(p), []);
        assert.deepEqual(await contrastProblems(p), []);
        assert.equal(await p.evaluate(() => document.documentElement.scrollWidth), 360, 'nothing wider than the screen');
        await p.locator('#b0-p0-image-choose').scrollIntoViewIfNeeded();
        await screenshot(p, `admin-picture-${lang}`);
        await p.locator(`#tr-${other}-title`).scrollIntoViewIfNeeded();
        await screenshot(p, `admin-translations-${lang}`);
        // Nothing wider than the screen or than the box it sits in (the picture, the hints beside it).
        const overflow = await p.evaluate(() => [...document.querySelectorAll('label, legend, .hint, h3, h4, button, img, input')]
          .filter((el) => el.checkVisibility() && !el.classList.contains('file-input'))
          .filter((el) => el.getBoundingClientRect().right > Math.min(innerWidth, el.closest('fieldset')?.getBoundingClientRect().right ?? innerWidth) + 1)
          .map((el) => `${el.tagName} ${el.id} ${el.textContent}`));
        assert.deepEqual(overflow, []);
        await p.locator('#save').click();
        await p.locator('#flash').waitFor();
        const slug = lang === 'en' ? 'library-corner' : 'rincon-de-la-biblioteca';
        const d = (await server.api('GET', `/processes/${slug}`)).json.definition;
        assert.deepEqual(d.languages, [lang, other]);
        assert.equal(d.translations[other].title, lang === 'en' ? 'Rincón de la biblioteca' : 'Library corner');
        assert.equal(d.budgets[0].projects[0].translations[other].name, lang === 'en' ? 'Pufs' : 'Beanbags');
        assert.equal(d.budgets[0].projects[0].cost, '1250.50');
        assert.equal(d.budgets[0].projects[0].image.files.length, 3);
        assert.deepEqual(context.problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test('a file that is not a picture is refused at its field, in Spanish', async () => {
    const context = await startBrowser({ locale: 'es-ES' });
    try {
      const p = await context.page();
      await signIn(p, server);
      await p.locator('#new-process').click();
      await p.locator('#b0-p0-image').setInputFiles({ name: 'plan.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<svg><script>alert(1)</script></svg>') });
      await p.waitForFunction(() => document.querySelector('#b0-p0-image-error').textContent !== '');
      assert.equal(await p.locator('#b0-p0-image-error').textContent(), 'Este archivo no es una imagen JPEG, PNG o WebP.');
      await p.locator('#b0-p0-image-choose').scrollIntoViewIfNeeded();
      await screenshot(p, 'admin-picture-refused-es');
    } finally {
      await context.close();
    }
  });
});

describe('code sheets and paper ballots in the batch\'s language', () => {
  test('codes made for Spanish speakers print in Spanish on an English page', async () => {
    await setLang('en');
    await page.goto(`${server.url}/admin`);
    await page.evaluate(() => sessionStorage.clear());
    await signIn(page, server, '#/p/garden-2026');
    await page.locator('#code-language').selectOption('es');
    await page.locator('#code-count').fill('2');
    await page.locator('#make-codes').click();
    const card = page.locator('.code-card').first();
    await card.waitFor();
    assert.equal(await page.locator('.sheet').first().getAttribute('lang'), 'es');
    await card.getByText('Tu código de votante:').waitFor();
    await card.getByText('Votación del huerto de Roosevelt').waitFor();
    assert.match(await page.locator('.codes h2').first().textContent(), /2 codes|codes/i);  // the page speaks English
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'codes-sheet-es');
  });

  test('paper sheets of a Spanish batch name the projects in Spanish', async () => {
    const batch = await server.api('POST', '/processes/garden-2026/paper/batches', { count: 1, language: 'es' });
    assert.equal(batch.status, 201, batch.text);
    await page.goto(`${server.url}/paper#p=garden-2026&batch=${batch.json.batch}`);
    await page.locator('.paper-sheet').first().waitFor();
    await page.getByText('Árboles de sombra').waitFor();
    await page.getByText('Presupuesto del huerto').first().waitFor();
    assert.match(plain(await page.locator('.paper-budget .amount').first().textContent()), /\$50,000/);
    await page.locator('.paper-sheet').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'paper-sheet-es-texts');
  });
});

describe('corrections while voting is open', () => {
  test('the organizer corrects a name; a cost change is refused at its field (Spanish)', async () => {
    const context = await startBrowser({ locale: 'es-ES' });
    try {
      const p = await context.page();
      await signIn(p, server, '#/p/garden-2026');
      await p.locator('#correct').click();
      await p.locator('#correcting').waitFor();
      await p.locator('#f-by').fill('Comité del huerto');
      await p.locator('#b0-p1-cost').fill('9000');
      await p.locator('#save').click();
      await p.waitForFunction(() => document.querySelector('#b0-p1-cost-error').textContent !== '');
      assert.equal(await p.locator('#b0-p1-cost-error').textContent(),
        'Esto no puede cambiar durante la votación: solo nombres, descripciones, traducciones, lugares e imágenes.');
      await p.locator('#b0-p1-cost-error').scrollIntoViewIfNeeded();
      await screenshot(p, 'admin-correction-refused-es');
      await p.locator('#b0-p1-cost').fill('8000');
      await p.locator('#b0-p1-name').fill('Raised garden beds');
      await p.locator('#tr-es-b0-p2-name').fill('Barriles de lluvia');
      await p.locator('#save').click();
      await p.locator('#flash').waitFor();
      assert.deepEqual(context.problems.filter((x) => !x.includes('422')), []);
    } finally {
      await context.close();
    }
    const changes = (await server.api('GET', '/processes/garden-2026/changes', undefined, { token: '' })).json.changes;
    assert.deepEqual(changes.map((c) => c.field), ['budgets[0].projects[1].name', 'budgets[0].projects[2].translations']);
    assert.equal(changes[0].by, 'Comité del huerto');
  });

  for (const lang of ['en', 'es']) {
    test(`${lang}: voters see the list of corrections`, async () => {
      await setLang(lang);
      await page.goto(`${server.url}/vote/garden-2026`);
      const list = page.locator('#changes');
      await list.waitFor();
      await list.locator('summary').click();
      const text = plain(await list.textContent());
      if (lang === 'en') {
        assert.match(text, /Corrected since voting opened: 2 changes/);
        assert.match(text, /Name of “Raised garden beds” changed from “Raised beds” to “Raised garden beds” \(by Comité del huerto\)/);
      } else {
        assert.match(text, /Corregido desde que se abrió la votación: 2 cambios/);
        assert.match(text, /Traducciones \(Español\) de “Barriles de lluvia”/);
      }
      assert.deepEqual(await clipped(), []);
      assert.deepEqual(await contrastProblems(page), []);
      await list.scrollIntoViewIfNeeded();
      await screenshot(page, `vote-changes-${lang}`);
    });
  }

  test('the results page lists the corrections too, and the signed bundle carries them (en, es)', async () => {
    const vote = await server.api('POST', '/processes/garden-2026/ballots', { code: codes[2], ballots: { garden: { projects: ['trees'] } } }, { token: '' });
    assert.equal(vote.status, 201, vote.text);
    assert.equal((await server.api('POST', '/processes/garden-2026/close')).status, 200);
    assert.equal((await server.api('POST', '/processes/garden-2026/publish')).status, 200);
    const bundle = await server.api('GET', '/processes/garden-2026/bundle', undefined, { token: '' });
    assert.equal(bundle.json.corrections.changes.length, 2);
    assert.equal(bundle.json.corrections.original.budgets[0].projects[1].name, 'Raised beds');
    for (const lang of ['en', 'es']) {
      await setLang(lang);
      await page.goto(`${server.url}/results/garden-2026`);
      const list = page.locator('#changes');
      await list.waitFor();
      await list.locator('summary').click();
      assert.match(plain(await list.textContent()), lang === 'en' ? /Corrected since voting opened: 2 changes/ : /Corregido desde que se abrió la votación: 2 cambios/);
      assert.match(await page.locator('h1').textContent(), lang === 'en' ? /Roosevelt garden vote/ : /Votación del huerto de Roosevelt/);
      assert.deepEqual(await clipped(), []);
      assert.deepEqual(await contrastProblems(page), []);
      await list.scrollIntoViewIfNeeded();
      await screenshot(page, `results-changes-${lang}`);
    }
  });
});
