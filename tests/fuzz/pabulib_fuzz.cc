// libFuzzer target: the pabulib reader and writer.
//
// Any input may be refused, but never crash, leak or hit undefined behaviour.
// A file that parses must be written back and re-parsed to the same election
// (WritePabulib's contract), and writing that election again must give the
// same bytes. A file that parses is also offered to the server's importer
// (POST /api/v1/processes/import).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "psephos/ballots/pabulib.h"
#include "psephos/engine/election.h"
#include "psephos/server/process_pabulib.h"

namespace {

using psephos::engine::Election;

// The first field in which two elections differ, or "" when they are equal.
std::string FirstDifference(const Election& a, const Election& b) {
  if (a.meta != b.meta) {
    for (std::size_t i = 0; i < std::min(a.meta.size(), b.meta.size()); ++i) {
      if (a.meta[i] != b.meta[i]) {
        return "meta entry " + std::to_string(i) + ": \"" + a.meta[i].first + ";" + a.meta[i].second +
               "\" became \"" + b.meta[i].first + ";" + b.meta[i].second + "\"";
      }
    }
    return "number of meta entries";
  }
  if (a.budget != b.budget) return "budget";
  if (a.money_scale != b.money_scale) return "money_scale";
  if (a.ballot_type != b.ballot_type) return "ballot_type";
  if (!(a.rules == b.rules)) return "ballot rules";
  if (a.projects.size() != b.projects.size()) return "number of projects";
  for (std::size_t i = 0; i < a.projects.size(); ++i) {
    const auto& p = a.projects[i];
    const auto& q = b.projects[i];
    if (p.id != q.id) return "project " + std::to_string(i) + " id";
    if (p.cost != q.cost) return "project " + p.id + " cost";
    if (p.attributes != q.attributes) return "project " + p.id + " attributes";
    if (p.exclusive_group != q.exclusive_group) return "project " + p.id + " exclusive group";
  }
  if (a.profile.size() != b.profile.size()) return "number of ballots";
  if (a.profile.has_points() != b.profile.has_points()) return "points or not";
  for (std::size_t v = 0; v < a.profile.size(); ++v) {
    const auto pa = a.profile.projects(v), pb = b.profile.projects(v);
    if (!std::equal(pa.begin(), pa.end(), pb.begin(), pb.end())) return "ballot " + std::to_string(v) + " projects";
    const auto xa = a.profile.points(v), xb = b.profile.points(v);
    if (!std::equal(xa.begin(), xa.end(), xb.begin(), xb.end())) return "ballot " + std::to_string(v) + " points";
  }
  if (a.voter_columns != b.voter_columns) return "voter columns";
  if (a.voter_values != b.voter_values) return "voter values";
  return "";
}

[[noreturn]] void Fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "pabulib_fuzz: %s\n", what.c_str());
  std::fwrite(detail.data(), 1, detail.size(), stderr);  // may hold NUL bytes
  std::fputc('\n', stderr);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = psephos::ballots::ParsePabulib(text, "fuzz.pb");
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) Fail("a refusal without a message", "");
    return 0;
  }
  const std::string written = psephos::ballots::WritePabulib(*parsed);
  auto again = psephos::ballots::ParsePabulib(written, "written.pb");
  if (!again.ok()) Fail("the written file does not parse: " + again.status().message(), written);
  const std::string difference = FirstDifference(*parsed, *again);
  if (!difference.empty()) Fail("parse -> write -> parse changed the " + difference, written);
  if (psephos::ballots::WritePabulib(*again) != written) Fail("writing is not deterministic", written);

  // The server's importer reads the same text; it may refuse, never crash.
  auto process = psephos::server::ProcessFromPabulib(text, "fuzz");
  if (process.ok()) {
    auto json = psephos::server::ProcessDefinitionJson(*process);
    auto reread = psephos::server::ParseProcessDefinition(json);
    if (!reread.ok()) Fail("an imported definition does not re-parse: " + reread.status().message(), json.dump());
  }
  return 0;
}
