// Ranked-ballot rules: instant runoff (IRV), single transferable vote (STV), Schulze.
//
// IRV and STV share one count. Identical rankings are merged into groups, and
// each group lies on the pile of the continuing project it currently counts
// for, so electing or eliminating a project touches only the groups on its pile.
// STV weights stay exact without a rational per ballot: every weight that
// occurs is a "weight class" (1, and the products of surplus fractions met so
// far), a group carries a class, and a pile keeps an integer ballot count per
// class. A total is then sum(count x weight) over a handful of classes.
//
// Ties. When several projects have the fewest votes, the one the tie-break
// likes least (last in tie-break order) is eliminated, and the Tie lists the
// tied projects in tie-break order with Tie::winner = the ELIMINATED project,
// i.e. the project the tie settled. When several have the most votes (STV),
// Tie::winner is the elected one, as in the other rules.
#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "rule_impl.h"

namespace psephos::engine::internal {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// Ballots with the same ranking, counted together. Piles hold groups by value,
// so moving one reads only its ranking and appends to the next pile.
struct Group {
  const ProjectIndex* ranking;  // into the profile
  std::uint32_t size;
  std::uint32_t at;      // index in ranking of the project it counts for
  std::uint32_t weight;  // weight class
  std::uint32_t count;   // identical ballots (< 2^32: the profile's offsets are 32-bit)
};

std::uint64_t HashRanking(std::span<const ProjectIndex> ranking) {
  // Two entries per multiply: the chain of multiplies is the hash's cost.
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ ranking.size();
  std::size_t i = 0;
  for (; i + 1 < ranking.size(); i += 2) {
    h = (h ^ (std::uint64_t{ranking[i]} << 32 | ranking[i + 1])) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
  }
  if (i < ranking.size()) h = (h ^ ranking[i]) * 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 32);
}

// Identical non-empty rankings merged, in order of first appearance.
std::vector<Group> GroupBallots(const Profile& profile) {
  // Open addressing over (hash high bits | group + 1): one memory access per probe.
  constexpr std::uint64_t kLow = 0xFFFFFFFF;
  std::size_t capacity = 16;
  while (capacity < 2 * profile.size()) capacity *= 2;
  const std::size_t mask = capacity - 1;
  std::vector<std::uint64_t> table(capacity, 0);
  std::vector<Group> groups;
  groups.reserve(profile.size());
  // Hash a batch ahead and prefetch its slots, so the cache misses overlap.
  constexpr std::size_t kBatch = 16;
  std::uint64_t hashes[kBatch];
  for (std::size_t first = 0; first < profile.size(); first += kBatch) {
    const std::size_t last = std::min(profile.size(), first + kBatch);
    for (std::size_t b = first; b < last; ++b) {
      hashes[b - first] = HashRanking(profile.projects(b));
      __builtin_prefetch(&table[hashes[b - first] & mask]);
    }
    for (std::size_t b = first; b < last; ++b) {
      const auto ranking = profile.projects(b);
      if (ranking.empty()) continue;
      const std::uint64_t h = hashes[b - first];
      const std::uint64_t tag = h & ~kLow;
      for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const std::uint64_t slot = table[i];
        if (slot == 0) {
          table[i] = tag | (groups.size() + 1);
          groups.push_back(
              Group{ranking.data(), static_cast<std::uint32_t>(ranking.size()), 0, 0, 1});
          break;
        }
        if ((slot & ~kLow) != tag) continue;
        Group& g = groups[(slot & kLow) - 1];
        if (g.size == ranking.size() && std::equal(ranking.begin(), ranking.end(), g.ranking)) {
          ++g.count;
          break;
        }
      }
    }
  }
  return groups;
}

// The state of an IRV or STV count.
class Count {
 public:
  explicit Count(const Election& election);

  // Ballots ranking at least one project (STV's V).
  std::int64_t nonempty() const { return nonempty_; }
  // Ballots counting for a continuing project (IRV's majority base).
  std::int64_t active() const { return active_; }
  // Ballots on p's pile, whatever their weight.
  std::int64_t ballots(ProjectIndex p) const { return ballots_[p]; }
  // The exact weight of p's pile.
  Rational Votes(ProjectIndex p) const;
  // True once after each change of p's pile.
  bool ConsumeChanged(ProjectIndex p) {
    const bool changed = changed_[p] != 0;
    changed_[p] = 0;
    return changed;
  }
  // Takes p out of the count. The ballots on its pile move on to their next
  // continuing preference with weight x factor; a factor of 0 drops them.
  void Remove(ProjectIndex p, const Rational& factor);

