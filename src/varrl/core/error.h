// One exception type for every user-facing failure: the CLI prints its message as one line and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace varrl {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Ends the program with `code` after everything was shut down cleanly (a run stopped by SIGTERM: 128 + 15 = 143, as
// a shell reports a process killed by that signal); `message`, if any, is printed as one line.
struct ExitStatus {
  int code;
  std::string message;
};

// Caps an error line at about `max` bytes: longer text (a 1 MB config value) is cut in the middle with "…".
// Line breaks become spaces: the message stays one line.
inline std::string cap_line(std::string s, size_t max = 300) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.size() <= max) return s;
  size_t head = max * 2 / 3, tail = max - head - 3;
  while (head > 0 && (static_cast<unsigned char>(s[head]) & 0xC0) == 0x80) --head;  // whole UTF-8 characters
  size_t from = s.size() - tail;
  while (from < s.size() && (static_cast<unsigned char>(s[from]) & 0xC0) == 0x80) ++from;
  return s.substr(0, head) + "\u2026" + s.substr(from);
}

}  // namespace varrl
