// Precompiled header for every translation unit that uses LibTorch (see CMakeLists.txt).
#pragma once
#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <map>
#include <string>
#include <vector>