 private:
  std::uint32_t ClassOf(const Rational& weight);

  std::vector<std::vector<Group>> piles_;  // the groups counting for each project
  std::vector<std::vector<std::int64_t>> on_pile_;  // [project][class] ballots
  std::vector<std::int64_t> ballots_;
  std::vector<char> continuing_;
  std::vector<char> changed_;
  std::vector<Rational> weights_{Rational(1)};  // weight of each class
  std::map<Rational, std::uint32_t> class_of_{{Rational(1), 0}};
  std::int64_t nonempty_ = 0;
  std::int64_t active_ = 0;
};

Count::Count(const Election& election) {
  const std::size_t n = election.projects.size();
  piles_.resize(n);
  on_pile_.assign(n, std::vector<std::int64_t>(1, 0));
  ballots_.assign(n, 0);
  continuing_.assign(n, 1);
  changed_.assign(n, 1);
  const std::vector<Group> groups = GroupBallots(election.profile);
  std::vector<std::size_t> size(n, 0);
  for (const Group& g : groups) {
    ballots_[g.ranking[0]] += g.count;
    ++size[g.ranking[0]];
  }
  for (std::size_t p = 0; p < n; ++p) {
    piles_[p].reserve(size[p]);
    on_pile_[p][0] = ballots_[p];
    nonempty_ += ballots_[p];
  }
  for (const Group& g : groups) piles_[g.ranking[0]].push_back(g);
  active_ = nonempty_;
}

Rational Count::Votes(ProjectIndex p) const {
  const auto& row = on_pile_[p];
  if (row.size() == 1) return Rational(static_cast<long>(row[0]));  // weight 1 only
  Rational votes = 0;
  for (std::size_t c = 0; c < row.size(); ++c) {
    if (row[c] != 0) votes += weights_[c] * static_cast<long>(row[c]);
  }
  return votes;
}

std::uint32_t Count::ClassOf(const Rational& weight) {
  auto [it, added] = class_of_.emplace(weight, static_cast<std::uint32_t>(weights_.size()));
  if (added) weights_.push_back(weight);
  return it->second;
}

void Count::Remove(ProjectIndex p, const Rational& factor) {
  continuing_[p] = 0;
  active_ -= ballots_[p];
  // Every class on the pile maps to the class of weight x factor (kNone: dropped).
  std::vector<std::uint32_t> remap(weights_.size(), kNone);
  if (sgn(factor) != 0) {
    const bool same = factor == 1;
    for (std::uint32_t c = 0; c < on_pile_[p].size(); ++c) {
      if (on_pile_[p][c] != 0) remap[c] = same ? c : ClassOf(weights_[c] * factor);
    }
  }
  const std::vector<Group> pile = std::move(piles_[p]);
  piles_[p] = {};
  constexpr std::size_t kAhead = 8;  // prefetch distance: rankings are scattered
  for (std::size_t i = 0; i < pile.size(); ++i) {
    if (i + kAhead < pile.size()) {
      __builtin_prefetch(pile[i + kAhead].ranking + pile[i + kAhead].at + 1);
    }
    Group group = pile[i];
    const std::uint32_t c = remap[group.weight];
    if (c == kNone) continue;
    std::uint32_t at = group.at + 1;
    while (at < group.size && !continuing_[group.ranking[at]]) ++at;
    if (at == group.size) continue;  // exhausted
    const ProjectIndex next = group.ranking[at];
    group.at = at;
    group.weight = c;
    piles_[next].push_back(group);
    auto& row = on_pile_[next];
    if (row.size() <= c) row.resize(c + 1, 0);
    row[c] += group.count;
    ballots_[next] += group.count;
    active_ += group.count;
    changed_[next] = 1;
  }
  on_pile_[p].assign(1, 0);
  ballots_[p] = 0;
}

Outcome StartOutcome(const Election& election) {
  Outcome out;
  out.criterion = "votes";
  out.budget = election.budget;
  return out;
}

