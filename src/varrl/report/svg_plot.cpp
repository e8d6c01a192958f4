// Line plots as inline SVG for the HTML report (see svg_plot.h).
#include "varrl/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace varrl {

namespace {

std::string fmt(const char* f, double a, double b = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a, b);
  return buf;
}

bool finite_point(const PlotSeries& s, size_t i) {
  return i < s.x.size() && i < s.y.size() && std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
}

// Ticks at 1/2/5 × 10^k steps covering [lo, hi]: about `want` of them, and at least 3.
std::vector<double> nice_ticks(double lo, double hi, int want) {
  const double raw = (hi - lo) / std::max(want, 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  int m = 0;  // step = {1, 2, 5}[m] * mag
  const double mult[] = {1.0, 2.0, 5.0};
  while (m < 3 && mult[m] * mag < raw) ++m;
  if (m == 3) m = 0, mag *= 10;
  std::vector<double> ticks;
  for (int tries = 0; tries < 8; ++tries) {
    const double step = mult[m] * mag;
    ticks.clear();
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9 && ticks.size() < 20; t += step)
      ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (ticks.size() >= 3) break;
    // The next smaller step: 5 → 2 → 1 → 0.5 …
    m = m == 0 ? 2 : m - 1;
    if (m == 2) mag /= 10;
  }
  return ticks;
}

// A tick label with enough significant digits that neighbouring ticks (`step` apart) read differently.
std::string tick_label(double t, double step) {
  const int digits = static_cast<int>(std::ceil(std::log10(std::max(std::abs(t), step) / step))) + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", std::clamp(digits, 4, 12), t);
  return buf;
}

// [lo, hi] widened so that it is never empty (a constant series sits in the middle).
void widen(double& lo, double& hi) {
  if (hi > lo) return;
  const double pad = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
  lo -= pad;
  hi += pad;
}

// At most about n bytes: a longer name keeps its head and tail (where run names differ), cut on UTF-8 boundaries.
std::string shorten(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  auto boundary = [&](size_t i) {
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
  };
  const size_t head = boundary((n - 1) / 2), tail = boundary(s.size() - (n - 1 - (n - 1) / 2));
  return s.substr(0, head) + "~" + s.substr(tail);
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '"'  ? "&quot;"
                         : c == '\'' ? "&#39;"
                                     : nullptr;
    out += entity ? std::string_view(entity) : std::string_view(&c, 1);
  }
  return out;
}

std::string format_number(double v) { return std::isfinite(v) ? fmt("%.4g", v) : "\xe2\x80\x93"; }

