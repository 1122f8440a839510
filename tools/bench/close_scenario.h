// psephos_server_load --close FILE.pb: the voters of a pabulib file vote in one
// process over HTTPS; it is closed (counted with --close-rule) while a second
// process votes at --other-rate ballots a second. Prints the close's time end
// to end, the other process's latencies during it, and the peak memory.
#pragma once

#include <string>

namespace psephos::bench {

struct CloseScenario {
  std::string file;
  std::string rule = "mes-add1";
  double other_rate = 200;  // ballots/s of the second process, open loop
  long server_threads = 1;
  long voters = 0;  // 0: every voter of the file
  bool keep = false;
  std::string bundle;  // when set: the closed process's bundle is saved here, for `psephos audit`
};

// Returns the exit code: 0 when every ballot was answered 201 and the close 200.
int RunCloseScenario(const CloseScenario& options);

}  // namespace psephos::bench