void AddRound(Outcome& out, ProjectIndex p, Decision decision, Rational score,
              std::int64_t supporters, Money budget_left) {
  Round round;
  round.project = p;
  round.decision = decision;
  round.score = std::move(score);
  round.supporters = supporters;
  round.budget_left = budget_left;
  out.rounds.push_back(std::move(round));
}

void Select(Outcome& out, const Election& election, ProjectIndex p, Rational score,
            std::int64_t supporters) {
  out.selected.push_back(p);
  out.total_cost += election.projects[p].cost;
  // No budget check: these rules choose winners, not a budget. budget_left may go negative.
  AddRound(out, p, Decision::kSelected, std::move(score), supporters,
           election.budget - out.total_cost);
}

// Eliminates the project of `tied` (all on the fewest votes) the tie-break likes least.
ProjectIndex PickLoser(Outcome& out, std::vector<ProjectIndex> tied, const TieBreak& tie_break) {
  tied = OrderTied(std::move(tied), tie_break);
  const ProjectIndex loser = tied.back();
  if (tied.size() > 1) out.ties.push_back(Tie{out.rounds.size(), std::move(tied), loser});
  return loser;
}

}  // namespace

Outcome RunIrv(const Election& election, const TieBreak& tie_break) {
  Outcome out = StartOutcome(election);
  if (election.projects.empty()) return out;
  Count count(election);
  std::vector<ProjectIndex> continuing(election.projects.size());
  std::iota(continuing.begin(), continuing.end(), ProjectIndex{0});
  const Rational one = 1;
  auto leader = [&] {
    return *std::max_element(
        continuing.begin(), continuing.end(),
        [&](ProjectIndex a, ProjectIndex b) { return count.ballots(a) < count.ballots(b); });
  };

  while (continuing.size() > 1) {
    // A strict majority of the ballots still live; exhausted ones do not count.
    if (2 * count.ballots(leader()) > count.active()) break;
    // Projects nobody ranks first can never win: out together, in reverse
    // tie-break order. Their order moves no ballot, so it is not a Tie.
    std::vector<ProjectIndex> zero;
    for (ProjectIndex p : continuing) {
      if (count.ballots(p) == 0) zero.push_back(p);
    }
    if (!zero.empty() && count.active() > 0) {
      zero = OrderTied(std::move(zero), tie_break);
      for (auto it = zero.rbegin(); it != zero.rend(); ++it) {
        AddRound(out, *it, Decision::kEliminated, Rational(0), 0, election.budget);
        count.Remove(*it, one);
        std::erase(continuing, *it);
      }
      continue;
    }
    std::int64_t fewest = count.ballots(continuing.front());
    for (ProjectIndex p : continuing) fewest = std::min(fewest, count.ballots(p));
    std::vector<ProjectIndex> tied;
    for (ProjectIndex p : continuing) {
      if (count.ballots(p) == fewest) tied.push_back(p);
    }
    const ProjectIndex loser = PickLoser(out, std::move(tied), tie_break);
    AddRound(out, loser, Decision::kEliminated, Rational(static_cast<long>(fewest)), fewest,
             election.budget);
    count.Remove(loser, one);
    std::erase(continuing, loser);
  }
  // The majority winner, or the last project standing.
  const ProjectIndex winner = leader();
  const std::int64_t votes = count.ballots(winner);
  Select(out, election, winner, Rational(static_cast<long>(votes)), votes);
  return out;
}

