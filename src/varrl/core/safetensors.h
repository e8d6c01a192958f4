// The safetensors file format (https://github.com/huggingface/safetensors), hand-written because Debian ships no
// C++ package: 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian data.
// Torch-free; see tensor_io.h for the bridge to torch tensors.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace varrl {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* dtype_name(DType d);           // "F32", ...
DType dtype_from_name(const std::string&);  // throws on unknown
size_t dtype_size(DType d);

struct TensorData {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // row-major, little-endian
  int64_t numel() const;
};

struct SafeTensors {
  std::map<std::string, TensorData> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

// Serialises to the safetensors byte layout (tensors ordered by name, header padded to 8 bytes).
std::string to_safetensors_bytes(const SafeTensors& st);
// Parses and validates; `origin` names the file in errors.
SafeTensors from_safetensors_bytes(const std::string& bytes, const std::string& origin);

void write_safetensors(const std::string& path, const SafeTensors& st);  // atomic
SafeTensors read_safetensors(const std::string& path);

}  // namespace varrl
