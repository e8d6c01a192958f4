#include <cstring>

#include "varrl/core/error.h"
#include "varrl/core/tensor_io.h"

namespace varrl {

static torch::ScalarType scalar_type(DType d) {
  switch (d) {
    case DType::F64: return torch::kFloat64;
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::I64: return torch::kInt64;
    case DType::I32: return torch::kInt32;
    case DType::I16: return torch::kInt16;
    case DType::I8: return torch::kInt8;
    case DType::U8: return torch::kUInt8;
    case DType::BOOL: return torch::kBool;
  }
  return torch::kFloat32;
}

static DType dtype_of(torch::ScalarType s) {
  switch (s) {
    case torch::kFloat64: return DType::F64;
    case torch::kFloat32: return DType::F32;
    case torch::kFloat16: return DType::F16;
    case torch::kBFloat16: return DType::BF16;
    case torch::kInt64: return DType::I64;
    case torch::kInt32: return DType::I32;
    case torch::kInt16: return DType::I16;
    case torch::kInt8: return DType::I8;
    case torch::kUInt8: return DType::U8;
    case torch::kBool: return DType::BOOL;
    default: throw Error(std::string("cannot store tensors of dtype ") + c10::toString(s));
  }
}

TensorData to_tensor_data(const torch::Tensor& t, DType storage) {
  auto c = t.detach().to(torch::kCPU);
  if (c.is_floating_point()) c = c.to(scalar_type(storage));
  c = c.contiguous();
  TensorData d;
  d.dtype = dtype_of(c.scalar_type());
  d.shape.assign(c.sizes().begin(), c.sizes().end());
  d.bytes.resize(c.numel() * c.element_size());
  if (!d.bytes.empty()) std::memcpy(d.bytes.data(), c.data_ptr(), d.bytes.size());
  return d;
}

torch::Tensor from_tensor_data(const TensorData& d) {
  auto t = torch::empty(d.shape, torch::TensorOptions().dtype(scalar_type(d.dtype)));
  if (!d.bytes.empty()) std::memcpy(t.data_ptr(), d.bytes.data(), d.bytes.size());
  return t;
}

void save_module(const std::string& path, const torch::nn::Module& module, DType storage,
                 const std::map<std::string, std::string>& metadata) {
  SafeTensors st;
  st.metadata = metadata;
  for (const auto& p : module.named_parameters(true)) st.tensors[p.key()] = to_tensor_data(p.value(), storage);
  for (const auto& b : module.named_buffers(true)) st.tensors[b.key()] = to_tensor_data(b.value(), storage);
  write_safetensors(path, st);
}

void load_module(const std::string& path, torch::nn::Module& module, bool allow_unexpected,
                 const std::string& new_suffix) {
  SafeTensors st = read_safetensors(path);
  torch::NoGradGuard ng;
  std::set<std::string> used;
  auto assign = [&](const std::string& name, torch::Tensor dst) {
    auto it = st.tensors.find(name);
    if (it == st.tensors.end()) throw Error(path + ": missing tensor '" + name + "'");
    const TensorData& d = it->second;
    if (d.shape != std::vector<int64_t>(dst.sizes().begin(), dst.sizes().end())) {
      std::string want = c10::str(dst.sizes()), got = "[";
      for (size_t i = 0; i < d.shape.size(); ++i) got += (i ? ", " : "") + std::to_string(d.shape[i]);
      throw Error(path + ": tensor '" + name + "' has shape " + got + "], expected " + want);
    }
    auto src = from_tensor_data(d);
    if (src.is_floating_point() != dst.is_floating_point())
      throw Error(path + ": tensor '" + name + "' has dtype " + dtype_name(d.dtype) + ", expected " +
                  c10::toString(dst.scalar_type()));
    // NaN weights would only surface steps later as a loss or sampling error that names no file. (Infinities are
    // legitimate: attention-mask buffers hold -inf.)
    if (src.is_floating_point() && torch::isnan(src).any().item<bool>())
      throw Error(path + ": tensor '" + name + "' holds NaN values");
    dst.copy_(src.to(dst.scalar_type()));
    used.insert(name);
  };
  auto is_new = [&](const std::string& name) {
    return !new_suffix.empty() && name.size() >= new_suffix.size() &&
           name.compare(name.size() - new_suffix.size(), new_suffix.size(), new_suffix) == 0 && !st.tensors.count(name);
  };
  for (auto& p : module.named_parameters(true))
    if (!is_new(p.key())) assign(p.key(), p.value());
  for (auto& b : module.named_buffers(true)) assign(b.key(), b.value());
  if (!allow_unexpected)
    for (auto& [name, d] : st.tensors)
      if (!used.count(name)) throw Error(path + ": unexpected tensor '" + name + "'");
}

void save_tensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata) {
  SafeTensors st;
  st.metadata = metadata;
  for (const auto& [k, v] : tensors) st.tensors[k] = to_tensor_data(v, dtype_of(v.scalar_type()));
  write_safetensors(path, st);
}

std::map<std::string, torch::Tensor> load_tensors(const std::string& path) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [k, d] : read_safetensors(path).tensors) out[k] = from_tensor_data(d);
  return out;
}

}  // namespace varrl