Outcome RunStv(const Election& election, const TieBreak& tie_break, int seats) {
  Outcome out = StartOutcome(election);
  const std::size_t n = election.projects.size();
  if (seats <= 0 || n == 0) return out;
  Count count(election);
  const std::int64_t quota = count.nonempty() / (seats + 1) + 1;  // Droop
  std::vector<ProjectIndex> continuing(n);
  std::iota(continuing.begin(), continuing.end(), ProjectIndex{0});
  std::vector<Rational> votes(n);  // refreshed only when a pile changed
  int seats_left = seats;
  Exclusions exclusions(election);

  while (seats_left > 0 && !continuing.empty()) {
    for (ProjectIndex p : continuing) {
      if (count.ConsumeChanged(p)) votes[p] = count.Votes(p);
    }
    Rational most = votes[continuing.front()];
    for (ProjectIndex p : continuing) {
      if (votes[p] > most) most = votes[p];
    }
    if (most >= quota) {
      std::vector<ProjectIndex> tied;
      for (ProjectIndex p : continuing) {
        if (votes[p] == most) tied.push_back(p);
      }
      tied = OrderTied(std::move(tied), tie_break);
      const ProjectIndex elected = tied.front();
      if (tied.size() > 1) out.ties.push_back(Tie{out.rounds.size(), std::move(tied), elected});
      Select(out, election, elected, most, count.ballots(elected));
      // Inclusive Gregory: every ballot on the pile carries on the surplus share.
      Rational factor = (most - quota) / most;
      count.Remove(elected, factor);
      std::erase(continuing, elected);
      --seats_left;
      // The rest of its exclusive group is out of the count, like the eliminated.
      exclusions.Fund(elected);
      for (ProjectIndex p : std::vector<ProjectIndex>(continuing)) {
        if (!exclusions.Excluded(p)) continue;
        AddRound(out, p, Decision::kExcluded, votes[p], count.ballots(p), election.budget - out.total_cost);
        count.Remove(p, Rational(1));
        std::erase(continuing, p);
      }
      continue;
    }
    if (continuing.size() <= static_cast<std::size_t>(seats_left)) {
      // Everyone left is elected, most votes first.
      std::sort(continuing.begin(), continuing.end(), [&](ProjectIndex a, ProjectIndex b) {
        if (votes[a] != votes[b]) return votes[a] > votes[b];
        return tie_break.Prefers(a, b);
      });
      for (auto run = continuing.begin(); run != continuing.end();) {
        auto end = std::find_if(run, continuing.end(),
                                [&](ProjectIndex p) { return votes[p] != votes[*run]; });
        // Equal votes: the tie-break set the order of the run.
        if (end - run > 1) out.ties.push_back(Tie{out.rounds.size(), {run, end}, *run});
        for (; run != end; ++run) {
          if (exclusions.Excluded(*run)) {
            AddRound(out, *run, Decision::kExcluded, votes[*run], count.ballots(*run),
                     election.budget - out.total_cost);
            continue;
          }
          Select(out, election, *run, votes[*run], count.ballots(*run));
          exclusions.Fund(*run);
        }
      }
      break;
    }
    Rational fewest = votes[continuing.front()];
    for (ProjectIndex p : continuing) {
      if (votes[p] < fewest) fewest = votes[p];
    }
    std::vector<ProjectIndex> tied;
    for (ProjectIndex p : continuing) {
      if (votes[p] == fewest) tied.push_back(p);
    }
    const ProjectIndex loser = PickLoser(out, std::move(tied), tie_break);
    AddRound(out, loser, Decision::kEliminated, fewest, count.ballots(loser),
             election.budget - out.total_cost);
    count.Remove(loser, Rational(1));
    std::erase(continuing, loser);
  }
  return out;
}

namespace {

// Adds to d (n x n, row-major) the ballots ranking x above y, and counts the
// ballots ranking each project. Pos holds a rank; its maximum means unranked.
template <class Pos>
void CountPairs(const Profile& profile, std::size_t n, std::vector<std::uint64_t>& d,
                std::vector<std::int64_t>& ranked_by) {
  constexpr Pos kUnranked = std::numeric_limits<Pos>::max();
  // 32-bit counters vectorize twice as wide; each ballot adds at most 1, so
  // folding them into d every 2^31 ballots keeps them from overflowing.
  constexpr std::size_t kFoldEvery = std::size_t{1} << 31;
  std::vector<std::uint32_t> d32(n * n, 0);
  std::vector<Pos> pos(n, kUnranked);
  std::vector<ProjectIndex> distinct;
  auto fold = [&] {
    for (std::size_t i = 0; i < d32.size(); ++i) d[i] += d32[i];
    std::fill(d32.begin(), d32.end(), 0);
  };
  for (std::size_t b = 0; b < profile.size(); ++b) {
    distinct.clear();
    for (ProjectIndex p : profile.projects(b)) {
      if (pos[p] != kUnranked) continue;  // a repeated entry keeps its first rank
      pos[p] = static_cast<Pos>(distinct.size());
      distinct.push_back(p);
    }
    const Pos* __restrict ranks = pos.data();
    for (ProjectIndex x : distinct) {
      std::uint32_t* __restrict row = d32.data() + std::size_t{x} * n;
      const Pos rx = ranks[x];
      // Branch-free: ranked projects below x and every unranked one.
      for (std::size_t y = 0; y < n; ++y) row[y] += static_cast<std::uint32_t>(rx < ranks[y]);
      ++ranked_by[x];
    }
    for (ProjectIndex x : distinct) pos[x] = kUnranked;
    if ((b + 1) % kFoldEvery == 0) fold();
  }
  fold();
}

}  // namespace

