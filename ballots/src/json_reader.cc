#include "psephos/ballots/json_reader.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace psephos::ballots {
namespace {

using nlohmann::json;

// Builds the document from SAX events with an explicit stack, so neither
// parsing nor the checks recurse; the first refusal stops the parser.
class CheckedDomBuilder final : public nlohmann::json_sax<json> {
 public:
  explicit CheckedDomBuilder(const JsonLimits& limits) : limits_(limits) {}

  json& root() { return root_; }
  const std::string& error() const { return error_; }

  bool null() override { return Add(json()); }
  bool boolean(bool value) override { return Add(value); }
  bool number_integer(number_integer_t value) override { return Add(value); }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      return OutOfRange(std::to_string(value));
    }
    return Add(static_cast<std::int64_t>(value));
  }
  bool number_float(number_float_t value, const string_t& text) override {
    // A literal without fraction or exponent is an integer too large for
    // 64 bits that nlohmann would have kept as an approximate double.
    if (text.find_first_of(".eE") == string_t::npos) return OutOfRange(text);
    return Add(value);
  }
  bool string(string_t& value) override { return Add(std::move(value)); }
  bool binary(binary_t& value) override { return Add(json::binary(std::move(value))); }

  bool start_object(std::size_t) override { return Open(json::object()); }
  bool key(string_t& key) override {
    if (open_.back()->contains(key)) return Fail("key \"" + key + "\" appears twice" + Where(false));
    key_ = std::move(key);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override { return Close(); }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    // nlohmann's text quotes the bytes it read ("last read: ..."), which may
    // be anything: keep only its words, in printable ASCII.
    std::string what = ex.what();
    if (const auto bracket = what.find("] "); what.starts_with("[json.exception") && bracket != std::string::npos) {
      what.erase(0, bracket + 2);
    }
    if (const auto quoted = what.find("; last read"); quoted != std::string::npos) what.erase(quoted);
    for (char& c : what) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    (void)last_token;
    return Fail(what + " (byte " + std::to_string(position) + ")");
  }

 private:
  // Places `value` in the open container (or as the document) and returns it.
  json* Place(json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    return &(parent[key_] = std::move(value));
  }
  bool Add(json value) {
    Place(std::move(value));
    return true;
  }
  bool Open(json container) {
    if (open_.size() >= limits_.max_depth) {
      return Fail("nested deeper than " + std::to_string(limits_.max_depth) + " levels" + Where(true));
    }
    // Its place in the parent, for messages: a key or an index.
    std::string place;
    if (!open_.empty() && open_.back()->is_array()) {
      place.append("[").append(std::to_string(open_.back()->size())).append("]");
    } else if (!open_.empty()) {
      place.append(".").append(key_);
    }
    path_.push_back(std::move(place));
    open_.push_back(Place(std::move(container)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    path_.pop_back();
    return true;
  }
  bool OutOfRange(const std::string& literal) {
    return Fail("the number " + literal + " is out of range (whole numbers go up to 9223372036854775807)" + Where(true));
  }
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  // The open container's path; with `next_slot`, the slot the next value fills.
  std::string Where(bool next_slot) const {
    std::string where;
    for (const auto& part : path_) where += part;
    if (next_slot && !open_.empty()) {
      if (open_.back()->is_array()) {
        where.append("[").append(std::to_string(open_.back()->size())).append("]");
      } else {
        where.append(".").append(key_);
      }
    }
    if (!where.empty() && where[0] == '.') where.erase(0, 1);
    return where.empty() ? std::string() : std::string(" at ").append(where);
  }

  const JsonLimits& limits_;
  json root_;
  std::vector<json*> open_;  // containers being filled, outermost first
  std::vector<std::string> path_;
  std::string key_;  // the key whose value comes next
  std::string error_;
};

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, const JsonLimits& limits) {
  CheckedDomBuilder builder(limits);
  const bool ok = json::sax_parse(text, &builder);
  if (!ok) return Status::Invalid(builder.error().empty() ? std::string("not valid JSON") : builder.error());
  return std::move(builder.root());
}

}  // namespace psephos::ballots
