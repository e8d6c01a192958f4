// One row of a prompts .jsonl file (what `varrl render` writes and every later command reads):
//   {"prompt": "...", "texts": ["OPEN LATE"], "boxes": [[x0,y0,x1,y1]], "image": "img/000001.png"}
// `image` is relative to the folder of the .jsonl file; `boxes` are pixel boxes (x1,y1 exclusive), one per text.
#pragma once
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace varrl {

using Box = std::array<int, 4>;  // x0, y0, x1, y1 (exclusive)

struct PromptRecord {
  std::string prompt;
  std::vector<std::string> texts;
  std::vector<Box> boxes;
  std::string image;  // relative path; empty for prompt-only files
};

// A pixel box from a JSON value (a prompts file's "boxes", an external reward's reply): a list of four numbers, each
// finite and within ±1e9 (converting anything larger to int is undefined behaviour), rounded to the nearest pixel;
// anything else throws Error("a box must be [x0, y0, x1, y1] in pixels").
Box box_from_json(const nlohmann::json& xyxy);

// Reads a prompts file. Plain-text files (one prompt per line, not starting with '{') are accepted too: the texts are
// the double-quoted parts of each prompt. Errors name file and line.
// Text that is not valid UTF-8 (a binary file) is refused with file and line.
std::vector<PromptRecord> read_prompts(const std::string& path);
// The same on a file's contents (`path` only names it in errors).
std::vector<PromptRecord> parse_prompts(const std::string& text, const std::string& path);
void write_prompts(const std::string& path, const std::vector<PromptRecord>& rows);  // atomic
// A record's first text ("" when it has none): what evaluations show and `varrl eval --per-image` files name.
inline std::string first_text(const PromptRecord& r) { return r.texts.empty() ? "" : r.texts[0]; }
// The double-quoted substrings of a prompt, in order.
std::vector<std::string> quoted_texts(const std::string& prompt);
// Absolute/relative-to-cwd path of a record's image given the prompts file path.
std::string image_path(const std::string& prompts_file, const PromptRecord& r);

}  // namespace varrl
