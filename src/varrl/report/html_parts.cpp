#include "varrl/report/html_parts.h"

#include "varrl/core/atomic_file.h"
#include "varrl/core/base64.h"
#include "varrl/core/error.h"
#include "varrl/report/svg_plot.h"

namespace varrl {

std::string table_html(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string o = "<table>\n<tr>";
  for (const auto& h : header) o += "<th>" + html_escape(h) + "</th>";
  o += "</tr>\n";
  for (const auto& row : rows) {
    o += "<tr>";
    for (const auto& c : row) o += "<td>" + html_escape(c) + "</td>";
    o += "</tr>\n";
  }
  return o + "</table>\n";
}

std::string img_html(const std::string& path, const std::string& alt) {
  const std::string bytes = read_file(path);
  if (bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw Error(path + ": not a PNG file");
  return "<img src=\"data:image/png;base64," + base64_encode(bytes) + "\" alt=\"" + html_escape(alt) + "\">";
}

std::string figure_html(const std::string& path, const std::string& caption) {
  return "<figure>" + img_html(path, caption) + "<figcaption>" + html_escape(caption) + "</figcaption></figure>\n";
}

}  // namespace varrl
