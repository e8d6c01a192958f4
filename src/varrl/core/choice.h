// Option strings of the config become enums when the config is read: `choice(cfg, key, {{"a", E::A}, ...})` returns
// the enum of the key's value, or throws one line naming the key, the allowed values and what was given. Reading
// every option through it before a command writes anything turns a typo into an error instead of a silent default.
#pragma once
#include <initializer_list>
#include <string>
#include <utility>

#include "varrl/core/config.h"
#include "varrl/core/error.h"

namespace varrl {

template <typename E>
using Choices = std::initializer_list<std::pair<const char*, E>>;

template <typename E>
E parse_choice(const std::string& key, const std::string& value, Choices<E> choices) {
  std::string allowed;
  for (const auto& [name, e] : choices) {
    if (value == name) return e;
    allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  }
  throw Error("config key '" + key + "' must be one of " + allowed + "; got '" + value + "'");
}

template <typename E>
E choice(const Config& cfg, const std::string& key, Choices<E> choices) {
  return parse_choice(key, cfg.get<std::string>(key), choices);
}

// The name of an enum value (for logs and metrics).
template <typename E>
const char* choice_name(E value, Choices<E> choices) {
  for (const auto& [name, e] : choices)
    if (e == value) return name;
  return "?";
}

}  // namespace varrl
