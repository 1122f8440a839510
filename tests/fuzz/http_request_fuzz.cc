// libFuzzer target: raw bytes as they arrive on a connection, after TLS.
//
// The bytes go through Beast's request parser with the server's limits
// (HttpLimits defaults), as HttpsServer reads them; each request that parses
// (up to 16 pipelined in one input) goes to Api::Handle of a fresh Api over an
// in-memory SQLite store holding:
//   - "school": open, one approval budget, voter codes kCodes (group student);
//   - "draft": a draft with the same definition.
// Devices: "Device kiosk-secret", "Device clerk-a-secret", "Device clerk-b-secret".
// The organizer token is kToken, so inputs that carry it reach organizer
// routes (seeds in tests/fuzz/corpus/http_request_fuzz do).
//
// Every request must be answered exactly once, with a status from 100 to 499
// (a 5xx here means a refusal that should have been a 4xx, or a failure the
// in-memory store cannot have), and a JSON body that is valid JSON. An
// exception escaping Handle counts as a failure too: the server would turn it
// into a 500.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "psephos/server/api.h"
#include "psephos/server/paper.h"
#include "psephos/server/https_server.h"
#include "psephos/server/process.h"
#include "psephos/server/secrets.h"
#include "psephos/server/signing.h"

namespace {

namespace http = boost::beast::http;
using nlohmann::json;
using namespace psephos::server;

constexpr const char* kToken = "organizer-secret";
const char* const kCodes[] = {"AAAA-BBBB-CCCC-0001", "AAAA-BBBB-CCCC-0002", "AAAA-BBBB-CCCC-0003",
                              "AAAA-BBBB-CCCC-0004", "AAAA-BBBB-CCCC-0005"};
constexpr const char* kSchool = R"({
  "slug": "school", "title": "Roosevelt High PB", "groups": ["student", "family"],
  "budgets": [{
    "id": "main", "amount": 100, "currency": "USD", "rule": "greedy",
    "ballot": {"type": "approval", "min_projects": 1, "max_projects": 2},
    "projects": [{"id": "a", "name": "Shade trees", "cost": 60}, {"id": "b", "name": "Bike racks", "cost": 50},
                 {"id": "c", "name": "Books", "cost": 40}]
  }]
})";
constexpr int kMaxRequests = 16;
constexpr auto kReplyWait = std::chrono::seconds(20);

[[noreturn]] void Fail(const std::string& what, const std::string& detail = "") {
  std::fprintf(stderr, "http_request_fuzz: %s\n", what.c_str());
  std::fwrite(detail.data(), 1, detail.size(), stderr);  // may hold NUL bytes
  std::fputc('\n', stderr);
  std::abort();
}

template <class T>
T Must(psephos::Result<T> result, const char* what) {
  if (!result.ok()) Fail(what, result.status().message());
  return std::move(result).value();
}

void Must(const psephos::Status& status, const char* what) {
  if (!status.ok()) Fail(what, status.message());
}

// The store every input starts from.
std::unique_ptr<Storage> FreshStore() {
  auto storage = Must(OpenSqliteStorage(":memory:"), "cannot open an in-memory store");
  static const std::string definition =
      ProcessDefinitionJson(Must(ParseProcessDefinition(json::parse(kSchool)), "kSchool")).dump();
  const ProcessId school = Must(storage->CreateProcess("school", definition), "create school");
  std::vector<std::string> hashes;
  std::string csv = "code,group,area\n";
  for (const char* code : kCodes) {
    hashes.push_back(VoterCodeHash(NormalizeVoterCode(code)));
    csv += std::string(code) + ",student,\n";
  }
  Must(storage->AddCodeBatch(school, "student", "", hashes, csv), "add codes");
  Must(storage->SetState(school, ProcessState::kOpen), "open school");
  // Devices with known tokens, and paper sheets P1-0001-2V, P1-0002-ZY, P1-0003-BT.
  // The kiosk takes 5 walk-ins without a wait between sessions (the seed kiosk_limits changes both).
  Must(storage->AddDevice(school, DeviceRecord{0, DeviceRole::kKiosk, "Kiosk", Sha256Hex("kiosk-secret"), false, 0, 5, 0}),
       "kiosk");
  Must(storage->AddDevice(school, DeviceRecord{0, DeviceRole::kClerk, "Clerk A", Sha256Hex("clerk-a-secret"), false, 0}),
       "clerk");
  Must(storage->AddDevice(school, DeviceRecord{0, DeviceRole::kClerk, "Clerk B", Sha256Hex("clerk-b-secret"), false, 0}),
       "clerk");
  Must(storage->AddPaperBatch(school, "", "en", 3, PaperSerial), "paper");
  std::string draft = definition;
  draft.replace(draft.find("\"school\""), 8, "\"draft\"");
  Must(storage->CreateProcess("draft", draft), "create draft");
  return storage;
}

