// Pieces shared by the pabulib reader and writer: trimming, decimal money,
// ballot type names, quoting file text in error messages, and a `;`-separated
// CSV row reader. Internal to psephos_ballots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "psephos/engine/election.h"

namespace psephos::ballots::internal {

// More decimals than this cannot be represented with a useful range in int64.
inline constexpr int kMaxMoneyDecimals = 9;

inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// The length of the valid multi-byte UTF-8 sequence starting at text[i], or 0. Strict,
// as JSON encoders are: no overlong forms, surrogates or code points past U+10FFFF.
inline std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char second_min = 0x80, second_max = 0xbf;
  if (lead >= 0xc2 && lead < 0xe0) length = 2;
  if (lead >= 0xe0 && lead < 0xf0) length = 3;
  if (lead >= 0xf0 && lead < 0xf5) length = 4;
  if (lead == 0xe0) second_min = 0xa0;
  if (lead == 0xed) second_max = 0x9f;
  if (lead == 0xf0) second_min = 0x90;
  if (lead == 0xf4) second_max = 0x8f;
  if (length == 0 || i + length > text.size()) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return 0;
  }
  return length;
}

// The offset of the first byte that is not valid UTF-8, or npos.
inline std::size_t FirstInvalidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

// A byte that is not text, as messages show it: \x followed by two lowercase hex digits.
inline std::string EscapedByte(unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
}

