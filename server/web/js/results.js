// The results page, /results/<slug>: funded projects, charts of votes and of
// budget use, turnout by group, the round-by-round explanation, the bundle.
import { $, api, fill, budgetScale, errorText, focusView, formatMoney, formatNumber, h, has, localize, slugFromPath, startI18n, t, toUnits, useRegionOf, useStrings } from './common.js';
import { barChart, stackedBar } from './chart.js';
import { loadTimeline, timeline } from './timeline.js';

useStrings('results');  // the report's strings: voters' pages do not download them
useStrings('progress');  // the link to the funded projects' progress

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}`;
const main = $('#main');
let ballot = null;
let results = null;
let error = null;
let publicKey = '';  // the server's signing key (GET /api/v1/key)
let phases = null;  // the cycle's timeline (timeline.js), if the process has one
let corrections = null;  // () => the list of texts corrected while voting was open (changes.js), if any

const pct = (a, b) => (b > 0 ? formatNumber((100 * a) / b, 1) : '0');

function render() {
  if (error) {
    const waiting = error.code === 'results_not_published';
    fill(main, h('h1', {}, ballot ? ballot.title : t('results.title')),
      h('p', { class: 'notice' }, waiting ? t('results.not_yet') : errorText(error)),
      ballot && ballot.state === 'open' ? h('p', {}, h('a', { href: `/vote/${slug}` }, t('results.go_vote'))) : null);
    return;
  }
  fill(main, 
    h('h1', {}, t('results.heading', { title: ballot.title })),
    h('p', {}, h('a', { href: `/progress/${encodeURIComponent(slug)}`, id: 'progress-link' }, t('progress.follow'))),
    timeline(phases),
    turnout(),
    results.budgets.map((r) => budget(r)),
    corrections?.(),
    h('section', { class: 'card', 'aria-labelledby': 'audit-h' }, h('h2', { id: 'audit-h' }, t('results.audit')),
      h('p', {}, t('results.audit_text')),
      publicKey ? h('p', { id: 'signing-key' }, t('results.key'), ' ', h('code', { class: 'mono' }, publicKey)) : null,
      h('ul', {},
        h('li', {}, h('a', { href: `/api/v1${base}/bundle`, download: `${slug}-bundle.json`, id: 'bundle-link' }, t('results.bundle'))),
        h('li', {}, h('a', { href: `/api/v1${base}/results.csv`, download: `${slug}-results.csv`, id: 'results-csv' }, t('results.csv'))),
        h('li', {}, h('a', { href: `/api/v1${base}/turnout.csv`, download: `${slug}-turnout.csv`, id: 'turnout-csv' }, t('results.turnout_csv'))),
        h('li', {}, h('a', { href: `/check/${slug}`, id: 'check-link' }, t('results.check'))))));
}

// A public count: a number, or hidden because it concerns fewer than k voters
// ("<k"), or hidden so that such a count cannot be worked out ("hidden").
const known = (n) => typeof n === 'number';
function count(n) {
  if (known(n)) return formatNumber(n);
  return t(n === 'hidden' ? 'results.count_hidden' : 'results.count_fewer', { k: results.turnout.min_group_size ?? 5 });
}

function turnout() {
  const tu = results.turnout;
  const k = tu.min_group_size ?? 5;
  const groups = Object.entries(tu.by_group || {}).filter(([g]) => g !== '(walk-in)');  // no codes: told below
  const channels = tu.by_channel || {};
  const anyHidden = [...groups.map(([, v]) => v.voted), ...Object.values(tu.by_area || {}).map((v) => v.voted),
    ...Object.values(channels), tu.voted].some((n) => n !== undefined && !known(n));
  return h('section', { class: 'card', 'aria-labelledby': 'turnout-h' },
    h('h2', { id: 'turnout-h' }, t('results.turnout')),
    h('p', { id: 'turnout-text' }, known(tu.voted) && known(tu.ballots)
      ? t('results.turnout_text', { voted: formatNumber(tu.voted), codes: formatNumber(tu.codes), pct: pct(tu.voted, tu.codes), n: tu.ballots })
      : t('results.turnout_small', { codes: formatNumber(tu.codes), k })),
    groups.length ? barChart(groups.map(([g, v]) => ({ label: g, value: known(v.voted) && v.codes ? v.voted / v.codes : 0, highlight: true,
      text: known(v.voted) ? `${formatNumber(v.voted)} / ${formatNumber(v.codes)} (${pct(v.voted, v.codes)}%)` : `${count(v.voted)} / ${formatNumber(v.codes)}` })),
    { title: t('results.turnout_chart') }) : null,
    groups.length ? h('table', { class: 'sr-only' }, h('caption', {}, t('results.turnout_chart')),
      groups.map(([g, v]) => h('tr', {}, h('th', { scope: 'row' }, g), h('td', {}, `${count(v.voted)} / ${v.codes}`)))) : null,
    tu.by_channel ? h('p', { id: 'channels' }, t('results.channels', {
      online: count(channels.online ?? 0), kiosk: count(channels.kiosk ?? 0), paper: count(channels.paper ?? 0) })) : null,
    tu.walk_ins ? h('p', { id: 'walk-ins' }, t('results.walk_ins', { n: count(tu.walk_ins) })) : null,
    anyHidden ? h('p', { class: 'hint', id: 'small-note' }, t('results.small_note', { k })) : null,
    tu.by_budget && Object.keys(tu.by_budget).length > 1 ? h('ul', { id: 'ballots-per-budget' },
      ballot.budgets.map((b) => h('li', {}, t('results.budget_ballots', { budget: b.title || b.id, n: tu.by_budget[b.id] || 0 })))) : null);
}

function budget(r) {
  const def = ballot.budgets.find((b) => b.id === r.budget) || { id: r.budget, projects: [] };
  const scale = budgetScale(def);
  const money = (value) => formatMoney(value, def.currency, scale);
  const project = new Map(def.projects.map((p) => [p.id, p]));
  const name = (id) => project.get(id)?.name || id;
  const cost = (id) => (project.has(id) ? toUnits(project.get(id).cost, scale) / 10 ** scale : 0);
  const o = r.outcome;
  const id = `res-${r.budget.replace(/[^A-Za-z0-9-]/g, '_')}`;
  if (!o) {  // nobody voted in this budget
    return h('section', { class: 'card', 'aria-labelledby': `${id}-h` },
      h('h2', { id: `${id}-h` }, def.title || def.id), h('p', {}, t('results.no_ballots')));
  }
  const funded = new Set(o.selected);
  const votes = r.votes || {};
  const rule = has(`rule.${o.rule}`) ? t(`rule.${o.rule}`) : o.rule;
  const spentOn = (pid, i) => (o.amounts ? o.amounts[i] : cost(pid));

  const byVotes = [...def.projects].sort((a, b) => (votes[b.id] || 0) - (votes[a.id] || 0));
  const [useChart, useLegend] = stackedBar(o.selected.map((pid, i) => ({ label: name(pid), value: spentOn(pid, i), text: money(spentOn(pid, i)) })),
    o.budget, { title: t('results.use_chart', { spent: money(o.total_cost), amount: money(o.budget) }),
      restLabel: t('results.unspent'), restText: money(o.budget - o.total_cost) });

  return h('section', { class: 'card', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, def.title || def.id),
    h('p', {}, t('results.summary', { rule, spent: money(o.total_cost), amount: money(o.budget), n: r.ballots }),
      o.voter_budget_approx !== undefined ? ` ${t('results.voter_share', { amount: money(o.voter_budget_approx) })}` : '',
      o.reserve_used ? ` ${t('results.reserve', { amount: money(o.reserve_used) })}` : ''),
    leftover(o, def, funded, votes, name, cost, money, id),
    h('h3', {}, t('results.funded')),
    o.selected.length ? h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, t('results.project')), h('th', { class: 'num' }, t('results.cost')), h('th', { class: 'num' }, t('results.votes')))),
      h('tbody', {}, o.selected.map((pid, i) => h('tr', {}, h('td', {}, name(pid)), h('td', { class: 'num' }, money(spentOn(pid, i))),
        h('td', { class: 'num' }, formatNumber(votes[pid] || 0))))))
      : h('p', {}, t('results.none_funded')),
    h('h3', {}, t('results.votes_chart')),
    barChart(byVotes.map((p) => ({ label: p.name || p.id, value: votes[p.id] || 0, highlight: funded.has(p.id), text: formatNumber(votes[p.id] || 0) })),
      { title: t('results.votes_chart') }),
    h('ul', { class: 'legend' }, h('li', {}, swatchText('funded', t('results.legend_funded'))), h('li', {}, swatchText('other', t('results.legend_other')))),
    h('details', {}, h('summary', {}, t('results.all_table')),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('results.project')), h('th', { class: 'num' }, t('results.cost')),
        h('th', { class: 'num' }, t('results.votes')))),
      h('tbody', {}, byVotes.map((p) => h('tr', {}, h('td', {}, p.name || p.id, funded.has(p.id) ? ` (${t('results.legend_funded')})` : ''),
        h('td', { class: 'num' }, money(cost(p.id))), h('td', { class: 'num' }, formatNumber(votes[p.id] || 0))))))),
    h('h3', {}, t('results.use')), useChart, useLegend,
    r.report ? whoGotWhat(r.report, id, rule) : null,
    h('h3', {}, t('results.rounds')),
    has(`criterion_help.${o.criterion}`) ? h('p', { class: 'hint' }, t(`criterion_help.${o.criterion}`)) : null,
    h('ol', { class: 'rounds' }, (o.rounds || []).map((round) => h('li', {}, roundText(round, o, name, money)))),
    (o.ties || []).length ? h('p', {}, o.ties.map((tie) => t('results.tie', { round: tie.round, tied: tie.tied.map(name).join(', '),
      winner: name(tie.winner), rule: o.tie_break })).join(' ')) : null);
}

// Who got what (psephos report): voters with nothing funded, the average, how
// many of their projects were funded, and greedy by votes beside the rule.
function whoGotWhat(report, id, rule) {
  const [mine, greedy] = report.outcomes;
  const share = (v) => formatNumber(100 * v.nothing_funded_share, 0);
  const avg = (v) => formatNumber(v.average_funded, 2);
  const dist = mine.voters.distribution;
  const rows = dist.slice(0, 5).map((value, k) => ({ label: t('results.report_k', { n: k }), value }));
  if (dist.length > 5) rows.push({ label: t('results.report_more', { n: 5 }), value: dist.slice(5).reduce((a, b) => a + b, 0) });
  const voters = mine.voters.voters;
  const title = t('results.report_chart');
  const c = report.comparison;
  return [
    h('h3', { id: `${id}-report` }, t('results.report')),
    h('p', { class: 'report-summary' }, t('results.report_summary', { rule, none: share(mine.voters), avg: avg(mine.voters) }),
      mine.two_or_more.voters ? ` ${t('results.report_two', { none: share(mine.two_or_more) })}` : ''),
    c ? h('p', { class: 'report-compare' }, t('results.report_greedy', { none: share(greedy.voters), avg: avg(greedy.voters) }),
      ` ${t('results.report_only_mine', { n: c.only_first.projects.length, votes: formatNumber(c.only_first.votes) })}`,
      ` ${t('results.report_only_greedy', { n: c.only_second.projects.length, votes: formatNumber(c.only_second.votes) })}`) : null,
    barChart(rows.map((row) => ({ ...row, highlight: true, text: `${formatNumber(row.value)} (${pct(row.value, voters)}%)` })), { title }),
    h('table', { class: 'sr-only' }, h('caption', {}, title),
      rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.label), h('td', {}, `${formatNumber(row.value)} (${pct(row.value, voters)}%)`)))),
    report.by_group && report.by_group.length ? byGroup(report.by_group, id) : null];
}

// Who got what per interest-holder group; a group's row is hidden whole where
// its voters are fewer than k, or where that would let a small one be worked out.
function byGroup(groups, id) {
  const k = results.turnout.min_group_size ?? 5;
  const label = (g) => (g === '(walk-in)' ? t('results.group_walk_in') : g === '(none)' ? t('results.group_none') : g);
  const num = (text) => h('td', { class: 'num' }, text);
  return h('table', { class: 'by-group', id: `${id}-by-group` },
    h('caption', {}, t('results.by_group')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('results.group')), h('th', { scope: 'col', class: 'num' }, t('results.by_group_voters')),
      h('th', { scope: 'col', class: 'num' }, t('results.by_group_nothing')), h('th', { scope: 'col', class: 'num' }, t('results.by_group_average')),
      h('th', { scope: 'col', class: 'num' }, t('results.by_group_money')))),
    h('tbody', {}, groups.map((g) => {
      if (!g.figures) {
        return h('tr', { class: 'hidden-row' }, h('th', { scope: 'row' }, label(g.value)),
          h('td', { colspan: 4 }, t(g.hidden === 'hidden' ? 'results.by_group_hidden' : 'results.by_group_fewer', { k })));
      }
      const f = g.figures;
      return h('tr', {}, h('th', { scope: 'row' }, label(g.value)), num(formatNumber(f.voters)),
        num(`${formatNumber(100 * f.nothing_funded_share, 0)}%`), num(formatNumber(f.average_funded, 2)),
        num(`${formatNumber(100 * g.money_share, 0)}%`));
    })));
}

// How much money was left, and why the cheapest project not funded was not:
// it did not fit, or the rule passed it over (Equal Shares, no-skip rules, no votes).
function leftover(o, def, funded, votes, name, cost, money, id) {
  const left = o.budget - o.total_cost;
  let text;
  const rest = def.projects.filter((p) => !funded.has(p.id)).sort((a, b) => cost(a.id) - cost(b.id));
  if (left <= 0) text = t('results.left_none');
  else if (!rest.length) text = t('results.left_all', { left: money(left) });
  else {
    const fits = rest.filter((p) => cost(p.id) <= left);
    const p = fits.length ? fits.sort((a, b) => (votes[b.id] || 0) - (votes[a.id] || 0))[0] : rest[0];
    const params = { left: money(left), name: name(p.id), cost: money(cost(p.id)) };
    if (!fits.length) text = t('results.left_too_dear', params);
    else if (!votes[p.id]) text = t('results.left_fits.no_votes', params);
    else if (/^(mes|equalshares)/.test(o.rule)) text = t('results.left_fits.mes', params);
    else if (['greedy-no-skip', 'greedy-reserve'].includes(o.rule)) text = t('results.left_fits.stop', params);
    else text = t('results.left_fits.other', params);
  }
  return h('p', { id: `${id}-left`, class: 'left-over' }, text);
}

function swatchText(kind, text) {
  const el = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  el.style.background = kind === 'funded' ? '#0b57a4' : '#7d8794';
  return [el, text];
}

function roundText(round, o, name, money) {
  const decision = has(`decision.${round.decision}`) ? t(`decision.${round.decision}`) : round.decision;
  // equalshares-add1u's completion rounds go by votes.
  const by = round.completion ? 'votes' : o.criterion;
  const criterion = has(`criterion.${by}`) ? t(`criterion.${by}`) : by;
  const score = round.score === 'inf' ? '∞' : formatNumber(round.score_approx ?? 0, 2);
  // Equal Shares names what each supporter pays; other rules their score.
  const detail = round.price_approx !== undefined
    ? t('results.round_price', { n: round.supporters, price: money(round.price_approx), left: money(round.budget_left) })
    : t('results.round_detail', { n: round.supporters, criterion, score, left: money(round.budget_left) });
  return [h('strong', {}, name(round.project)), ` — ${decision}. `, round.completion ? `${t('results.completion')} ` : '', detail];
}

async function start() {
  await startI18n(() => {
    localize(ballot);
    render();
  });
  const [b, r, k, tl] = await Promise.all([api('GET', `${base}/ballot`), api('GET', `${base}/results`), api('GET', '/key'),
    loadTimeline(slug)]);
  phases = tl;
  if (k.ok) publicKey = k.data.public_key;
  const c = await api('GET', `${base}/changes`);
  if (c.ok && c.data.changes?.length) {
    const { changeList } = await import('./changes.js');
    corrections = () => changeList(ballot, c.data.changes);
  }
  if (b.ok) {
    ballot = localize(b.data);
    useRegionOf(ballot);
    document.title = `${ballot.title} · ${t('results.title')}`;
  }
  if (!b.ok) error = b.error;
  else if (!r.ok) error = r.error;
  else results = r.data;
  render();
  focusView(main.querySelector('h1'));
}

start();