std::string series_colour(size_t i) {
  static const char* fixed[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  if (i < 10) return fixed[i];
  // HSV (hue by the golden angle, s = 0.65, v = 0.8) → RGB: channel n is v − v·s·clamp(min(k, 4 − k), 0, 1) with
  // k = (n + hue / 60) mod 6.
  const double hue = std::fmod(static_cast<double>(i) * 137.508, 360.0) / 60.0, s = 0.65, v = 0.8;
  auto channel = [&](double n) {
    const double k = std::fmod(n + hue, 6.0);
    return static_cast<int>(255 * (v - v * s * std::clamp(std::min(k, 4 - k), 0.0, 1.0)));
  };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", channel(5), channel(3), channel(1));
  return buf;
}

std::string svg_line_plot(const PlotSpec& spec) {
  const double W = spec.width, H = spec.height;
  // The legend column is as wide as the longest name needs (about 6.3 px a character), within limits.
  size_t longest = 4;
  for (const auto& s : spec.series) longest = std::max(longest, s.name.size());
  const double legend_w = std::clamp(36 + 6.3 * static_cast<double>(longest), 90.0, std::max(90.0, 0.42 * W));
  const size_t legend_chars = static_cast<size_t>((legend_w - 36) / 6.3);
  const double left = 62, right = W - legend_w - 8, top = 30, bottom = H - 42;
  const double inf = std::numeric_limits<double>::infinity();
  double x_lo = inf, x_hi = -inf, y_lo = inf, y_hi = -inf;
  for (const auto& s : spec.series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!finite_point(s, i)) continue;
      const double b = i < s.band.size() && std::isfinite(s.band[i]) ? std::abs(s.band[i]) : 0.0;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i] - b);
      y_hi = std::max(y_hi, s.y[i] + b);
    }
  }
  // No xmlns: the SVG lives inline in HTML, whose parser puts it in the SVG namespace (and the page holds no URL).
  std::string o = "<svg class=\"plot\" width=\"" + fmt("%.0f", W) + "\" height=\"" + fmt("%.0f", H) +
                  "\" viewBox=\"0 0 " + fmt("%.0f %.0f", W, H) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  o += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" " +
       "font-weight=\"bold\">" + html_escape(spec.title) + "</text>\n";
  o += "<rect x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", top) + "\" width=\"" + fmt("%.1f", right - left) +
       "\" height=\"" + fmt("%.1f", bottom - top) + "\" fill=\"none\" stroke=\"#888\"/>\n";
  o += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" + fmt("%.1f", H - 6) + "\" text-anchor=\"middle\">" +
       html_escape(spec.x_label) + "</text>\n";
  o += "<text transform=\"translate(13," + fmt("%.1f", (top + bottom) / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       html_escape(spec.y_label) + "</text>\n";
  if (!(x_lo <= x_hi)) {
    o += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" + fmt("%.1f", (top + bottom) / 2) +
         "\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n</svg>";
    return o;
  }
  widen(x_lo, x_hi);
  widen(y_lo, y_hi);
  const double y_pad = (y_hi - y_lo) * 0.05;
  y_lo -= y_pad;
  y_hi += y_pad;
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * (right - left); };
  auto py = [&](double y) { return bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top); };

  const std::vector<double> x_ticks = nice_ticks(x_lo, x_hi, 5), y_ticks = nice_ticks(y_lo, y_hi, 4);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  for (double t : x_ticks) {
    const double X = px(t);
    o += "<line x1=\"" + fmt("%.1f", X) + "\" y1=\"" + fmt("%.1f", top) + "\" x2=\"" + fmt("%.1f", X) + "\" y2=\"" +
         fmt("%.1f", bottom) + "\" stroke=\"#eee\"/><text x=\"" + fmt("%.1f", X) + "\" y=\"" +
         fmt("%.1f", bottom + 14) + "\" text-anchor=\"middle\">" + tick_label(t, x_step) + "</text>\n";
  }
  for (double t : y_ticks) {
    const double Y = py(t);
    o += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", Y) + "\" x2=\"" + fmt("%.1f", right) +
         "\" y2=\"" + fmt("%.1f", Y) + "\" stroke=\"#eee\"/><text x=\"" + fmt("%.1f", left - 4) + "\" y=\"" +
         fmt("%.1f", Y + 4) + "\" text-anchor=\"end\">" + tick_label(t, y_step) + "</text>\n";
  }
  for (size_t k = 0; k < spec.series.size(); ++k) {
    const PlotSeries& s = spec.series[k];
    const std::string colour = series_colour(k);
    if (!s.band.empty()) {
      std::string upper, lower;
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!finite_point(s, i) || i >= s.band.size() || !std::isfinite(s.band[i])) continue;
        upper += fmt("%.1f,%.1f ", px(s.x[i]), py(s.y[i] + std::abs(s.band[i])));
        lower = fmt("%.1f,%.1f ", px(s.x[i]), py(s.y[i] - std::abs(s.band[i]))) + lower;
      }
      if (!upper.empty())
        o += "<polygon points=\"" + upper + lower + "\" fill=\"" + colour +
             "\" fill-opacity=\"0.15\" stroke=\"none\"/>\n";
    }
    std::string points;
    size_t n = 0, last = 0;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!finite_point(s, i)) continue;
      points += (n ? " " : "") + fmt("%.1f,%.1f", px(s.x[i]), py(s.y[i]));
      ++n;
      last = i;
    }
    o += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + colour +
         "\" stroke-width=\"1.6\" stroke-linejoin=\"round\"><title>" + html_escape(s.name) + "</title></polyline>\n";
    if (n == 1)
      o += "<circle cx=\"" + fmt("%.1f", px(s.x[last])) + "\" cy=\"" + fmt("%.1f", py(s.y[last])) +
           "\" r=\"3\" fill=\"" + colour + "\"/>\n";
    const double ly = top + 8 + 15 * static_cast<double>(k);
    o += "<line x1=\"" + fmt("%.1f", right + 10) + "\" y1=\"" + fmt("%.1f", ly) + "\" x2=\"" + fmt("%.1f", right + 28) +
         "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"" + colour + "\" stroke-width=\"3\"/><text x=\"" +
         fmt("%.1f", right + 32) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" +
         html_escape(shorten(s.name, legend_chars)) + "</text>\n";
  }
  o += "</svg>";
  return o;
}

}  // namespace varrl
