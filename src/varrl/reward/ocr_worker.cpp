#include "varrl/reward/ocr_worker.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "varrl/core/base64.h"
#include "varrl/core/error.h"

namespace varrl {

nlohmann::json ocr_options_to_json(const OcrOptions& o) {
  return {{"psm", o.psm},         {"upscale", o.upscale},   {"pad", o.pad},   {"dark_on_light", o.dark_on_light},
          {"min_std", o.min_std}, {"min_conf", o.min_conf}, {"lang", o.lang}, {"tessdata", o.tessdata}};
}

OcrOptions ocr_options_from_json(const nlohmann::json& j) {
  OcrOptions o;
  o.psm = j.at("psm").get<int>();
  o.upscale = j.at("upscale").get<int>();
  o.pad = j.at("pad").get<int>();
  o.dark_on_light = j.at("dark_on_light").get<bool>();
  o.min_std = j.at("min_std").get<double>();
  o.min_conf = j.at("min_conf").get<double>();
  o.lang = j.at("lang").get<std::string>();
  o.tessdata = j.at("tessdata").get<std::string>();
  return o;
}

std::string encode_ocr_request(long seq, const std::vector<Image>& images, size_t begin, size_t end) {
  nlohmann::json j;
  j["seq"] = seq;
  j["images"] = nlohmann::json::array();
  for (size_t i = begin; i < end; ++i) {
    const Image& im = images[i];
    std::string_view bytes(reinterpret_cast<const char*>(im.rgb.data()), im.rgb.size());
    j["images"].push_back({{"w", im.width}, {"h", im.height}, {"rgb", base64_encode(bytes)}});
  }
  return j.dump();
}

std::vector<OcrResult> decode_ocr_reply(const std::string& line, long seq, size_t expected, const std::string& who) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const std::exception&) {
    throw Error(who + ": malformed reply: " + line.substr(0, 200));
  }
  if (j.contains("error")) throw Error(who + ": " + j["error"].dump());
  if (!j.contains("seq") || j["seq"] != seq) throw Error(who + ": reply out of sequence");
  std::vector<OcrResult> out;
  try {
    for (const auto& r : j.at("results")) {
      OcrResult res;
      for (const auto& w : r)
        res.words.push_back({w.at("t").get<std::string>(), w.at("c").get<float>(), w.at("b").get<Box>()});
      out.push_back(std::move(res));
    }
  } catch (const std::exception& e) {
    throw Error(who + ": malformed reply (" + e.what() + ")");
  }
  if (out.size() != expected) throw Error(who + ": reply has the wrong number of results");
  return out;
}

namespace {

nlohmann::json answer(TesseractEngine& engine, const std::string& line) {
  nlohmann::json req = nlohmann::json::parse(line);
  nlohmann::json reply;
  reply["seq"] = req.at("seq");
  nlohmann::json results = nlohmann::json::array();
  for (const auto& im : req.at("images")) {
    Image img(im.at("w").get<int>(), im.at("h").get<int>());
    std::string bytes = base64_decode(im.at("rgb").get<std::string>());
    if (bytes.size() != img.rgb.size()) throw Error("image size does not match its pixel data");
    std::copy(bytes.begin(), bytes.end(), img.rgb.begin());
    nlohmann::json words = nlohmann::json::array();
    for (const auto& w : engine.read(img).words) words.push_back({{"t", w.text}, {"c", w.conf}, {"b", w.box}});
    results.push_back(std::move(words));
  }
  reply["results"] = std::move(results);
  return reply;
}

}  // namespace

int run_ocr_worker(const OcrOptions& opts) {
  // Keep the real stdout for replies; point fd 1 at stderr for everything else.
  int proto_fd = ::dup(1);
  if (proto_fd < 0 || ::dup2(2, 1) < 0) return 2;
  std::FILE* out = ::fdopen(proto_fd, "w");
  if (!out) return 2;
  TesseractEngine engine(opts);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    nlohmann::json reply;
    try {
      reply = answer(engine, line);
    } catch (const std::exception& e) {
      long seq = -1;
      try {
        seq = nlohmann::json::parse(line).value("seq", -1L);
      } catch (...) {
      }
      reply = {{"seq", seq}, {"error", std::string("ocr worker: ") + e.what()}};
    }
    const std::string s = reply.dump() + "\n";
    if (std::fwrite(s.data(), 1, s.size(), out) != s.size() || std::fflush(out) != 0) return 1;
  }
  std::fclose(out);
  return 0;
}

}  // namespace varrl
