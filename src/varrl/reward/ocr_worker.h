// The OCR worker: a process (`varrl ocr-worker --options JSON`, started by reward/ocr_pool.h with OMP_THREAD_LIMIT=1)
// that owns one TesseractEngine and answers JSON lines on stdin/stdout until stdin closes:
//   request  {"seq": 7, "images": [{"w": 128, "h": 32, "rgb": "<base64 of h*w*3 bytes>"}, ...]}
//   reply    {"seq": 7, "results": [[{"t": "open", "c": 0.93, "b": [x0, y0, x1, y1]}, ...], ...]}
//   or       {"seq": 7, "error": "what went wrong"}
// This header holds both sides of that wire format and the worker's loop.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "varrl/core/image.h"
#include "varrl/reward/tesseract_engine.h"

namespace varrl {

nlohmann::json ocr_options_to_json(const OcrOptions& o);
OcrOptions ocr_options_from_json(const nlohmann::json& j);

std::string encode_ocr_request(long seq, const std::vector<Image>& images, size_t begin, size_t end);
// Parses a reply; throws varrl::Error (prefixed with `who`) on an error reply, a wrong seq or a malformed line.
std::vector<OcrResult> decode_ocr_reply(const std::string& line, long seq, size_t expected, const std::string& who);

// The worker's main loop on stdin/stdout. Anything else that writes to stdout (a library's stray print) is sent to
// stderr instead, so the protocol stream stays clean. Returns the process exit code.
int run_ocr_worker(const OcrOptions& opts);

}  // namespace varrl
