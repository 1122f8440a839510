// psephos check, run as an auditor runs it: every shared file with a published
// outcome either matches its recount or is listed, with every differing
// project, in docs/official-rules.md; and a hand-made file shows each kind of
// difference named.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "../support/cli_runner.h"
#include "../support/temp_dir.h"

namespace {

using psephos::test::RunPsephos;

const std::filesystem::path kDocs = std::filesystem::path(PSEPHOS_TEST_DATA) / ".." / ".." / "docs" / "official-rules.md";

// The docs table's rows by file name.
std::map<std::string, std::string> DocumentedDifferences() {
  std::ifstream in(kDocs);
  REQUIRE_MESSAGE(in.good(), "missing " << kDocs.string());
  std::map<std::string, std::string> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| ")) continue;
    const std::string file = line.substr(2, line.find(" |", 2) - 2);
    if (file.ends_with(".pb")) rows[file] = line;
  }
  return rows;
}

bool HasSelectedColumn(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PROJECTS", 0) == 0) {
      std::getline(in, line);
      return line.find("selected") != std::string::npos;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("check: every shared file with a published outcome matches, or its differences are documented") {
  const auto documented = DocumentedDifferences();
  int files = 0, passed = 0;
  std::set<std::string> failed;
  for (const auto& entry : std::filesystem::directory_iterator(PSEPHOS_SHARED_PABULIB)) {
    if (entry.path().extension() != ".pb" || !HasSelectedColumn(entry.path())) continue;
    const std::string file = entry.path().filename().string();
    CAPTURE(file);
    ++files;
    auto r = RunPsephos("check " + entry.path().string());
    if (r.exit_code == 0) {
      CHECK(r.out.find("CHECK PASSED") != std::string::npos);
      CHECK_MESSAGE(documented.count(file) == 0, "documented as differing, but the recount matches");
      ++passed;
      continue;
    }
    REQUIRE(r.exit_code == 1);
    failed.insert(file);
    CHECK(r.out.find("CHECK FAILED") != std::string::npos);
    const auto row = documented.find(file);
    REQUIRE_MESSAGE(row != documented.end(), "not in docs/official-rules.md:\n" << r.out);
    // Every project named in a difference is named in the row ((rule) for the file).
    const std::regex difference(R"(DIFFERENCE (project (\S+),|\(file\)))");
    for (std::sregex_iterator it(r.out.begin(), r.out.end(), difference), end; it != end; ++it) {
      const std::string project = (*it)[2].matched ? (*it)[2].str() : "(rule)";
      CHECK_MESSAGE(row->second.find(project) != std::string::npos, "difference for " << project << " undocumented");
    }
  }
  for (const auto& [file, row] : documented) CHECK_MESSAGE(failed.count(file) == 1, file << " documented, not seen");
  CHECK(files == 52);
  CHECK(passed == 46);
}

TEST_CASE("check names each difference: a tie, a withdrawn project, missing votes, and fails with exit 1") {
  psephos::test::TempDir dir;
  const auto path = dir.path() / "niskie.pb";
  // Published: 308 funded (as if the city had broken the tie otherwise) and
  // W, which the count funds, not; 615's published votes are one too many.
  std::ofstream(path) << "META\nkey;value\nbudget;250\nvote_type;approval\nrule;greedy\n"
                         "PROJECTS\nproject_id;cost;votes;selected\n"
                         "W;100;3;0\n615;100;3;0\n308;100;2;1\nC;300;1;0\n"
                         "VOTES\nvoter_id;vote\n1;W,615,308\n2;W,615,308\n3;W,C\n";
  auto r = RunPsephos("check " + path.string());
  CHECK(r.exit_code == 1);
  CAPTURE(r.out);
  CHECK(r.out.find("recounted with: greedy-score    tie-break: file") != std::string::npos);
  CHECK(r.out.find("DIFFERENCE project 615, votes: published 3, recounted 2") != std::string::npos);
  CHECK(r.out.find("DIFFERENCE project W, selected: published not funded, recounted funded\n"
                   "    likely cause: withdrawn project?") != std::string::npos);
  CHECK(r.out.find("DIFFERENCE project 615, selected: published not funded, recounted funded\n"
                   "    likely cause: missing data") != std::string::npos);
  CHECK(r.out.find("DIFFERENCE project 308, selected: published funded, recounted not funded (skipped)\n"
                   "    likely cause: tie") != std::string::npos);
  CHECK(r.out.find("CHECK FAILED: 4 differences") != std::string::npos);

  // The same file as the city published it (W and 615 funded, 308 by the
  // file-order tie-break not): it passes.
  std::ofstream(path) << "META\nkey;value\nbudget;250\nvote_type;approval\nrule;greedy\n"
                         "PROJECTS\nproject_id;cost;votes;selected\n"
                         "W;100;3;1\n615;100;2;1\n308;100;2;0\nC;300;1;0\n"
                         "VOTES\nvoter_id;vote\n1;W,615,308\n2;W,615,308\n3;W,C\n";
  auto ok = RunPsephos("check " + path.string());
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("CHECK PASSED") != std::string::npos);

  auto bad = RunPsephos("check " + (dir.path() / "missing.pb").string());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("cannot open") != std::string::npos);
}
