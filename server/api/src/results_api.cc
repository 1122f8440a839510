// What the public and auditors read after the vote: the ballot log's board
// with inclusion and consistency proofs, the signed bundle, and budgets as .pb files.
#include "psephos/server/api.h"

#include "psephos/ballots/json_reader.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/bundle.h"
#include "psephos/server/process_pabulib.h"
#include "responses.h"

namespace psephos::server {

using nlohmann::json;

namespace {

// A private receipt's lookup proves that the leaf is in the log, nothing more:
// no entry, no ballot, and no word on whether it counted (a coercer holding an
// old receipt must not learn that the voter voted again).
json PrivateReceiptAnswer(const std::string& receipt, std::size_t index, std::vector<std::string> proof,
                          std::size_t size, const std::string& head) {
  return {{"receipt", receipt}, {"receipts", ReceiptModeName(ReceiptMode::kPrivate)},
          {"index", index},     {"proof", std::move(proof)},
          {"size", size},       {"head", head}};
}

}  // namespace

// The public board: the count and head of the ballot log at any time, and
// after the close, any receipt's entry with its inclusion proof.
void Api::Board(const std::shared_ptr<LiveProcess>& p, const std::string& receipt, Reply reply, bool synced) {
  if (shared_store_ && !synced) {
    return SyncLog(p, [this, p, receipt, reply]() mutable { Board(p, receipt, std::move(reply), true); }, reply);
  }
  std::unique_lock lock(mutex_);
  if (p->state == ProcessState::kDraft) return reply(ErrorResponse(http::status::not_found, "not_found", "no such resource"));
  if (p->head.empty()) p->head = p->log_head.Extend(p->log);
  const std::string head = p->head;
  const std::size_t size = p->log.size();
  if (receipt.empty()) {
    return reply(JsonResponse(http::status::ok, {{"ballots", size}, {"head", head},
                                                 {"state", ProcessPhaseName(Phase(*p))}}));
  }
  if (p->state == ProcessState::kOpen || p->closing) {
    return reply(ErrorResponse(http::status::conflict, "voting_open",
                               "receipts can be looked up once voting has closed"));
  }
  auto it = std::find(p->log.begin(), p->log.end(), receipt);
  if (it == p->log.end()) {
    return reply(ErrorResponse(http::status::not_found, "unknown_receipt", "no ballot in the log has this receipt"));
  }
  const std::size_t index = static_cast<std::size_t>(it - p->log.begin());
  std::vector<std::string> proof = InclusionProof(p->log, index);
  if (p->definition.receipts == ReceiptMode::kPrivate) {
    return reply(JsonResponse(http::status::ok, PrivateReceiptAnswer(receipt, index, std::move(proof), size, head)));
  }
  lock.unlock();
  worker_.Post([p, index, size, head, receipt, proof = std::move(proof), reply = std::move(reply)](Storage& storage) {
    auto log = storage.LoadLog(p->id);
    if (!log.ok() || index >= log->size()) {
      return reply(ErrorResponse(http::status::internal_server_error, "storage", "the log could not be read"));
    }
    const StoredBallot& b = (*log)[index];
    const std::string entry = LogEntry(p->definition.slug, b.ballot, b.salt);
    reply(JsonResponse(http::status::ok, {{"receipt", receipt},
                                          {"receipts", ReceiptModeName(ReceiptMode::kVerifiable)},
                                          {"index", index},
                                          {"entry", entry},
                                          {"ballot", ballots::ParseJson(b.ballot).value_or(json())},
                                          {"counted", !b.superseded},
                                          {"proof", proof},
                                          {"size", size},
                                          {"head", head}}));
  });
}

namespace {

// A tree size from the query: decimal digits only; nullopt otherwise.
std::optional<std::size_t> ParseSize(const std::string& text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace

// The board only grows: a consistency proof (RFC 9162 section 2.1.4) from the
// head of the first `from` ballots to that of the first `to` (default: all).
void Api::Consistency(const std::shared_ptr<LiveProcess>& p, const std::string& from_text, const std::string& to_text,
                      Reply reply, bool synced) {
  if (shared_store_ && !synced) {
    return SyncLog(p, [this, p, from_text, to_text, reply]() mutable {
      Consistency(p, from_text, to_text, std::move(reply), true);
    }, reply);
  }
  auto bad = [&](const std::string& code, const std::string& message) {
    reply(ErrorResponse(http::status::bad_request, code, message));
  };
  if (from_text.empty()) return bad("missing_from", "add ?from=SIZE: the number of ballots of the head you noted");
  const auto from = ParseSize(from_text);
  if (!from) return bad("invalid_size", "from: \"" + from_text + "\" is not a number of ballots");
  std::unique_lock lock(mutex_);
  if (p->state == ProcessState::kDraft) return reply(ErrorResponse(http::status::not_found, "not_found", "no such resource"));
  const std::size_t size = p->log.size();
  const auto to = to_text.empty() ? std::optional<std::size_t>(size) : ParseSize(to_text);
  if (!to) return bad("invalid_size", "to: \"" + to_text + "\" is not a number of ballots");
  if (*to > size) {
    return bad("size_out_of_range", "to=" + std::to_string(*to) + ": the log holds only " + std::to_string(size) + " ballots");
  }
  if (*from > *to) {
    return bad("size_out_of_range", "from=" + std::to_string(*from) + " is more than " +
                                        (to_text.empty() ? "the " + std::to_string(size) + " ballots of the log"
                                                         : "to=" + std::to_string(*to)));
  }
  std::vector<std::string> leaves(p->log.begin(), p->log.begin() + static_cast<std::ptrdiff_t>(*to));
  lock.unlock();
  std::vector<std::string> proof = ConsistencyProof(leaves, *from);
  const std::string head = MerkleRoot(leaves);
  leaves.resize(*from);
  reply(JsonResponse(http::status::ok, {{"from", *from}, {"to", *to}, {"old_head", MerkleRoot(leaves)}, {"head", head},
                                        {"proof", std::move(proof)}}));
}

// A city's bundle is tens of megabytes: its ballots are read in slices, it is
// built on the counting thread, and kept as text, answered without holding
// mutex_ for longer than a pointer copy.
void Api::Bundle(const std::shared_ptr<LiveProcess>& p, Reply reply) {
  auto answer = [slug = p->definition.slug](Reply& to, std::shared_ptr<const std::string> text) {
    Response r = TextResponse(http::status::ok, *text, "application/json; charset=utf-8");
    r.set(http::field::content_disposition, "attachment; filename=\"" + slug + "-bundle.json\"");
    to(std::move(r));
  };
  std::unique_lock lock(mutex_);
  if (std::shared_ptr<const std::string> text = p->bundle) {
    lock.unlock();
    return answer(reply, std::move(text));
  }
  const ProcessDefinition definition = p->definition;
  const json results = p->results;
  const json corrections = CorrectionsForBundle(*p);
  lock.unlock();
  ReadInSlices(
      p->id, &Storage::LoadLogSlice, 0, std::make_shared<std::vector<StoredBallot>>(),
      [this, p, definition, results, corrections, answer, reply](std::optional<Result<std::vector<StoredBallot>>> log) mutable {
        if (!log) return reply(ErrorResponse(http::status::service_unavailable, "stopping", "the server is stopping"));
        if (!log->ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", log->status().message()));
        auto ballots = std::make_shared<std::vector<StoredBallot>>(std::move(**log));
        tally_.Work([this, definition, results, corrections, ballots] {
                      return BuildBundle(definition, *ballots, results, key_, corrections);
                    },
                    [this, p, answer, reply](std::optional<Result<json>> bundle) mutable {
                      if (!bundle) {
                        return reply(ErrorResponse(http::status::service_unavailable, "stopping", "the server is stopping"));
                      }
                      if (!bundle->ok()) {
                        return reply(ErrorResponse(http::status::internal_server_error, "bundle", bundle->status().message()));
                      }
                      auto text = std::make_shared<const std::string>((*bundle)->dump());
                      {
                        std::lock_guard keep(mutex_);
                        p->bundle = text;
                      }
                      answer(reply, std::move(text));
                    });
      });
}

// A budget as a .pb file: its projects and rules; once closed, its counted
// ballots too (read in slices, written on the counting thread).
void Api::ExportBudget(const std::shared_ptr<LiveProcess>& p, const std::string& budget_id, Reply reply) {
  std::unique_lock lock(mutex_);
  const ProcessDefinition definition = p->definition;
  const bool with_ballots = p->state == ProcessState::kClosed || p->state == ProcessState::kPublished;
  lock.unlock();
  if (!definition.FindBudget(budget_id)) return reply(ErrorResponse(http::status::not_found, "not_found", "no such budget"));
  auto write = [definition, budget_id](const std::vector<StoredBallot>& stored) -> Result<json> {
    std::vector<json> counted;
    counted.reserve(stored.size());
    for (const auto& b : stored) counted.push_back(ballots::ParseJson(b.ballot).value_or(json()));
    auto text = BudgetPabulib(definition, *definition.FindBudget(budget_id), counted);
    if (!text.ok()) return text.status();
    return json(std::move(*text));
  };
  auto send = [slug = definition.slug, budget_id, reply](std::optional<Result<json>> text) mutable {
    if (!text) return reply(ErrorResponse(http::status::service_unavailable, "stopping", "the server is stopping"));
    if (!text->ok()) return reply(ErrorResponse(http::status::internal_server_error, "export", text->status().message()));
    Response r = TextResponse(http::status::ok, (*text)->get<std::string>(), "text/plain; charset=utf-8");
    r.set(http::field::content_disposition, "attachment; filename=\"" + slug + "-" + budget_id + ".pb\"");
    reply(std::move(r));
  };
  if (!with_ballots) return send(write({}));
  ReadInSlices(p->id, &Storage::LoadCountedSlice, 0, std::make_shared<std::vector<StoredBallot>>(),
               [this, write, send](std::optional<Result<std::vector<StoredBallot>>> read) mutable {
                 if (!read) return send(std::nullopt);
                 if (!read->ok()) {
                   return send(Result<json>(Status::Invalid("storage: " + read->status().message())));
                 }
                 auto stored = std::make_shared<std::vector<StoredBallot>>(std::move(**read));
                 tally_.Work([write, stored] { return write(*stored); }, std::move(send));
               });
}

}  // namespace psephos::server
