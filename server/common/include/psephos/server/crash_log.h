// A crash leaves one line on stderr (the journal, under systemd) naming the
// signal and the request being handled: its method and route, with every
// path segment that could carry a code, token or receipt replaced by "*".
#pragma once

#include <string>
#include <string_view>

namespace psephos::server {

// Installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT that log
// and then die as before (so systemd sees the signal and restarts the unit).
void InstallCrashLog();

// Gives the calling thread its own signal stack, so that a stack overflow
// can still be logged. Call once at the start of every thread that runs
// handlers.
void PrepareThreadForCrashLog();

// The request the calling thread is handling, for the crash line.
class CrashLogScope {
 public:
  CrashLogScope(std::string_view method, std::string_view target);
  ~CrashLogScope();
  CrashLogScope(const CrashLogScope&) = delete;
  CrashLogScope& operator=(const CrashLogScope&) = delete;
};

// "POST /api/v1/processes/school/ballots" from a target; segments other than
// route words and the process slug become "*", the query is dropped.
std::string RouteForLog(std::string_view method, std::string_view target);

}  // namespace psephos::server
