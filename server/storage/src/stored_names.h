// Reading a typed state back from a row (both backends): an unknown name (a
// damaged row, or a newer build's value) is an error naming it, never a guess.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace psephos::server {

// `parse(text)`, or throws std::runtime_error("unknown <what> \"text\""): the
// backends' callers turn that into a Status naming what they were loading.
template <class E>
E StoredName(std::optional<E> (*parse)(std::string_view), std::string_view what, const std::string& text) {
  const std::optional<E> value = parse(text);
  if (!value) throw std::runtime_error("unknown " + std::string(what) + " \"" + text + "\"");
  return *value;
}

// "" for none, else a name `parse` knows.
template <class E>
std::optional<E> StoredOptionalName(std::optional<E> (*parse)(std::string_view), std::string_view what,
                                    const std::string& text) {
  if (text.empty()) return std::nullopt;
  return StoredName(parse, what, text);
}

// The stored text of an optional name: "" for none.
template <class E, class Name>
std::string OptionalNameText(const std::optional<E>& value, Name name) {
  return value ? std::string(name(*value)) : std::string();
}

}  // namespace psephos::server
