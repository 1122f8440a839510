// What voters read, beyond the count: project pictures (uploaded, resized,
// served by their hash) and corrections of texts while voting is open, with
// their public list (#16 items 5 and 7).
#include <algorithm>
#include <cctype>

#include "psephos/ballots/json_reader.h"
#include "psephos/server/api.h"
#include "psephos/server/hex.h"
#include "psephos/server/images.h"
#include "responses.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {

using nlohmann::json;

namespace {

bool IsHashName(const std::string& name) {
  return name.size() == 64 + 4 && name.ends_with(".jpg") && IsHex(std::string_view(name).substr(0, 64), 32);
}

// ?by=Comit%C3%A9+del+huerto -> "Comité del huerto"; control characters dropped.
std::string DecodeLabel(const std::string& query_value) {
  std::string out;
  for (std::size_t i = 0; i < query_value.size(); ++i) {
    char c = query_value[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%' && i + 2 < query_value.size() && std::isxdigit(static_cast<unsigned char>(query_value[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(query_value[i + 2]))) {
      c = static_cast<char>(std::stoi(query_value.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) out += c;
  }
  return out;
}

http::status RefusalStatus(const std::string& code) {
  if (code == "image_too_large") return http::status::payload_too_large;
  if (code == "not_an_image") return http::status::unsupported_media_type;
  return http::status::unprocessable_entity;
}

}  // namespace

bool Api::MayUpload(const Organizer& who) {
  if (who.admin) return true;
  std::lock_guard lock(mutex_);
  for (const auto& [slug, p] : processes_) {
    const auto role = RoleIn(who, *p);
    if (role && *role >= OrganizerRole::kEditor) return true;
  }
  return false;
}

void Api::UploadImage(const Request& request, Reply reply) {  // POST /api/v1/images: an organizer's upload
  // Decoding and resizing take a moment on this network thread (libvips on one
  // core); storing goes through the database thread like every write.
  ImageLimits limits;
  limits.max_bytes = options_.max_image_bytes;
  ImageResult result = ProcessImage(request.body(), limits);
  if (!result.refusal.code.empty()) {
    return reply(ErrorResponse(RefusalStatus(result.refusal.code), result.refusal.code, result.refusal.message));
  }
  std::vector<ImageRecord> records;
  for (const ImageFile& f : result.image.files) records.push_back({f.sha256, f.width, f.height, f.jpeg});
  json answer{{"image", ImageJson(result.image)}};
  worker_.Post([this, records = std::move(records), answer = std::move(answer), reply = std::move(reply)](Storage& storage) {
    if (Status s = storage.PutImages(records); !s.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    }
    {
      std::lock_guard lock(mutex_);
      for (const ImageRecord& r : records) images_.emplace(r.sha256, std::make_shared<const ImageRecord>(r));
    }
    reply(JsonResponse(http::status::created, answer));
  });
}

// GET /api/v1/images/<sha256>.jpg: public, named by its content, so cached for good.
void Api::ServeImage(const std::string& file, Reply reply) {
  if (!IsHashName(file)) return reply(ErrorResponse(http::status::not_found, "not_found", "no such picture"));
  std::shared_ptr<const ImageRecord> image;
  {
    std::lock_guard lock(mutex_);
    auto it = images_.find(file.substr(0, 64));
    if (it != images_.end()) image = it->second;
  }
  if (!image) return reply(ErrorResponse(http::status::not_found, "not_found", "no such picture"));
  Response r = TextResponse(http::status::ok, image->jpeg, "image/jpeg");
  r.set(http::field::cache_control, "public, max-age=31536000, immutable");
  reply(std::move(r));
}

std::optional<Response> Api::UnknownImage(const ProcessDefinition& definition) {
  std::lock_guard lock(mutex_);
  for (std::size_t b = 0; b < definition.budgets.size(); ++b) {
    const auto& extras = definition.budgets[b].extras;
    for (std::size_t i = 0; i < extras.size(); ++i) {
      if (extras[i].image.is_null()) continue;
      for (const json& file : extras[i].image["files"]) {
        if (images_.count(file["sha256"].get<std::string>())) continue;
        return DefinitionError(Status::Invalid("budgets[" + std::to_string(b) + "].projects[" + std::to_string(i) +
                                               "].image: picture " + file["sha256"].get<std::string>() +
                                               " is not on this server (upload it with POST /api/v1/images)"));
      }
    }
  }
  return std::nullopt;
}

void Api::Correct(const std::shared_ptr<LiveProcess>& p, const json& body, std::string by, Reply reply) {
  // As stored, without the slips checked at first save (an imported process
  // keeps its limits): only what changes is looked at.
  auto parsed = ParseProcessDefinition(body);
  if (!parsed.ok()) return reply(DefinitionError(parsed.status()));
  if (auto unknown = UnknownImage(*parsed)) return reply(std::move(*unknown));
  by = DecodeLabel(by);
  if (by.size() > 100) return reply(ErrorResponse(http::status::bad_request, "invalid_by", "by: at most 100 bytes"));
  try {
    (void)json(by).dump();  // the label is published as JSON text: it must be UTF-8
  } catch (const json::exception&) {
    return reply(ErrorResponse(http::status::bad_request, "invalid_by", "by: not UTF-8 text"));
  }
  if (by.empty()) by = "organizer token";
  // On the database thread: corrections are diffed, stored and applied one at a time.
  worker_.Post([this, p, definition = std::move(parsed).value(), by, reply = std::move(reply)](Storage& storage) mutable {
    std::unique_lock lock(mutex_);
    if (p->state != ProcessState::kOpen || p->closing) {
      return reply(ErrorResponse(http::status::conflict, "not_open", "corrections are made while voting is open"));
    }
    if (definition.slug != p->definition.slug) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "slug_changed", "the slug cannot change"));
    }
    const json now = ProcessDefinitionJson(definition);
    auto changes = DiffCorrection(ProcessDefinitionJson(p->definition), now);
    lock.unlock();
    if (!changes.ok()) {
      Response r = DefinitionError(changes.status());
      json error = json::parse(r.body());
      error["error"]["code"] = "not_correctable";
      return reply(JsonResponse(http::status::unprocessable_entity, error));
    }
    const std::int64_t at = NowMs();
    std::vector<CorrectionRecord> records;
    for (Change& c : *changes) {
      c.at_ms = at;
      c.by = by;
      records.push_back({at, by, c.field, c.before.dump(), c.after.dump()});
    }
    if (!records.empty()) {
      if (Status s = storage.CorrectDefinition(p->id, now.dump(), records); !s.ok()) {
        return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
      }
    }
    lock.lock();
    p->definition = std::move(definition);
    p->corrections.insert(p->corrections.end(), changes->begin(), changes->end());
    json summary = Summary(*p);
    summary["changes"] = ChangesJson(*changes);
    lock.unlock();
    reply(JsonResponse(http::status::ok, summary));
  });
}

