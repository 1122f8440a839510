// libFuzzer target: what organizers and voters send as JSON.
//
// Each input that is JSON is read twice:
//  - as a process definition (POST/PUT /api/v1/processes): refused with a
//    message, or accepted; an accepted definition must survive
//    ProcessDefinitionJson -> ParseProcessDefinition unchanged, and its public
//    ballot JSON must serialize;
//  - as a ballot body (POST .../ballots) for a fixed process with four budgets
//    (approval, cumulative, ranked, knapsack): refused with named problems, or
//    accepted; an accepted ballot's canonical JSON must be accepted again as
//    itself, and a tally over it must succeed.
// Bytes go through ParseJson, the server's one reader. An input whose first
// byte is 0x01 is not JSON but a recipe for deep and wide JSON (see
// DeepWideJson): mutations of a few bytes reach nestings of a million levels
// and objects of thousands of keys that byte-level mutation never builds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/ballots/json_reader.h"
#include "psephos/server/process.h"

namespace {

using nlohmann::json;
using psephos::server::CheckProcessBallot;
using psephos::server::ParseProcessDefinition;
using psephos::server::ProcessDefinition;
using psephos::server::ProcessDefinitionJson;

constexpr const char* kFixed = R"({
  "slug": "fuzz", "title": "Fuzzed ballots", "groups": ["a", "b"],
  "budgets": [
    {"id": "approve", "amount": 100, "rule": "mes",
     "ballot": {"type": "approval", "min_projects": 1, "max_projects": 2},
     "projects": [{"id": "a", "name": "A", "cost": 60}, {"id": "b", "name": "B", "cost": 50},
                  {"id": "c", "name": "C", "cost": 40}]},
    {"id": "points", "amount": "250.50", "rule": "greedy",
     "ballot": {"type": "cumulative", "min_points": 1, "max_points": 5, "max_total_points": 10},
     "projects": [{"id": "p1", "name": "P1", "cost": "100.25"}, {"id": "p2", "name": "P2", "cost": 150}]},
    {"id": "ranked", "amount": 90, "rule": "stv", "tie_break": "cost",
     "ballot": {"type": "ranked", "max_projects": 3},
     "projects": [{"id": "x", "name": "X", "cost": 30}, {"id": "y", "name": "Y", "cost": 30},
                  {"id": "z", "name": "Z", "cost": 30}, {"id": "w", "name": "W", "cost": 30}]},
    {"id": "sack", "amount": 70, "rule": "knapsack", "ballot": {"type": "knapsack"},
     "projects": [{"id": "k1", "name": "K1", "cost": 40}, {"id": "k2", "name": "K2", "cost": 30},
                  {"id": "k3", "name": "K3", "cost": 20}]}
  ]
})";

// Areas and a heading: eligibility, and ballots that come in on paper.
constexpr const char* kAreas = R"({
  "slug": "areas", "title": "Fuzzed eligibility", "areas": ["north", "south"],
  "headings": [{"id": "park", "title": "Park"}],
  "budgets": [
    {"id": "approve", "amount": 100, "ballot": {"type": "approval", "max_projects": 2},
     "projects": [{"id": "a", "name": "A", "cost": 60}, {"id": "b", "name": "B", "cost": 50}]},
    {"id": "north", "area": "north", "amount": 10, "projects": [{"id": "n", "name": "N", "cost": 5}]},
    {"id": "south", "area": "south", "amount": 10, "projects": [{"id": "s", "name": "S", "cost": 5}]},
    {"id": "park-a", "heading": "park", "amount": 10, "projects": [{"id": "pa", "name": "PA", "cost": 5}]},
    {"id": "park-b", "heading": "park", "amount": 10, "rule": "greedy-score",
     "ballot": {"type": "ranked"}, "projects": [{"id": "pb", "name": "PB", "cost": 5}]}
  ]
})";

[[noreturn]] void Fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "process_json_fuzz: %s\n", what.c_str());
  std::fwrite(detail.data(), 1, detail.size(), stderr);  // may hold NUL bytes
  std::fputc('\n', stderr);
  std::abort();
}

const ProcessDefinition& Fixed() {
  static const ProcessDefinition process = [] {
    auto parsed = ParseProcessDefinition(json::parse(kFixed));
    if (!parsed.ok()) Fail("the fixed process does not parse", parsed.status().message());
    return std::move(parsed).value();
  }();
  return process;
}

void AsDefinition(const json& input) {
  auto definition = ParseProcessDefinition(input);
  if (!definition.ok()) {
    if (definition.status().message().empty()) Fail("a refusal without a message", input.dump());
    return;
  }
  const json written = ProcessDefinitionJson(*definition);
  auto again = ParseProcessDefinition(written);
  if (!again.ok()) Fail("a stored definition does not parse again: " + again.status().message(), written.dump());
  if (ProcessDefinitionJson(*again) != written) Fail("a definition changes when stored twice", written.dump());
  (void)psephos::server::PublicBallotJson(*definition).dump();
}