Outcome RunSchulze(const Election& election, const TieBreak& tie_break) {
  Outcome out;
  out.criterion = "schulze_wins";
  out.budget = election.budget;
  const std::size_t n = election.projects.size();
  if (n == 0) return out;

  // d[x][y]: ballots ranking x above y. A ranked project is above every
  // unranked one; unranked projects are equal to each other.
  std::vector<std::uint64_t> d(n * n, 0);
  std::vector<std::int64_t> ranked_by(n, 0);
  if (n < 0xFF) {
    CountPairs<std::uint8_t>(election.profile, n, d, ranked_by);
  } else if (n < 0xFFFF) {
    CountPairs<std::uint16_t>(election.profile, n, d, ranked_by);
  } else {
    CountPairs<std::uint32_t>(election.profile, n, d, ranked_by);
  }

  // Strongest paths: widest paths over the winning margins (Floyd-Warshall).
  std::vector<std::uint64_t> path(n * n, 0);
  for (std::size_t x = 0; x < n; ++x) {
    for (std::size_t y = 0; y < n; ++y) {
      if (d[x * n + y] > d[y * n + x]) path[x * n + y] = d[x * n + y];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint64_t ji = path[j * n + i];
      if (j == i || ji == 0) continue;
      for (std::size_t k = 0; k < n; ++k) {
        if (k == i || k == j) continue;
        path[j * n + k] = std::max(path[j * n + k], std::min(ji, path[i * n + k]));
      }
    }
  }
  auto beats = [&](std::size_t x, std::size_t y) { return path[x * n + y] > path[y * n + x]; };
  std::vector<std::int64_t> wins(n, 0);
  for (std::size_t x = 0; x < n; ++x) {
    for (std::size_t y = 0; y < n; ++y) wins[x] += beats(x, y) ? 1 : 0;
  }

  // The ranking: repeatedly, the projects no remaining project beats. The
  // relation is transitive, so there is always one; several are tied.
  std::vector<ProjectIndex> remaining(n);
  std::iota(remaining.begin(), remaining.end(), ProjectIndex{0});
  while (!remaining.empty()) {
    std::vector<ProjectIndex> top;
    for (ProjectIndex x : remaining) {
      bool beaten = false;
      for (ProjectIndex y : remaining) beaten = beaten || beats(y, x);
      if (!beaten) top.push_back(x);
    }
    if (top.empty()) top = remaining;  // unreachable: Schulze's relation is transitive
    top = OrderTied(std::move(top), tie_break);
    // One round per project in ranking order, so the ranking index is the round index.
    if (top.size() > 1) out.ties.push_back(Tie{out.ranking.size(), top, top.front()});
    for (ProjectIndex x : top) {
      out.ranking.push_back(x);
      std::erase(remaining, x);
    }
  }

  // Fund down the ranking, skipping what no longer fits.
  Money left = election.budget;
  Exclusions exclusions(election);
  for (ProjectIndex x : out.ranking) {
    const Money cost = election.projects[x].cost;
    Decision decision = Decision::kSkipped;
    if (exclusions.Excluded(x)) {
      decision = Decision::kExcluded;
    } else if (cost <= left) {
      decision = Decision::kSelected;
      left -= cost;
      out.selected.push_back(x);
      out.total_cost += cost;
      exclusions.Fund(x);
    }
    AddRound(out, x, decision, Rational(static_cast<long>(wins[x])), ranked_by[x], left);
  }
  return out;
}

}  // namespace psephos::engine::internal
