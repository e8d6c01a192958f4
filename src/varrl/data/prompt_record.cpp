#include "varrl/data/prompt_record.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/utf8.h"

namespace varrl {

std::vector<std::string> quoted_texts(const std::string& prompt) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t a = prompt.find('"', pos);
    if (a == std::string::npos) break;
    size_t b = prompt.find('"', a + 1);
    if (b == std::string::npos) break;
    out.push_back(prompt.substr(a + 1, b - a - 1));
    pos = b + 1;
  }
  return out;
}

std::vector<PromptRecord> read_prompts(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open prompts file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_prompts(text.str(), path);
}

Box box_from_json(const nlohmann::json& xyxy) {
  const Error bad("a box must be [x0, y0, x1, y1] in pixels");
  if (!xyxy.is_array() || xyxy.size() != 4) throw bad;
  Box box{};
  for (size_t k = 0; k < 4; ++k) {
    if (!xyxy[k].is_number() || !(std::abs(xyxy[k].get<double>()) < 1e9)) throw bad;
    box[k] = static_cast<int>(std::lround(xyxy[k].get<double>()));
  }
  return box;
}

std::vector<PromptRecord> parse_prompts(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::vector<PromptRecord> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    // Text only: binary garbage stops here, before any sampling, with the file and line named.
    if (invalid_utf8_at(line) != std::string::npos)
      throw Error(path + ":" + std::to_string(n) + ": not valid UTF-8 text (byte " +
                  std::to_string(invalid_utf8_at(line) + 1) + " of the line)");
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r')
        throw Error(path + ":" + std::to_string(n) + ": control character in a text line (a binary file?)");
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    PromptRecord r;
    if (line[first] != '{') {
      r.prompt = line.substr(first);
      while (!r.prompt.empty() && (r.prompt.back() == '\r' || r.prompt.back() == ' ')) r.prompt.pop_back();
      r.texts = quoted_texts(r.prompt);
      rows.push_back(std::move(r));
      continue;
    }
    try {
      auto j = nlohmann::json::parse(line);
      r.prompt = j.at("prompt").get<std::string>();
      if (j.contains("texts"))
        r.texts = j["texts"].get<std::vector<std::string>>();
      else
        r.texts = quoted_texts(r.prompt);
      if (j.contains("boxes")) {
        if (!j["boxes"].is_array()) throw Error("\"boxes\" must be a list of [x0, y0, x1, y1]");
        for (const auto& b : j["boxes"]) r.boxes.push_back(box_from_json(b));
      }
      if (j.contains("image")) r.image = j["image"].get<std::string>();
    } catch (const std::exception& e) {
      throw Error(path + ":" + std::to_string(n) + ": bad prompt record (" + e.what() + ")");
    }
    rows.push_back(std::move(r));
  }
  if (rows.empty()) throw Error(path + ": no prompts in file");
  return rows;
}

void write_prompts(const std::string& path, const std::vector<PromptRecord>& rows) {
  std::string out;
  for (const auto& r : rows) {
    nlohmann::ordered_json j;
    j["prompt"] = r.prompt;
    j["texts"] = r.texts;
    j["boxes"] = r.boxes;
    if (!r.image.empty()) j["image"] = r.image;
    out += j.dump() + "\n";
  }
  write_file_atomic(path, out);
}

std::string image_path(const std::string& prompts_file, const PromptRecord& r) {
  std::filesystem::path p(r.image);
  if (p.is_absolute()) return r.image;
  return (std::filesystem::path(prompts_file).parent_path() / p).string();
}

}  // namespace varrl
