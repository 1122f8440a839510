// Printable voter code sheets: one card per code with a QR code linking to
// /vote/<slug>?code=..., for the organizer to print and hand out; a code's
// group and area (which budgets it votes in) are printed on its card.
import { errorText, h, t } from './common.js';
import { qrSvg } from './qr.js';

// "code,group,area" CSV (as the API sends it once; older servers: "code,group") to [{code, group, area}].
export function parseCodes(csv) {
  const [header = '', ...lines] = csv.split('\n');
  const withArea = header.trim().split(',').includes('area');
  return lines.filter((line) => line.trim()).map((line) => {
    const [code, ...rest] = line.split(',');
    const area = withArea && rest.length > 1 ? rest.pop().trim() : '';
    return { code: code.trim(), group: rest.join(',').trim(), area };
  });
}

// `forget` asks the server to drop its copy of the codes (once they are saved).
export function codeSheet({ title, slug, group, area = '', codes, csv, forget }) {
  const link = `${location.origin}/vote/${slug}`;
  const download = h('a', { class: 'btn secondary', download: `${slug}-${[group, area].filter(Boolean).join('-') || 'codes'}.csv` }, t('codes.download'));
  const who = (group || t('codes.no_group')) + (area ? ` · ${t('admin.area_named', { area })}` : '');
  download.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const kept = h('p', { class: 'notice no-print', role: 'status' }, t('codes.once'));
  const forgetButton = forget ? h('button', { type: 'button', class: 'btn secondary', onclick: async () => {
    const done = await forget();
    if (done.ok || done.error?.code === 'codes_forgotten') {
      kept.textContent = t('codes.forgotten');
      forgetButton.remove();
    } else {
      kept.textContent = errorText(done.error);
    }
  } }, t('codes.forget')) : null;
  return h('section', { class: 'panel codes', 'aria-labelledby': `sheet-${codes[0]?.code}` },
    h('h2', { id: `sheet-${codes[0]?.code}`, class: 'no-print' }, t('codes.sheet_title', { n: codes.length, group: who })),
    kept,
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, t('codes.print')), download,
      forgetButton),
    h('div', { class: 'sheet' }, codes.map(({ code }) => h('div', { class: 'code-card' },
      h('p', {}, h('strong', {}, title)),
      group ? h('p', {}, group) : null,
      area ? h('p', {}, t('admin.area_named', { area })) : null,
      qrSvg(`${link}?code=${code}`, t('codes.qr_label', { code })),
      h('p', {}, t('codes.your_code')),
      h('p', { class: 'mono' }, code),
      h('p', {}, t('codes.how', { link }))))));
}
