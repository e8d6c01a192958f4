// Metrics as JSON lines, appended and flushed one record at a time.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace varrl {

class MetricsWriter {
 public:
  explicit MetricsWriter(const std::string& path, bool append = true);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;
  void write(const nlohmann::json& record);

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

// Reads a JSON file (throws naming the file when it cannot be read or is not valid JSON).
nlohmann::json read_json(const std::string& path);

// Reads every JSON line of a file (throws naming file and line on a malformed line).
std::vector<nlohmann::json> read_jsonl(const std::string& path);

// Prints the one-line JSON summary that ends every measuring command's stdout.
void print_summary(const nlohmann::json& summary);

}  // namespace varrl
