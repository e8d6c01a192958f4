// Pieces of the HTML report: a table, a PNG embedded as a data URI, a captioned figure.
#pragma once
#include <string>
#include <vector>

namespace varrl {

std::string table_html(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// A PNG file as an <img> with a data URI; throws varrl::Error naming the path when it is not a PNG.
std::string img_html(const std::string& path, const std::string& alt);
std::string figure_html(const std::string& path, const std::string& caption);

}  // namespace varrl
