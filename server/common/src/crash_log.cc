#include "psephos/server/crash_log.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "psephos/server/slug.h"

namespace psephos::server {
namespace {

// Read by the signal handler: plain bytes, no allocation.
thread_local char current_route[192] = "";

void Write(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void OnFatalSignal(int signal) {
  Write("psephos-server: crashed with ");
  Write(signal == SIGSEGV   ? "SIGSEGV"
        : signal == SIGBUS  ? "SIGBUS"
        : signal == SIGFPE  ? "SIGFPE"
        : signal == SIGILL  ? "SIGILL"
                            : "SIGABRT");
  Write(current_route[0] ? " while handling " : " outside any request");
  Write(current_route);
  Write("\n");
  // Die of the same signal, as without this handler (SA_RESETHAND restored it).
  ::raise(signal);
}

// Route words the API uses; anything else past the slug is a value.
bool IsRouteWord(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '-' || c == '.')) return false;
  }
  return true;
}

}  // namespace

void InstallCrashLog() {
  struct sigaction action {};
  action.sa_handler = OnFatalSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_ONSTACK | SA_RESETHAND;
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(signal, &action, nullptr);
  PrepareThreadForCrashLog();
}

namespace {

// The thread's own signal stack while it lives; unregistered before it is freed.
struct AltStack {
  std::unique_ptr<char[]> memory;
  ~AltStack() {
    if (!memory) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
  }
};

}  // namespace

void PrepareThreadForCrashLog() {
  thread_local AltStack stack;
  if (stack.memory) return;
  // A thread that has one already (the sanitizers give every thread theirs,
  // and unmap it themselves at its end) keeps it.
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  constexpr std::size_t kSize = 64 << 10;  // ample for the handler
  stack.memory = std::make_unique<char[]>(kSize);
  stack_t alt{};
  alt.ss_sp = stack.memory.get();
  alt.ss_size = kSize;
  ::sigaltstack(&alt, nullptr);
}

CrashLogScope::CrashLogScope(std::string_view method, std::string_view target) {
  const std::string route = RouteForLog(method, target);
  const std::size_t n = std::min(route.size(), sizeof(current_route) - 1);
  std::memcpy(current_route, route.data(), n);
  current_route[n] = '\0';
}

CrashLogScope::~CrashLogScope() { current_route[0] = '\0'; }

std::string RouteForLog(std::string_view method, std::string_view target) {
  std::string out(method);
  out += ' ';
  target = target.substr(0, target.find_first_of("?#"));
  std::size_t index = 0;
  bool first = true;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    const std::size_t slash = target.find('/');
    const std::string_view segment = target.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
    out += '/';
    // /api/v1/processes/<slug>/...: the slug names the vote, never a voter.
    const bool keep = IsRouteWord(segment) || (index <= 3 && IsValidSlug(segment));
    out += keep ? segment : std::string_view("*");
    ++index;
    first = false;
  }
  if (first) out += '/';
  return out;
}

}  // namespace psephos::server
