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
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

void AsBallot(const json& input) {
  const ProcessDefinition& process = Fixed();
  std::vector<psephos::ballots::BallotProblem> problems;
  const std::string canonical = CheckProcessBallot(process, input, &problems);
  if (!problems.empty()) {
    if (!canonical.empty()) Fail("a refused ballot has a canonical form", input.dump());
    for (const auto& p : problems) {
      if (p.code.empty() || p.message.empty()) Fail("a problem without code or message", input.dump());
      (void)json{{"code", p.code}, {"message", p.message}}.dump();  // what ErrorResponse sends
    }
    return;
  }
  const json stored = json::parse(canonical, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) Fail("the canonical ballot is not a JSON object", canonical);
  std::vector<psephos::ballots::BallotProblem> again_problems;
  const std::string again = CheckProcessBallot(process, json{{"ballots", stored}}, &again_problems);
  if (!again_problems.empty()) Fail("a stored ballot is refused: " + again_problems[0].message, canonical);
  if (again != canonical) Fail("a stored ballot changes when checked again", canonical + "\n" + again);
  auto tally = psephos::server::TallyProcess(process, {canonical});
  if (!tally.ok()) Fail("an accepted ballot cannot be tallied: " + tally.status().message(), canonical);
  (void)tally->dump();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Fixed();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json input = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return 0;
  AsDefinition(input);
  AsBallot(input);
  return 0;
}
