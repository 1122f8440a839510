// Inline SVG charts built into the DOM (no libraries): horizontal bars with a
// label above each, and one stacked bar for how a budget was spent.
import { h, svg } from './common.js';

export const PALETTE = ['#0b57a4', '#2e7d32', '#a84f00', '#6a3fb5', '#00727d', '#ad1457', '#5d4037', '#3f5160'];
const WIDTH = 320;

const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

// rows: [{label, value, text, highlight}]; `text` is what is written by the bar.
// A generous width for bold 12px text (digits and punctuation are narrower):
// bars leave this much room for the longest value text, so it is never cut.
const textWidth = (text) => String(text).length * 7.4;

export function barChart(rows, { title, highlightColor = PALETTE[0], color = '#7d8794' } = {}) {
  const row = 40;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const longest = Math.max(0, ...rows.map((r) => textWidth(r.text ?? String(r.value))));
  const room = Math.max(WIDTH / 3, WIDTH - longest - 8);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${rows.length * row + 4}`, role: 'img', 'aria-label': title },
    svg('title', {}, title));
  rows.forEach((r, i) => {
    const y = i * row;
    const w = Math.max(r.value > 0 ? 2 : 0, Math.round((r.value / max) * room));
    chart.append(
      svg('text', { x: 0, y: y + 13, 'font-size': 12, fill: '#1b1b1b' }, clip(r.label, 50)),
      svg('rect', { x: 0, y: y + 18, width: w, height: 16, rx: 2, fill: r.highlight ? highlightColor : color }),
      svg('text', { x: w + 5, y: y + 31, 'font-size': 12, 'font-weight': 700, fill: '#1b1b1b' }, r.text ?? String(r.value)));
  });
  return chart;
}

// segments: [{label, value, text}] in order; the rest of `total` is drawn as unspent.
// Returns [svg, legend list].
export function stackedBar(segments, total, { title, restLabel, restText } = {}) {
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} 30`, role: 'img', 'aria-label': title }, svg('title', {}, title));
  const legend = h('ul', { class: 'legend' });
  let x = 0;
  const scale = total > 0 ? WIDTH / total : 0;
  segments.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const w = s.value * scale;
    chart.append(svg('rect', { x: x.toFixed(2), y: 2, width: Math.max(0, w - 1).toFixed(2), height: 26, fill: color }));
    legend.append(h('li', {}, swatch(color), `${s.label}: ${s.text}`));
    x += w;
  });
  if (x < WIDTH - 0.5) {
    chart.append(svg('rect', { x: x.toFixed(2), y: 2, width: (WIDTH - x).toFixed(2), height: 26, fill: '#dde3ea' }));
    legend.append(h('li', {}, swatch('#dde3ea', true), `${restLabel}: ${restText}`));
  }
  return [chart, legend];
}

function swatch(color, outlined) {
  const el = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  el.style.background = color;  // CSSOM, allowed by the content security policy
  if (outlined) el.style.outline = '1px solid #7d8794';
  return el;
}