const ProcessDefinition& Areas() {
  static const ProcessDefinition process = [] {
    auto parsed = ParseProcessDefinition(json::parse(kAreas));
    if (!parsed.ok()) Fail("the areas process does not parse", parsed.status().message());
    return std::move(parsed).value();
  }();
  return process;
}

void AsBallot(const ProcessDefinition& process, const json& input, const std::string& area,
              psephos::server::Channel channel) {
  std::vector<psephos::ballots::BallotProblem> problems;
  const std::string canonical = CheckProcessBallot(process, input, &problems, area, channel);
  if (!problems.empty()) {
    if (!canonical.empty()) Fail("a refused ballot has a canonical form", input.dump());
    for (const auto& p : problems) {
      if (p.code.empty() || p.message.empty()) Fail("a problem without code or message", input.dump());
      (void)json{{"code", p.code}, {"message", p.message}}.dump();  // what ErrorResponse sends
    }
    return;
  }
  json stored = json::parse(canonical, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) Fail("the canonical ballot is not a JSON object", canonical);
  const psephos::server::BallotFacts facts = psephos::server::StoredBallotFacts(process, stored);
  if (facts.channel != channel) Fail("the stored ballot lost its channel", canonical);
  // Eligible budgets only, one per heading, one area at most.
  std::set<std::string> headings;
  for (std::size_t i = 0; i < process.budgets.size(); ++i) {
    if (!(facts.budgets & (1u << i))) continue;
    const auto& b = process.budgets[i];
    if (!b.area.empty() && b.area != area) Fail("a ballot votes in another area's budget", canonical);
    if (!b.heading.empty() && !headings.insert(b.heading).second) Fail("two budgets of one heading", canonical);
  }
  stored.erase("_channel");
  std::vector<psephos::ballots::BallotProblem> again_problems;
  const std::string again = CheckProcessBallot(process, json{{"ballots", stored}}, &again_problems, area, channel);
  if (!again_problems.empty()) Fail("a stored ballot is refused: " + again_problems[0].message, canonical);
  if (again != canonical) Fail("a stored ballot changes when checked again", canonical + "\n" + again);
  auto tally = psephos::server::TallyProcess(process, {canonical});
  if (!tally.ok()) Fail("an accepted ballot cannot be tallied: " + tally.status().message(), canonical);
  (void)tally->dump();
}

// Recipe: [0x01][depth: 3 bytes][width: 2 bytes][kind: 1 byte][tail...]:
// `depth` containers (arrays, objects or both, by `kind`) inside each other,
// each holding `width` siblings, inside a ballot body, with the tail bytes
// spliced in as a string. At most about 4 MiB of text.
std::string DeepWideJson(const std::uint8_t* data, std::size_t size, std::size_t* nesting) {
  auto byte = [&](std::size_t i) -> std::size_t { return i < size ? data[i] : 0; };
  const std::size_t depth = (byte(1) << 16 | byte(2) << 8 | byte(3)) % (1u << 20);
  const std::size_t width = (byte(4) << 8 | byte(5)) % 4096;
  const std::size_t kind = byte(6) % 3;
  std::string tail;
  for (std::size_t i = 7; i < size && tail.size() < 64; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c >= 0x20 && c != '"' && c != '\\') tail += c;
  }
  std::string text = R"({"code": "x", "ballots": {"approve": {"projects": )";
  std::string close;
  for (std::size_t level = 0; level < depth && text.size() < (4u << 20); ++level) {
    const bool object = kind == 1 || (kind == 2 && level % 2 == 1);
    text += object ? "{" : "[";
    for (std::size_t i = 0; i < width && text.size() < (4u << 20); ++i) {
      if (object) text += "\"k" + std::to_string(i) + "\": ";
      text += "\"" + tail + "\", ";
    }
    if (object) text += "\"next\": ";
    close += object ? "}" : "]";
  }
  text += "[\"a\"]";
  *nesting = 3 + close.size() + 1;  // the body, "ballots", "approve", the levels, ["a"]
  text.append(close.rbegin(), close.rend());
  return text + "}}}";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Fixed();
  (void)Areas();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text;
  std::size_t depth = 0;
  if (size > 0 && data[0] == 0x01) {
    text = DeepWideJson(data, size, &depth);
  } else {
    text.assign(reinterpret_cast<const char*>(data), size);
  }
  auto parsed = psephos::ballots::ParseJson(text);
  if (depth > 64 && parsed.ok()) Fail("JSON deeper than 64 levels was accepted", text.substr(0, 200));
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) Fail("a JSON refusal without a message", text.substr(0, 200));
    (void)json{{"message", parsed.status().message()}}.dump();  // what ErrorResponse sends: valid UTF-8
    return 0;
  }
  const json& input = *parsed;
  AsDefinition(input);
  AsBallot(Fixed(), input, "", psephos::server::Channel::kOnline);
  AsBallot(Areas(), input, "north", psephos::server::Channel::kPaper);
  return 0;
}