// Renders file content for a message: printable ASCII and valid UTF-8 as is,
// other bytes as \xNN, long text cut short, so that a garbage file cannot
// produce a garbage message.
inline std::string Printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && i < kMaxShown) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(text[i++]);
    } else if (const std::size_t length = Utf8SequenceLength(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += EscapedByte(byte);
      ++i;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

inline std::string Quoted(std::string_view text) { return "'" + Printable(text) + "'"; }

// "approval", "choose-1", ... as written in META vote_type (any letter case).
inline std::optional<engine::BallotType> ParseBallotType(std::string_view name) {
  using engine::BallotType;
  for (BallotType type : {BallotType::kApproval, BallotType::kChoose1, BallotType::kCumulative,
                          BallotType::kScoring, BallotType::kOrdinal}) {
    if (EqualsIgnoreCase(Trim(name), engine::BallotTypeName(type))) return type;
  }
  return std::nullopt;
}

// A decimal number as written: "1234,50" is {123450, 2}.
struct Decimal {
  std::int64_t mantissa = 0;
  int decimals = 0;
};

enum class DecimalError { kNone, kNotANumber, kTooManyDecimals, kTooLarge };

// Parses [-]digits[(.|,)digits]. A decimal comma is accepted because Polish
// exports use it; exponents and thousands separators are not.
inline DecimalError ParseDecimal(std::string_view text, Decimal* out) {
  std::string_view s = Trim(text);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  std::int64_t mantissa = 0;
  int digits = 0;
  int decimals = 0;
  bool seen_separator = false;
  for (char c : s) {
    if (c == '.' || c == ',') {
      if (seen_separator) return DecimalError::kNotANumber;
      seen_separator = true;
      continue;
    }
    if (c < '0' || c > '9') return DecimalError::kNotANumber;
    ++digits;
    if (seen_separator && ++decimals > kMaxMoneyDecimals) return DecimalError::kTooManyDecimals;
    const int digit = c - '0';
    if (mantissa > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
      return DecimalError::kTooLarge;
    }
    mantissa = mantissa * 10 + digit;
  }
  if (digits == 0) return DecimalError::kNotANumber;
  out->mantissa = negative ? -mantissa : mantissa;
  out->decimals = decimals;
  return DecimalError::kNone;
}

// value * 10^(scale - value.decimals), or nullopt on int64 overflow.
inline std::optional<engine::Money> ScaleDecimal(Decimal value, int scale) {
  std::int64_t amount = value.mantissa;
  for (int i = value.decimals; i < scale; ++i) {
    if (amount > std::numeric_limits<std::int64_t>::max() / 10 ||
        amount < std::numeric_limits<std::int64_t>::min() / 10) {
      return std::nullopt;
    }
    amount *= 10;
  }
  return amount;
}

// Splits `;`-separated text into rows of fields with CSV quoting: a field that
// starts with '"' runs to the matching quote, "" inside it is one quote, and it
// may hold ';' and line breaks. Elsewhere a quote is an ordinary character.
// Line breaks are LF, CRLF or a lone CR, mixed freely.
//
// Unquoted fields are views into the input; quoted ones are unescaped into a
// scratch buffer owned by the reader, so fields() lives until the next Next().
class CsvRowReader {
 public:
  enum class Outcome { kRow, kEnd, kUnclosedQuote };

  explicit CsvRowReader(std::string_view text) : text_(text) {}

  Outcome Next() {
    fields_.clear();
    spans_.clear();
    scratch_.clear();
    first_field_quoted_ = false;
    if (pos_ >= text_.size()) return Outcome::kEnd;
    row_line_ = line_;
    while (true) {
      const bool quoted = pos_ < text_.size() && text_[pos_] == '"';
      if (spans_.empty()) first_field_quoted_ = quoted;
      if (quoted) {
        if (!ReadQuotedField()) return Outcome::kUnclosedQuote;
      } else {
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && !IsRowBreak(text_[pos_])) ++pos_;
        spans_.push_back({false, begin, pos_ - begin});
      }
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      if (c == ';') {
        ++pos_;
        // A trailing ';' at the end of the input still opens one more field.
        if (pos_ >= text_.size()) {
          spans_.push_back({false, pos_, 0});
          break;
        }
        continue;
      }
      SkipLineBreak();
      break;
    }
    for (const Span& span : spans_) {
      const std::string_view base = span.in_scratch ? std::string_view(scratch_) : text_;
      fields_.push_back(base.substr(span.begin, span.size));
    }
    return Outcome::kRow;
  }

  const std::vector<std::string_view>& fields() const { return fields_; }
  // Whether the row's first field was written in quotes (so it is never a title).
  bool first_field_quoted() const { return first_field_quoted_; }
  // The physical line (1-based) where the current row starts.
  std::size_t row_line() const { return row_line_; }
  // The line the reader has reached (1-based), e.g. the last line at the end.
  std::size_t line() const { return line_; }
  // After kUnclosedQuote: the index of the field whose quote is never closed.
  std::size_t unclosed_field() const { return spans_.size(); }
  // The input not consumed yet.
  std::string_view rest() const { return text_.substr(pos_); }

 private:
  struct Span {
    bool in_scratch;
    std::size_t begin;
    std::size_t size;
  };

  static bool IsRowBreak(char c) { return c == ';' || c == '\n' || c == '\r'; }

  // Consumes one LF, CRLF or CR at pos_.
  void SkipLineBreak() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  // Reads from an opening quote at pos_ up to the field's end. Like Python's
  // csv module, text after the closing quote is kept literally: "a"b is ab.
  bool ReadQuotedField() {
    const std::size_t begin = scratch_.size();
    ++pos_;  // the opening quote
    while (true) {
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          scratch_.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;  // the closing quote
        break;
      }
      if (c == '\r' || c == '\n') {
        // A line break inside quotes is kept as '\n' whatever the file uses,
        // so the same election reads the same from LF and CRLF files.
        if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++line_;
        scratch_.push_back('\n');
        ++pos_;
        continue;
      }
      scratch_.push_back(c);
      ++pos_;
    }
    while (pos_ < text_.size() && !IsRowBreak(text_[pos_])) scratch_.push_back(text_[pos_++]);
    spans_.push_back({true, begin, scratch_.size() - begin});
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t row_line_ = 1;
  bool first_field_quoted_ = false;
  std::vector<Span> spans_;
  std::vector<std::string_view> fields_;
  std::string scratch_;
};

}  // namespace psephos::ballots::internal
