// Headless-Chromium checks of an HTML report, shared by the report and demo tests: the page's own script sets
// data-ok / data-svg / data-img / data-img-loaded on <body> (and data-errors on a script error); --dump-dom returns
// the DOM after scripts ran.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

#include "varrl/core/atomic_file.h"

namespace varrl::test {

// The Chromium binary (Debian's `chromium`, installed by scripts/setup.sh), or "".
inline std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"})
    if (std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0) return name;
  return "";
}

// Runs headless Chromium on a local file with a private profile; returns its exit status.
inline int run_chromium(const std::string& chromium, const std::string& args, const std::filesystem::path& html,
                        const std::filesystem::path& work) {
  const std::string cmd = "timeout 90 " + chromium +
                          " --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage" +
                          " --no-first-run --user-data-dir=" + (work / "profile").string() + " " + args + " file://" +
                          std::filesystem::absolute(html).string() + " 2>" + (work / "chromium.err").string();
  return std::system(cmd.c_str());
}

// An integer attribute of the <body> tag in a dumped DOM, or -1.
inline long body_attr(const std::string& dom, const std::string& name) {
  const size_t body = dom.find("<body");
  if (body == std::string::npos) return -1;
  const std::string tag = dom.substr(body, dom.find('>', body) - body);
  const size_t p = tag.find(" " + name + "=\"");
  return p == std::string::npos ? -1 : std::atol(tag.c_str() + p + name.size() + 3);
}

// The DOM of `html` after its scripts ran ("" when Chromium failed; the reason is in work/chromium.err).
inline std::string dump_dom(const std::string& chromium, const std::filesystem::path& html,
                            const std::filesystem::path& work) {
  std::filesystem::create_directories(work);
  const auto dom_file = work / "dom.html";
  if (run_chromium(chromium, "--dump-dom > " + dom_file.string(), html, work) != 0) return "";
  return read_file(dom_file.string());
}

}  // namespace varrl::test
