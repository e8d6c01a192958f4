#include "varrl/core/config.h"

#include <map>
#include <sstream>

#include "varrl/core/error.h"

namespace varrl {

namespace {

enum class Kind { Null, Bool, Int, Float, String, List, Map };

Kind scalar_kind(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return Kind::String;  // quoted scalar
  if (s == "true" || s == "false" || s == "True" || s == "False") return Kind::Bool;
  if (s == "~" || s == "null" || s.empty()) return Kind::Null;
  char* end = nullptr;
  std::strtoll(s.c_str(), &end, 10);
  if (end && *end == '\0') return Kind::Int;
  std::strtod(s.c_str(), &end);
  if (end && *end == '\0') return Kind::Float;
  return Kind::String;
}

Kind kind_of(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return Kind::Null;
  if (n.IsSequence()) return Kind::List;
  if (n.IsMap()) return Kind::Map;
  return scalar_kind(n);
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::List: return "list";
    case Kind::Map: return "map";
  }
  return "?";
}

bool compatible(Kind want, Kind got) {
  if (want == Kind::Null || want == got) return true;
  if (want == Kind::Float && got == Kind::Int) return true;
  if (want == Kind::String && (got == Kind::Int || got == Kind::Float || got == Kind::Bool)) return true;
  return false;
}

// An alias that points at one of its own ancestors (`rl: &a {vmr: *a}`, `<<: *a` inside `&a`) makes the tree
// infinite: every walk over it (and YAML::Dump) would recurse until the stack overflows. Refused before any walk, as is
// nesting deeper than any config needs.
// Aliases of aliases can also expand a short file into billions of nodes ("billion laughs"): the expanded size is
// bounded too.
constexpr int kMaxDepth = 64;
constexpr long kMaxNodes = 100000;  // configs have a few hundred

void check_finite(const YAML::Node& n, std::vector<YAML::Node>& path, const std::string& origin, long& budget) {
  for (const auto& up : path)
    if (up.is(n)) throw Error(origin + ": a YAML alias refers to a node that contains it (a cycle)");
  if (path.size() >= static_cast<size_t>(kMaxDepth))
    throw Error(origin + ": YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (--budget < 0) throw Error(origin + ": YAML expands to more than " + std::to_string(kMaxNodes) + " nodes");
  if (!n.IsMap() && !n.IsSequence()) return;
  path.push_back(n);
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (n.IsMap()) {
      check_finite(it->first, path, origin, budget);
      check_finite(it->second, path, origin, budget);
    } else {
      check_finite(*it, path, origin, budget);
    }
  }
  path.pop_back();
}

void check_finite(const YAML::Node& n, const std::string& origin) {
  std::vector<YAML::Node> path;
  long budget = kMaxNodes;
  check_finite(n, path, origin, budget);
}

// A mapping key as text; a key that is itself a list or map (`? [0] : 1`) is refused naming the file (yaml-cpp's
// conversion would throw a message that names nothing).
std::string key_text(const YAML::Node& key, const std::string& prefix, const std::string& origin) {
  if (!key.IsScalar())
    throw Error(origin + ": config keys must be plain names (a list or map is used as a key under '" +
                (prefix.empty() ? "<root>" : prefix) + "')");
  return key.Scalar();
}

// yaml-cpp keeps both entries of a key written twice in one mapping, and lookups see only the first: a file that
// sets a key twice with different values is refused rather than half applied. Identical repeats are accepted (model
// folders written before 2026-12-05 repeat the whole `reward:` section of the defaults of that time).
void check_unique_keys(const YAML::Node& n, const std::string& prefix, const std::string& origin) {
  if (!n.IsMap()) return;
  std::map<std::string, std::string> seen;  // key -> its value as YAML text
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = key_text(it->first, prefix, origin);
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    const std::string value = YAML::Dump(it->second);
    auto ins = seen.emplace(key, value);
    if (!ins.second && ins.first->second != value)
      throw Error(origin + ": config key '" + full + "' is set twice, to different values");
    check_unique_keys(it->second, full, origin);
  }
}

// Merges `src` onto `dst`, checking keys and types against `schema` (the compiled-in defaults: a key's type never
// changes, whatever was merged before). Unknown keys are errors, or are skipped and listed in `*skipped`.
void merge(YAML::Node dst, const YAML::Node& src, const YAML::Node& schema, const std::string& prefix,
           const std::string& origin, std::vector<std::string>* skipped = nullptr) {
  if (!src.IsMap()) throw Error(origin + ": expected a mapping at '" + (prefix.empty() ? "<root>" : prefix) + "'");
  for (auto it = src.begin(); it != src.end(); ++it) {
    const std::string key = key_text(it->first, prefix, origin);
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    const YAML::Node sch = schema.IsMap() ? schema[key] : YAML::Node(YAML::NodeType::Undefined);
    if (!sch.IsDefined()) {
      if (!skipped) throw Error(origin + ": unknown config key '" + full + "'");
      skipped->push_back(full);
      continue;
    }
    Kind want = kind_of(sch), got = kind_of(it->second);
    if (want == Kind::Map) {
      if (got != Kind::Map)
        throw Error(origin + ": config key '" + full + "' is a section (map), got " + kind_name(got));
      merge(dst[key], it->second, sch, full, origin, skipped);
      continue;
    }
    if (!compatible(want, got))
      throw Error(origin + ": config key '" + full + "' expects " + kind_name(want) + ", got " + kind_name(got) +
                  " '" + YAML::Dump(it->second) + "'");
    if (want == Kind::List && sch.size() > 0 && it->second.size() > 0) {
      Kind elem = kind_of(sch[0]);
      for (const auto& e : it->second)
        if (elem != Kind::List && !compatible(elem, kind_of(e)))
          throw Error(origin + ": config key '" + full + "' expects a list of " + kind_name(elem));
    }
    dst[key] = YAML::Clone(it->second);
  }
}

