#include "varrl/core/metrics.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  // A failed write (full disk) must stop the run: silently going on would leave a partial line and lost records.
  std::string line = record.dump() + "\n";
  const bool ok = std::fwrite(line.data(), 1, line.size(), f_) == line.size() && std::fflush(f_) == 0 &&
                  ::fsync(::fileno(f_)) == 0;
  if (!ok) throw Error(path_ + ": cannot append a metrics record: " + std::strerror(errno));
}

void trim_jsonl_after_step(const std::string& path, int64_t step) {
  if (!std::filesystem::exists(path)) return write_file_atomic(path, "");
  std::string text = read_file(path);
  // A last line without its newline is a write that a kill or a full disk cut short: it is dropped, not an error.
  const auto end = text.rfind('\n');
  text.resize(end == std::string::npos ? 0 : end + 1);
  std::string kept;
  size_t pos = 0;
  for (int n = 1; pos < text.size(); ++n) {
    const size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json rec;
    try {
      rec = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      throw Error(path + ":" + std::to_string(n) + ": malformed JSON line");
    }
    if (!rec.is_object()) throw Error(path + ":" + std::to_string(n) + ": not a JSON object");
    if (rec.value("step", int64_t{0}) <= step) kept += line + "\n";
  }
  write_file_atomic(path, kept);
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
  if (std::printf("%s\n", summary.dump().c_str()) < 0 || std::fflush(stdout) != 0)
    throw Error(std::string("<stdout>: cannot write the summary: ") + std::strerror(errno));
}

}  // namespace varrl
