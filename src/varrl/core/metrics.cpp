#include "varrl/core/metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"

namespace varrl {

MetricsWriter::MetricsWriter(const std::string& path, bool append) : path_(path) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  f_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (!f_) throw Error(path + ": cannot open metrics file for writing");
}

MetricsWriter::~MetricsWriter() {
  if (f_) std::fclose(f_);
}

void MetricsWriter::write(const nlohmann::json& record) {
  std::string line = record.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
  ::fsync(::fileno(f_));
}

nlohmann::json read_json(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::vector<nlohmann::json> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& e) {
      throw Error(path + ":" + std::to_string(n) + ": malformed JSON line");
    }
  }
  return out;
}

void print_summary(const nlohmann::json& summary) {
  std::printf("%s\n", summary.dump().c_str());
  std::fflush(stdout);
}

}  // namespace varrl
