// Printable voter code sheets: one card per code with a QR code linking to
// /vote/<slug>?code=..., for the organizer to print and hand out.
import { h, t } from './common.js';
import { qrSvg } from './qr.js';

// "code,group" CSV (as the API sends it once) to [{code, group}].
export function parseCodes(csv) {
  return csv.split('\n').slice(1).filter((line) => line.trim()).map((line) => {
    const comma = line.indexOf(',');
    return { code: line.slice(0, comma < 0 ? undefined : comma).trim(), group: comma < 0 ? '' : line.slice(comma + 1).trim() };
  });
}

export function codeSheet({ title, slug, group, codes, csv }) {
  const link = `${location.origin}/vote/${slug}`;
  const download = h('a', { class: 'btn secondary', download: `${slug}-${group || 'codes'}.csv` }, t('codes.download'));
  download.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  return h('section', { class: 'panel codes', 'aria-labelledby': `sheet-${codes[0]?.code}` },
    h('h2', { id: `sheet-${codes[0]?.code}`, class: 'no-print' }, t('codes.sheet_title', { n: codes.length, group: group || t('codes.no_group') })),
    h('p', { class: 'notice no-print' }, t('codes.once')),
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, t('codes.print')), download),
    h('div', { class: 'sheet' }, codes.map(({ code }) => h('div', { class: 'code-card' },
      h('p', {}, h('strong', {}, title)),
      group ? h('p', {}, group) : null,
      qrSvg(`${link}?code=${code}`, t('codes.qr_label', { code })),
      h('p', {}, t('codes.your_code')),
      h('p', { class: 'mono' }, code),
      h('p', {}, t('codes.how', { link }))))));
}
