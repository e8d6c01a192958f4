// A model folder (models/<name>/ or a run's output): config.yaml (the full resolved config),
// tokenizer.safetensors, and later policy.safetensors.
#pragma once
#include <string>

#include "varrl/core/config.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {

// Reads DIR/config.yaml over the compiled-in defaults (so keys added since the model was saved keep their default).
Config load_model_config(const std::string& dir);
void save_model_config(const std::string& dir, const Config& cfg);

VQVAE load_tokenizer(const std::string& dir, const Config& cfg);
void save_tokenizer(const std::string& dir, const VQVAE& vae);

}  // namespace varrl