std::vector<std::string> split_key(const std::string& dotted) {
  std::vector<std::string> parts;
  std::stringstream ss(dotted);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  return parts;
}

// yaml-cpp's Node::operator= re-points shared nodes, so walk and build trees by recursion on copies only.
YAML::Node find_rec(const YAML::Node& n, const std::vector<std::string>& parts, size_t i) {
  if (i == parts.size()) return n;
  if (!n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = n[parts[i]];
  if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  return find_rec(child, parts, i + 1);
}

YAML::Node find(const YAML::Node& root, const std::string& dotted) { return find_rec(root, split_key(dotted), 0); }

YAML::Node nest(const std::vector<std::string>& parts, size_t i, const YAML::Node& leaf) {
  if (i == parts.size()) return leaf;
  YAML::Node m(YAML::NodeType::Map);
  m[parts[i]] = nest(parts, i + 1, leaf);
  return m;
}

}  // namespace

// The type schema: the compiled-in defaults, parsed once.
static const YAML::Node& schema() {
  static const YAML::Node s = YAML::Load(kDefaultsYaml);
  return s;
}

Config Config::defaults() { return from_yaml_text(kDefaultsYaml, "configs/defaults.yaml"); }

Config Config::from_yaml_text(const std::string& text, const std::string& origin) {
  Config c;
  try {
    c.root_ = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(origin + ": invalid YAML: " + e.what());
  }
  if (!c.root_.IsMap()) throw Error(origin + ": config must be a YAML mapping");
  check_finite(c.root_, origin);
  check_unique_keys(c.root_, "", origin);
  return c;
}

void Config::merge_yaml_text(const std::string& text, const std::string& origin) {
  YAML::Node src;
  try {
    src = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(origin + ": invalid YAML: " + e.what());
  }
  if (src.IsNull()) return;
  check_finite(src, origin);
  check_unique_keys(src, "", origin);
  merge(root_, src, schema(), "", origin);
}

void Config::merge_file(const std::string& path, std::vector<std::string>* skipped) {
  YAML::Node src;
  try {
    src = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(path + ": cannot open config file");
  } catch (const YAML::Exception& e) {
    throw Error(path + ": invalid YAML: " + e.what());
  }
  if (src.IsNull()) return;
  check_finite(src, path);
  check_unique_keys(src, "", path);
  merge(root_, src, schema(), "", path, skipped);
}

void Config::set(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw Error("--set expects key=value, got '" + assignment + "'");
  std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  YAML::Node v;
  try {
    v = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw Error("--set " + key + ": cannot parse value '" + value + "'");
  }
  check_finite(v, "--set " + key);
  // Build the nested map {a: {b: value}} and merge it like a file.
  YAML::Node src = nest(split_key(key), 0, v.IsDefined() ? v : YAML::Node(value));
  merge(root_, src, schema(), "", "--set");
}

bool Config::has(const std::string& k) const { return find(root_, k).IsDefined(); }

template <typename T>
T Config::get(const std::string& k) const {
  YAML::Node n = find(root_, k);
  if (!n.IsDefined()) throw Error("config key '" + k + "' is missing");
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw Error("config key '" + k + "' has the wrong type: '" + YAML::Dump(n) + "'");
  }
}

template bool Config::get<bool>(const std::string&) const;
template int Config::get<int>(const std::string&) const;
template int64_t Config::get<int64_t>(const std::string&) const;
template double Config::get<double>(const std::string&) const;
template float Config::get<float>(const std::string&) const;
template std::string Config::get<std::string>(const std::string&) const;
template std::vector<int> Config::get<std::vector<int>>(const std::string&) const;
template std::vector<int64_t> Config::get<std::vector<int64_t>>(const std::string&) const;
template std::vector<double> Config::get<std::vector<double>>(const std::string&) const;
template std::vector<std::string> Config::get<std::vector<std::string>>(const std::string&) const;
template std::vector<std::vector<int64_t>> Config::get<std::vector<std::vector<int64_t>>>(const std::string&) const;

Config Config::section(const std::string& k) const {
  YAML::Node n = find(root_, k);
  if (!n.IsDefined() || !n.IsMap()) throw Error("config section '" + k + "' is missing");
  Config c;
  c.root_ = YAML::Clone(n);
  return c;
}

std::string Config::to_yaml() const {
  YAML::Emitter out;
  out << root_;
  return std::string(out.c_str()) + "\n";
}

}  // namespace varrl
