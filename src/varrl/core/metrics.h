// Metrics as JSON lines, appended and flushed one record at a time.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace varrl {

// Every write is checked: a failed one (full disk) throws a varrl::Error naming the file.
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

// Before a resume: keeps the records of a JSON-lines file whose "step" is <= `step` (written again otherwise) and
// drops a partial last line (no newline: a cut-short write); a malformed complete line is an error naming file:line.
void trim_jsonl_after_step(const std::string& path, int64_t step);

// Reads a JSON file (throws naming the file when it cannot be read or is not valid JSON).
nlohmann::json read_json(const std::string& path);

// Reads every JSON line of a file (throws naming file and line on a malformed line).
std::vector<nlohmann::json> read_jsonl(const std::string& path);

// Prints the one-line JSON summary that ends every measuring command's stdout.
void print_summary(const nlohmann::json& summary);

}  // namespace varrl
