// Runs the psephos command line as a user does: a process, its stdout, stderr
// and exit code.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace psephos::test {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline CliRun RunPsephos(const std::string& args) {
  static std::atomic<int> counter{0};
  std::string stem = "psephos_cli_";
  stem += std::to_string(::getpid());
  stem += '_';
  stem += std::to_string(counter++);
  const auto dir = std::filesystem::temp_directory_path();
  const auto out = dir / (stem + ".out");
  const auto err = dir / (stem + ".err");
  const std::string cmd = std::string(PSEPHOS_CLI) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  CliRun r{WEXITSTATUS(status), Slurp(out), Slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace psephos::test
