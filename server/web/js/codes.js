// Printable voter code sheets: one card per code with a QR code linking to
// /vote/<slug>?code=..., for the organizer to print and hand out; a code's
// group and area (which budgets it votes in) are printed on its card.
import { errorText, h, t as pageT } from './common.js';
import { qrSvg } from './qr.js';

// "code,group,area,language" CSV (as the API sends it; older servers: "code,group,area" or
// "code,group") to [{code, group, area, language}]. A group may hold commas: the columns after it are counted from the end.
export function parseCodes(csv) {
  const [header = '', ...lines] = csv.split('\n');
  const after = header.trim().split(',').slice(2);  // area, language
  return lines.filter((line) => line.trim()).map((line) => {
    const [code, ...rest] = line.split(',');
    const tail = rest.length > after.length ? rest.splice(rest.length - after.length) : [];
    const value = (name) => (tail[after.indexOf(name)] || '').trim();
    return { code: code.trim(), group: rest.join(',').trim(), area: value('area'), language: value('language') };
  });
}

// `forget` asks the server to drop its copy of the codes (once they are saved). The
// cards are printed in the batch's `language` with its strings `t` (common.js stringsOf);
// the rest speaks the page's.
export function codeSheet({ title, slug, group, area = '', codes, csv, forget, language = '', t = pageT }) {
  const link = `${location.origin}/vote/${slug}`;
  const download = h('a', { class: 'btn secondary', download: `${slug}-${[group, area].filter(Boolean).join('-') || 'codes'}.csv` }, pageT('codes.download'));
  const who = (group || pageT('codes.no_group')) + (area ? ` · ${pageT('admin.area_named', { area })}` : '');
  download.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const kept = h('p', { class: 'notice no-print', role: 'status' }, pageT('codes.once'));
  const forgetButton = forget ? h('button', { type: 'button', class: 'btn secondary', onclick: async () => {
    const done = await forget();
    if (done.ok || done.error?.code === 'codes_forgotten') {
      kept.textContent = pageT('codes.forgotten');
      forgetButton.remove();
    } else {
      kept.textContent = errorText(done.error);
    }
  } }, pageT('codes.forget')) : null;
  return h('section', { class: 'panel codes', 'aria-labelledby': `sheet-${codes[0]?.code}` },
    h('h2', { id: `sheet-${codes[0]?.code}`, class: 'no-print' }, pageT('codes.sheet_title', { n: codes.length, group: who })),
    kept,
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, pageT('codes.print')), download,
      forgetButton),
    h('div', { class: 'sheet', lang: language || null }, codes.map(({ code }) => h('div', { class: 'code-card' },
      h('p', {}, h('strong', {}, title)),
      group ? h('p', {}, group) : null,
      area ? h('p', {}, t('admin.area_named', { area })) : null,
      qrSvg(`${link}?code=${code}`, t('codes.qr_label', { code })),
      h('p', {}, t('codes.your_code')),
      h('p', { class: 'mono' }, code),
      h('p', {}, t('codes.how', { link }))))));
}