// One request's answers, filled in from whatever thread replies.
struct Answers {
  std::mutex mu;
  std::condition_variable cv;
  int count = 0;
  unsigned status = 0;
  std::string problem;
};

// Feeds bytes to `parser` as the server's read loop would; returns how many
// it used. The message is complete when parser.is_done() and `ec` is clear.
std::size_t Feed(http::request_parser<http::string_body>& parser, const char* data, std::size_t size,
                 boost::beast::error_code& ec) {
  std::size_t used = 0;
  while (!parser.is_done()) {
    if (used == size) {  // the input ends inside the message
      parser.put_eof(ec);
      break;
    }
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      ec = {};
      if (n == 0) {  // a header that does not end before the input does
        parser.put_eof(ec);
        break;
      }
    } else if (ec) {
      break;
    }
  }
  return used;
}

void Handle(Api& api, Request request, std::vector<std::shared_ptr<Answers>>& all) {
  auto answers = std::make_shared<Answers>();
  all.push_back(answers);
  const std::string target(request.target());
  Reply reply = [answers](Response response) {
    std::string problem;
    const unsigned status = response.result_int();
    if (status < 100 || status >= 500) problem = "status " + std::to_string(status) + ": " + response.body();
    const std::string_view type = response[http::field::content_type];
    if (problem.empty() && type.rfind("application/json", 0) == 0 &&
        json::parse(response.body(), nullptr, false).is_discarded()) {
      problem = "a JSON response that is not JSON: " + response.body();
    }
    std::lock_guard lock(answers->mu);
    ++answers->count;
    answers->status = status;
    if (answers->problem.empty()) answers->problem = problem;
    answers->cv.notify_all();
  };
  try {
    api.Handle(std::move(request), "10.0.0.1", reply);
  } catch (const std::exception& e) {
    Fail(std::string("Api::Handle threw (the server would answer 500): ") + e.what(), target);
  }
  std::unique_lock lock(answers->mu);
  if (!answers->cv.wait_for(lock, kReplyWait, [&] { return answers->count > 0; })) {
    Fail("no reply within 20 s", target);
  }
  if (!answers->problem.empty()) Fail(answers->problem, target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const HttpLimits limits;
  static const SigningKey key = Must(SigningKey::Generate(), "signing key");
  auto storage = FreshStore();
  std::vector<std::shared_ptr<Answers>> answers;
  {
    DbWorker worker(*storage);
    ApiOptions options;
    options.max_codes_per_batch = 50;  // code generation is not what is fuzzed here
    auto api = Must(Api::Create(worker, Sha256Hex(kToken), key, options), "Api::Create");

    const char* bytes = reinterpret_cast<const char*>(data);
    std::size_t offset = 0;
    for (int n = 0; n < kMaxRequests && offset < size; ++n) {
      http::request_parser<http::string_body> parser;
      parser.eager(true);
      parser.body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      boost::beast::error_code ec;
      const std::size_t used = Feed(parser, bytes + offset, size - offset, ec);
      if (ec || !parser.is_done()) break;  // the server answers 400/413/431 or closes
      offset += used;
      Handle(*api, parser.release(), answers);
    }
    api->Stop();     // as on SIGTERM: a close waiting for its count is answered 202
    worker.Stop();  // runs whatever is still queued: a late second reply would show now
  }
  for (const auto& a : answers) {
    std::lock_guard lock(a->mu);
    if (a->count != 1) Fail("a request was answered " + std::to_string(a->count) + " times");
  }
  return 0;
}
