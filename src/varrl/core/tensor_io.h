// Bridge between torch modules/tensors and safetensors files (core/safetensors.h).
#pragma once
#include <torch/torch.h>

#include <string>

#include "varrl/core/safetensors.h"

namespace varrl {

TensorData to_tensor_data(const torch::Tensor& t, DType storage);
torch::Tensor from_tensor_data(const TensorData& d);  // CPU tensor of the stored dtype

// Saves every parameter and buffer of `module` (named as in its state_dict); float tensors stored as `storage`
// (F32, F16 or BF16). Extra tensors (e.g. optimizer state) can be added via `extra`. Atomic.
void save_module(const std::string& path, const torch::nn::Module& module, DType storage = DType::F32,
                 const std::map<std::string, std::string>& metadata = {});
// Loads into `module`: every parameter/buffer must be present with the same shape; float dtypes are converted.
// Missing, unexpected or mis-shaped tensors are a varrl::Error naming the file and the tensor — except that a
// parameter whose name ends with a non-empty `new_suffix` may be missing (it keeps its initial value: a warm start
// into a model with a part the file's model lacked).
void load_module(const std::string& path, torch::nn::Module& module, bool allow_unexpected = false,
                 const std::string& new_suffix = "");

// Named tensors → file and back (for optimizer state, RNG states, ...). Atomic.
void save_tensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata = {});
std::map<std::string, torch::Tensor> load_tensors(const std::string& path);

}  // namespace varrl
