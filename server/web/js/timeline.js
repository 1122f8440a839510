// The cycle's timeline (GET …/phases): ideas, review, vote, results and
// implementation, each upcoming, open or closed, with its dates in the
// organizer's time zone. Shown on the process's public pages.
import { api, formatWhen, h, t } from './common.js';

// The timeline's data, or null when the process has none to show.
export async function loadTimeline(slug) {
  const r = await api('GET', `/processes/${encodeURIComponent(slug)}/phases`);
  return r.ok ? r.data : null;
}

function dates(p, zone) {
  const day = (ms) => formatWhen(ms, zone).date;
  if (p.opens_at_ms && p.closes_at_ms) return t('phases.between', { from: day(p.opens_at_ms), to: day(p.closes_at_ms) });
  if (p.opens_at_ms) return t(p.state === 'upcoming' ? 'phases.opens' : 'phases.opened', { date: day(p.opens_at_ms) });
  if (p.closes_at_ms) return t('phases.until', { date: day(p.closes_at_ms) });
  return p.state === 'upcoming' ? t('phases.no_date') : '';
}

// Phases worth showing: not one skipped (no date, never opened, a later one
// begun). None at all for a plain vote (no phase but the vote and its results
// in use): its page says where it stands already.
function shown(phases) {
  const begun = (p) => p.state !== 'upcoming';
  const dated = (p) => p.opens_at_ms || p.closes_at_ms;
  const kept = phases.filter((p, i) => begun(p) || dated(p) || !phases.slice(i + 1).some(begun));
  const cycle = kept.some((p) => !['vote', 'results'].includes(p.phase) && (dated(p) || begun(p)));
  return cycle ? kept : [];
}

// A card with the phases in order; the open one is marked as the current step.
export function timeline(data) {
  const phases = data ? shown(data.phases) : [];
  if (!phases.length) return null;
  return h('section', { class: 'card timeline', id: 'timeline', 'aria-labelledby': 'timeline-h' },
    h('h2', { id: 'timeline-h' }, t('phases.heading')),
    h('ol', { class: 'phases' }, phases.map((p) => h('li', {
      class: `phase ${p.state}`, 'data-phase': p.phase, 'aria-current': p.phase === data.current ? 'step' : null },
    h('span', { class: 'phase-name' }, t(`phases.${p.phase}`)), ' ',
    h('span', { class: `badge ${p.state}` }, t(`phases.state_${p.state}`)),
    h('span', { class: 'phase-dates' }, dates(p, data.time_zone))))));
}
