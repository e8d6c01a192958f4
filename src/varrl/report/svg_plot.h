// A small torch-free line-plot renderer for `varrl report`: named (x, y) series → one self-contained `<svg>` string
// (axes with numeric ticks, one `<polyline>` per series, a legend). Non-finite points are skipped.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace varrl {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;  // same length; points where x or y is NaN/inf are skipped
  std::vector<double> band;  // optional half-width (e.g. a std): a light y ± band area under the line
};

struct PlotSpec {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  int width = 560, height = 290;  // pixels, legend included
};

// The `<svg>…</svg>` markup; a plot without any finite point shows "no data".
std::string svg_line_plot(const PlotSpec& spec);

// Distinct colour ("#rrggbb") of series `i`: ten fixed ones, then hues spread by the golden angle.
std::string series_colour(size_t i);

// Escapes &, <, >, " and ' for HTML/SVG text and attribute values.
std::string html_escape(std::string_view text);

// Compact number: 4 significant digits ("0.1235", "1.2e+04"); "–" for NaN/inf.
std::string format_number(double v);

}  // namespace varrl
