#include "psephos/server/paper.h"

#include <algorithm>
#include <cctype>

#include "psephos/server/secrets.h"

namespace psephos::server {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::string CheckCharacters(std::string_view body) {
  // 10 bits of a hash: a random typo passes with probability 1/1024.
  const std::string hash = Sha256Hex(body);
  const int bits = std::stoi(hash.substr(0, 3), nullptr, 16) >> 2;
  return {kCrockford[bits >> 5], kCrockford[bits & 31]};
}

bool SameReading(const PaperEntryRecord& a, const PaperEntryRecord& b) {
  return a.spoiled == b.spoiled && (a.spoiled || a.ballot == b.ballot);
}

}  // namespace

std::string PaperSerial(std::int64_t batch, std::int64_t number) {
  std::string n = std::to_string(number);
  if (n.size() < 4) n.insert(0, 4 - n.size(), '0');
  std::string body = "P";
  body += std::to_string(batch);
  body += '-';
  body += n;
  std::string serial = body;
  serial += '-';
  serial += CheckCharacters(body);
  return serial;
}

std::optional<ParsedSerial> ParsePaperSerial(std::string_view typed) {
  std::string s;
  for (char c : typed) {
    if (c == ' ' || c == '\t') continue;
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.size() < 7 || s.size() > 40 || s[0] != 'P') return std::nullopt;
  const std::size_t dash1 = s.find('-');
  const std::size_t dash2 = s.find('-', dash1 + 1);
  if (dash1 == std::string::npos || dash2 == std::string::npos || s.find('-', dash2 + 1) != std::string::npos) {
    return std::nullopt;
  }
  const std::string batch = s.substr(1, dash1 - 1);
  const std::string number = s.substr(dash1 + 1, dash2 - dash1 - 1);
  const auto digits = [](const std::string& d) {
    return !d.empty() && d.size() <= 12 && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(batch) || !digits(number)) return std::nullopt;
  ParsedSerial parsed{"", std::stoll(batch), std::stoll(number)};
  if (parsed.batch < 1 || parsed.number < 1) return std::nullopt;
  parsed.serial = PaperSerial(parsed.batch, parsed.number);
  if (parsed.serial != s) return std::nullopt;  // wrong check characters, or not the canonical zero padding
  return parsed;
}

PaperDecision DecidePaperEntry(const PaperSheetStatus& now, const std::vector<PaperEntryRecord>& earlier,
                               const PaperEntryRecord& entry) {
  PaperDecision d{now, false, false, ""};
  std::vector<const PaperEntryRecord*> readings;  // clerks' entries
  for (const auto& e : earlier) {
    if (!e.resolution) readings.push_back(&e);
  }
  if (entry.resolution) {
    const bool open = now.state == PaperSheetState::kMismatch || now.state == PaperSheetState::kDuplicate;
    if (!open) {
      d.refused = "only a sheet in mismatch or duplicate can be resolved";
    } else if (*entry.resolution == PaperResolution::kKeep) {
      if (!now.counted) d.refused = "keep: no reading of this sheet is counted";
      d.after.state = PaperSheetState::kCounted;
    } else if (now.counted) {
      d.refused = "a reading of this sheet is counted already: resolve with keep";
    } else if (*entry.resolution == PaperResolution::kCount) {
      d.after = {PaperSheetState::kCounted, true};
      d.count = true;
    } else {  // kSpoiled
      d.after.state = PaperSheetState::kSpoiled;
    }
    if (!d.refused.empty()) d.after = now;
    return d;
  }
  for (const PaperEntryRecord* e : readings) {
    if (e->device == entry.device && SameReading(*e, entry)) {
      d.retry = true;
      return d;
    }
  }
  switch (now.state) {
    case PaperSheetState::kPrinted:
      d.after.state = PaperSheetState::kEnteredOnce;
      break;
    case PaperSheetState::kEnteredOnce: {
      const PaperEntryRecord& first = *readings.front();
      if (first.device == entry.device) {
        d.after.state = PaperSheetState::kDuplicate;  // one clerk, two different sheets with this serial
      } else if (!SameReading(first, entry)) {
        d.after.state = PaperSheetState::kMismatch;
      } else if (entry.spoiled) {
        d.after.state = PaperSheetState::kSpoiled;
      } else {
        d.after = {PaperSheetState::kCounted, true};
        d.count = true;
      }
      break;
    }
    case PaperSheetState::kCounted:
    case PaperSheetState::kSpoiled:
      d.after.state = PaperSheetState::kDuplicate;  // a sheet has two readings; a third is a copy
      break;
    case PaperSheetState::kMismatch:
    case PaperSheetState::kDuplicate:
      break;
  }
  // mismatch and duplicate keep every further reading for the organizer to see.
  return d;
}

PaperSheetStatus ReplayPaperEntries(const std::vector<PaperEntryRecord>& entries) {
  PaperSheetStatus status;
  std::vector<PaperEntryRecord> seen;
  for (const auto& e : entries) {
    PaperDecision d = DecidePaperEntry(status, seen, e);
    if (d.refused.empty() && !d.retry) status = d.after;
    seen.push_back(e);
  }
  return status;
}

}  // namespace psephos::server
