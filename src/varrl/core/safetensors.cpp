#include "varrl/core/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"

namespace varrl {

namespace {
struct DTypeInfo {
  DType d;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::F64, "F64", 8}, {DType::F32, "F32", 4},  {DType::F16, "F16", 2},
                                 {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
                                 {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
                                 {DType::BOOL, "BOOL", 1}};
}  // namespace

const char* dtype_name(DType d) {
  for (auto& i : kDTypes)
    if (i.d == d) return i.name;
  return "?";
}
DType dtype_from_name(const std::string& n) {
  for (auto& i : kDTypes)
    if (n == i.name) return i.d;
  throw Error("unsupported safetensors dtype '" + n + "'");
}
size_t dtype_size(DType d) {
  for (auto& i : kDTypes)
    if (i.d == d) return i.size;
  return 0;
}

int64_t TensorData::numel() const {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::string to_safetensors_bytes(const SafeTensors& st) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!st.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (auto& [k, v] : st.metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  size_t offset = 0;
  for (auto& [name, t] : st.tensors) {
    if (t.bytes.size() != static_cast<size_t>(t.numel()) * dtype_size(t.dtype))
      throw Error("safetensors: tensor '" + name + "' has " + std::to_string(t.bytes.size()) +
                  " bytes, expected numel*dtype size");
    header[name] = {
        {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h.push_back(' ');
  std::string out;
  out.reserve(8 + h.size() + offset);
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += h;
  for (auto& [name, t] : st.tensors) out.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
  return out;
}

SafeTensors from_safetensors_bytes(const std::string& bytes, const std::string& origin) {
  auto fail = [&](const std::string& what) { return Error(origin + ": not a valid safetensors file: " + what); };
  if (bytes.size() < 8) throw fail("shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  if (n > bytes.size() - 8) throw fail("header length " + std::to_string(n) + " exceeds file size (truncated?)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
  } catch (const std::exception& e) {
    throw fail(std::string("header is not JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw fail("header is not a JSON object");
  const size_t data_start = 8 + n;
  const size_t data_size = bytes.size() - data_start;
  SafeTensors st;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw fail("__metadata__ must be a JSON object of strings");
      for (auto m = it.value().begin(); m != it.value().end(); ++m)
        st.metadata[m.key()] = m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
      continue;
    }
    const auto& v = it.value();
    try {
      TensorData t;
      t.dtype = dtype_from_name(v.at("dtype").get<std::string>());
      // JSON numbers that are not integers (or too large for 64 bits, which the parser reads as floating point) are
      // refused before any conversion: converting them to an integer type is undefined.
      const auto& shape = v.at("shape");
      const auto& offsets = v.at("data_offsets");
      if (!shape.is_array() ||
          !std::all_of(shape.begin(), shape.end(), [](const auto& d) { return d.is_number_integer(); }))
        throw Error("shape must be a list of integers");
      if (!offsets.is_array() ||
          !std::all_of(offsets.begin(), offsets.end(), [](const auto& o) { return o.is_number_unsigned(); }))
        throw Error("data_offsets must be two non-negative integers");
      t.shape = shape.get<std::vector<int64_t>>();
      auto off = offsets.get<std::vector<uint64_t>>();
      if (off.size() != 2 || off[0] > off[1] || off[1] > data_size)
        throw Error("data offsets out of range (truncated file?)");
      uint64_t count = 1;  // the element count, checked so that a huge shape cannot wrap around to a small size
      for (auto s : t.shape) {
        if (s < 0) throw Error("negative dimension");
        if (s > 0 && count > (uint64_t{1} << 56) / static_cast<uint64_t>(s)) throw Error("shape too large");
        count *= static_cast<uint64_t>(s);
      }
      if (off[1] - off[0] != static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype))
        throw Error("byte size does not match dtype and shape");
      t.bytes.assign(bytes.begin() + static_cast<long>(data_start + off[0]),
                     bytes.begin() + static_cast<long>(data_start + off[1]));
      st.tensors.emplace(it.key(), std::move(t));
    } catch (const Error& e) {
      throw fail("tensor '" + it.key() + "': " + e.what());
    } catch (const std::exception& e) {
      throw fail("tensor '" + it.key() + "': malformed entry (" + e.what() + ")");
    }
  }
  return st;
}

void write_safetensors(const std::string& path, const SafeTensors& st) {
  write_file_atomic(path, to_safetensors_bytes(st));
}

SafeTensors read_safetensors(const std::string& path) { return from_safetensors_bytes(read_file(path), path); }

}  // namespace varrl
