// Atomic file writes: temp file in the same folder + fsync + rename, so a crash never leaves a half-written file.
#pragma once
#include <string>
#include <string_view>

namespace varrl {

// Writes `bytes` to `path` atomically (the old file, if any, stays intact until the rename).
void write_file_atomic(const std::string& path, std::string_view bytes);

// Reads a whole file; throws varrl::Error naming the file when it cannot.
std::string read_file(const std::string& path);

}  // namespace varrl
