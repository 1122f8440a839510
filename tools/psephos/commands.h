// Subcommands of the psephos CLI. Each returns the process exit code:
// 0 success, 2 bad input (message on stderr), 1 an internal failure.
#pragma once

#include <string>
#include <vector>

namespace psephos::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

int TallyCommand(const std::vector<std::string>& args);
int ExplainCommand(const std::vector<std::string>& args);
int AuditCommand(const std::vector<std::string>& args);
// Exit 0: the recount matches what the file publishes; 1: a difference (named); 2: bad input.
int CheckCommand(const std::vector<std::string>& args);
int ReportCommand(const std::vector<std::string>& args);

}  // namespace psephos::cli