void Api::Changes(const std::shared_ptr<LiveProcess>& p, bool admin, Reply reply) {
  std::lock_guard lock(mutex_);
  if (p->state == ProcessState::kDraft && !admin) return reply(ErrorResponse(http::status::not_found, "not_found", "no such process"));
  reply(JsonResponse(http::status::ok, {{"slug", p->definition.slug}, {"changes", ChangesJson(p->corrections)}}));
}

json Api::CorrectionsForBundle(const LiveProcess& p) const {
  if (p.corrections.empty()) return nullptr;
  const json now = ProcessDefinitionJson(p.definition);
  auto original = ReplayChanges(now, p.corrections, false);
  // Stored changes always undo (each was diffed from the definition it changed).
  return {{"original", original.ok() ? *original : json()}, {"changes", ChangesJson(p.corrections)}};
}

Status Api::LoadImages(Storage& storage) {
  auto images = storage.LoadImages();
  if (!images.ok()) return images.status();
  for (ImageRecord& r : *images) {
    std::string key = r.sha256;
    images_.emplace(std::move(key), std::make_shared<const ImageRecord>(std::move(r)));
  }
  return Status::Ok();
}

Status Api::LoadCorrections(Storage& storage, LiveProcess& p) {
  auto records = storage.LoadCorrections(p.id);
  if (!records.ok()) return records.status();
  for (const CorrectionRecord& r : *records) {
    auto before = ballots::ParseJson(r.before);
    auto after = ballots::ParseJson(r.after);
    if (!before.ok() || !after.ok()) return Status::Invalid("stored correction of " + p.definition.slug + ": not JSON");
    p.corrections.push_back({r.at_ms, r.by, r.field, *before, *after});
  }
  return Status::Ok();
}

}  // namespace psephos::server
