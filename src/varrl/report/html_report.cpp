// The self-contained HTML report of RL runs (see html_report.h): plots, a summary table, sample grids, the held-out
// evaluation before/after, the config; plus a tiny script that records whether the page rendered (for the test).
#include "varrl/report/html_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/report/html_parts.h"
#include "varrl/report/svg_plot.h"

namespace varrl {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct RunData {
  std::string dir, label;
  std::vector<json> records;
  std::vector<std::pair<long long, std::string>> samples;  // (step, PNG path), by step
  json eval;                                               // eval.json, or null
  std::string config_yaml;                                 // empty when absent
  int scales = 0;                                          // 1 + the largest N of any "…/scaleN" key
};

double num(const json& rec, const std::string& key) {
  auto it = rec.find(key);
  return it != rec.end() && it->is_number() ? it->get<double>() : kNaN;
}

RunData load_run(const std::string& dir) {
  RunData r;
  r.dir = dir;
  if (!fs::is_directory(dir)) throw Error(dir + ": no such run directory");
  const std::string metrics = dir + "/metrics.jsonl";
  if (!fs::exists(metrics)) throw Error(dir + ": no metrics.jsonl (not an RL run directory)");
  r.records = read_jsonl(metrics);
  for (size_t i = 0; i < r.records.size(); ++i) {
    if (!r.records[i].is_object()) throw Error(metrics + ": record " + std::to_string(i + 1) + " is not a JSON object");
    for (const auto& kv : r.records[i].items()) {
      const auto pos = kv.key().rfind("/scale");
      if (pos == std::string::npos) continue;
      const std::string digits = kv.key().substr(pos + 6);
      if (!digits.empty() && digits.size() < 4 && digits.find_first_not_of("0123456789") == std::string::npos)
        r.scales = std::max(r.scales, std::stoi(digits) + 1);
    }
  }
  if (fs::is_directory(dir + "/samples"))
    for (const auto& e : fs::directory_iterator(dir + "/samples")) {
      const std::string name = e.path().filename().string();
      if (name.size() > 9 && name.rfind("step_", 0) == 0 && name.substr(name.size() - 4) == ".png" &&
          name.find_first_not_of("0123456789", 5) == name.size() - 4)
        r.samples.emplace_back(std::stoll(name.substr(5, name.size() - 9)), e.path().string());
    }
  std::sort(r.samples.begin(), r.samples.end());
  const std::string eval = dir + "/eval.json";
  if (fs::exists(eval)) {
    try {
      r.eval = read_json(eval);
    } catch (const json::exception&) {
      throw Error(eval + ": malformed JSON");
    }
    if (!r.eval.is_object()) throw Error(eval + ": expected a JSON object with \"before\" / \"after\"");
  }
  if (fs::exists(dir + "/config.yaml")) r.config_yaml = read_file(dir + "/config.yaml");
  return r;
}

// The run's name in legends and tables: the directory's last path component.
std::string run_label(const std::string& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

std::vector<double> steps_of(const RunData& r) {
  std::vector<double> x;
  for (size_t i = 0; i < r.records.size(); ++i) {
    const double s = num(r.records[i], "step");
    x.push_back(std::isfinite(s) ? s : static_cast<double>(i + 1));
  }
  return x;
}

PlotSeries column(const RunData& r, const std::string& key, const std::string& name) {
  PlotSeries s{name, steps_of(r), {}, {}};
  for (const auto& rec : r.records) s.y.push_back(num(rec, key));
  return s;
}

// Seconds per step: time/sample + time/reward + time/update (missing parts count 0; NaN when all are missing).
PlotSeries step_time(const RunData& r, const std::string& name) {
  PlotSeries s{name, steps_of(r), {}, {}};
  for (const auto& rec : r.records) {
    double sum = 0;
    bool any = false;
    for (const char* k : {"time/sample", "time/reward", "time/update"})
      if (std::isfinite(num(rec, k))) sum += num(rec, k), any = true;
    s.y.push_back(any ? sum : kNaN);
  }
  return s;
}

// Held-out reward at each evaluation of the run (eval.json's "curve"; band = its standard error).
PlotSeries heldout_curve(const RunData& r, const std::string& name) {
  PlotSeries s{name, {}, {}, {}};
  if (!r.eval.is_object() || !r.eval.contains("curve") || !r.eval["curve"].is_array()) return s;
  for (const auto& p : r.eval["curve"]) {
    s.x.push_back(num(p, "step"));
    s.y.push_back(num(p, "reward"));
    s.band.push_back(num(p, "reward_se"));
  }
  return s;
}

bool has_data(const PlotSpec& p) {
  for (const auto& s : p.series)
    for (size_t i = 0; i < s.y.size(); ++i)
      if (std::isfinite(s.y[i]) && std::isfinite(s.x[i])) return true;
  return false;
}

std::set<std::string> reward_parts(const std::vector<RunData>& runs) {
  std::set<std::string> parts;
  for (const auto& r : runs)
    for (const auto& rec : r.records)
      for (const auto& kv : rec.items())
        if (kv.key().rfind("reward/", 0) == 0 && kv.key() != "reward/mean" && kv.key() != "reward/std")
          parts.insert(kv.key());
  return parts;
}

std::vector<PlotSpec> single_run_plots(const RunData& r) {
  std::vector<PlotSpec> plots;
  auto add = [&](const std::string& title, const std::string& y, std::vector<PlotSeries> series) {
    plots.push_back(PlotSpec{title, "step", y, std::move(series)});
  };
  PlotSeries reward = column(r, "reward/mean", "reward mean");
  for (const auto& rec : r.records) reward.band.push_back(num(rec, "reward/std"));
  add("Reward (mean, band = \xc2\xb1 std over the batch)", "reward", {reward});
  std::vector<PlotSeries> parts;
  for (const auto& k : reward_parts({r})) parts.push_back(column(r, k, k.substr(7)));
  add("Reward parts (batch means)", "reward", parts);
  add("Held-out reward (band = \xc2\xb1 standard error)", "reward", {heldout_curve(r, "held-out reward")});
  add("KL to the reference policy", "kl", {column(r, "kl", "kl")});
  add("Clip ratio", "fraction clipped", {column(r, "clip_ratio", "clip_ratio")});
  add("Gradient norm (before clipping)", "grad_norm", {column(r, "grad_norm", "grad_norm")});
  add("Importance ratio (mean)", "ratio", {column(r, "ratio/mean", "ratio/mean")});
  add("Groups with zero reward std", "fraction", {column(r, "frac_reward_zero_std", "frac_zero_std")});
  add("Learning rate", "lr", {column(r, "lr", "lr")});
  add("Time per step", "seconds",
      {column(r, "time/sample", "sample"), column(r, "time/reward", "reward"), column(r, "time/update", "update")});
  add("Resident memory (flat = no leak)", "MiB", {column(r, "mem/rss_mb", "rss")});
  add("Value model (VMR)", "value", {column(r, "vmr/value_mean", "mean"), column(r, "vmr/value_std", "std")});
  const std::pair<const char*, const char*> per_scale[] = {
      {"entropy/scale", "Entropy per scale"},
      {"kl/scale", "KL per scale"},
      {"loss_share/scale", "Loss share per scale"},
      {"panw/weight/scale", "PANW weight per scale"},
      {"mp/live/scale", "Mask propagation: live tokens per scale"}};
  for (const auto& [prefix, title] : per_scale) {
    std::vector<PlotSeries> series;
    for (int t = 0; t < r.scales; ++t)
      series.push_back(column(r, prefix + std::to_string(t), "scale " + std::to_string(t)));
    add(title, std::string(prefix).substr(0, std::string(prefix).size() - 6), series);
  }
  plots.erase(std::remove_if(plots.begin(), plots.end(), [](const PlotSpec& p) { return !has_data(p); }), plots.end());
  return plots;
}

std::vector<PlotSpec> multi_run_plots(const std::vector<RunData>& runs) {
  std::vector<PlotSpec> plots;
  auto add = [&](const std::string& title, const std::string& key) {
    PlotSpec p{title, "step", key, {}};
    for (const auto& r : runs) p.series.push_back(key == "time" ? step_time(r, r.label) : column(r, key, r.label));
    if (has_data(p)) plots.push_back(std::move(p));
  };
  add("Reward (batch mean)", "reward/mean");
  for (const auto& k : reward_parts(runs)) add("Reward part: " + k.substr(7), k);
  PlotSpec heldout{"Held-out reward", "step", "reward", {}};
  for (const auto& r : runs) heldout.series.push_back(heldout_curve(r, r.label));
  if (has_data(heldout)) plots.push_back(std::move(heldout));
  add("KL to the reference policy", "kl");
  add("Clip ratio", "clip_ratio");
  add("Gradient norm (before clipping)", "grad_norm");
  add("Importance ratio (mean)", "ratio/mean");
  add("Groups with zero reward std", "frac_reward_zero_std");
  add("Learning rate", "lr");
  add("Seconds per step", "time");
  return plots;
}

double mean_of(const std::vector<double>& v, size_t begin, size_t end) {
  double sum = 0;
  size_t n = 0;
  for (size_t i = begin; i < end && i < v.size(); ++i)
    if (std::isfinite(v[i])) sum += v[i], ++n;
  return n ? sum / static_cast<double>(n) : kNaN;
}

std::vector<std::string> summary_row(const RunData& r) {
  const std::vector<double> reward = column(r, "reward/mean", "").y, kl = column(r, "kl", "").y;
  const std::vector<double> grad = column(r, "grad_norm", "").y, x = steps_of(r);
  const size_t n = r.records.size(), tenth = std::max<size_t>(1, (n + 9) / 10);
  const double first = mean_of(reward, 0, tenth), last = mean_of(reward, n - std::min(n, tenth), n);
  double max_grad = kNaN;
  for (double g : grad)
    if (std::isfinite(g) && !(g <= max_grad)) max_grad = g;
  std::map<std::string, int> updates;
  int skipped = 0;
  for (const auto& rec : r.records) {
    if (rec.contains("update") && rec["update"].is_string()) ++updates[rec["update"].get<std::string>()];
    if (rec.contains("skipped") && rec["skipped"].is_string() && !rec["skipped"].get<std::string>().empty()) ++skipped;
  }
  std::string phases;
  for (const auto& [k, c] : updates) phases += (phases.empty() ? "" : " ") + k + ":" + std::to_string(c);
  return {r.label,
          std::to_string(n),
          n ? format_number(x.back()) : "\xe2\x80\x93",
          format_number(first),
          format_number(last),
          format_number(last - first),
          format_number(max_grad),
          format_number(mean_of(kl, 0, n)),
          std::to_string(skipped),
          phases.empty() ? "\xe2\x80\x93" : phases};
}

std::string eval_value(const json& eval, const char* part, const char* key) {
  if (!eval.is_object() || !eval.contains(part) || !eval[part].is_object()) return "\xe2\x80\x93";
  return format_number(num(eval[part], key));
}

std::string eval_table(const RunData& r) {
  std::vector<std::vector<std::string>> rows;
  for (const char* k : {"reward", "word_accuracy", "ned", "images"}) {
    const double b = r.eval.contains("before") ? num(r.eval["before"], k) : kNaN;
    const double a = r.eval.contains("after") ? num(r.eval["after"], k) : kNaN;
    std::string delta = std::string(k) == "images" ? "" : format_number(a - b);
    // The reward's change carries its paired standard error when eval.json has one (same prompts and noise).
    if (std::string(k) == "reward" && r.eval.contains("delta") && r.eval["delta"].is_object())
      delta += " \xc2\xb1 " + format_number(num(r.eval["delta"], "reward_se"));
    rows.push_back({k, eval_value(r.eval, "before", k), eval_value(r.eval, "after", k), delta});
  }
  std::string after = "after";
  if (r.eval.contains("after") && std::isfinite(num(r.eval["after"], "step")))
    after += " (step " + format_number(num(r.eval["after"], "step")) + ")";
  return table_html({"held-out metric", "before", after, "\xce\x94"}, rows);
}

// Samples, evaluation and config of one run; `max_grids` sample grids, evenly chosen (first and last included).
std::string run_section(const RunData& r, size_t max_grids, bool with_eval_table) {
  std::string o =
      "<section>\n<h2>Run " + html_escape(r.label) + "</h2>\n<p class=\"path\">" + html_escape(r.dir) + "</p>\n";
  const bool before_png = fs::exists(r.dir + "/eval_before.png"), after_png = fs::exists(r.dir + "/eval_after.png");
  if (!r.eval.is_null() || before_png || after_png) {
    o += "<h3>Held-out evaluation, before / after</h3>\n";
    if (with_eval_table && !r.eval.is_null()) o += eval_table(r);
    o += "<div class=\"pair\">\n";
    if (before_png) o += figure_html(r.dir + "/eval_before.png", "before RL");
    if (after_png) o += figure_html(r.dir + "/eval_after.png", "after RL");
    o += "</div>\n";
  }
  if (!r.samples.empty()) {
    std::vector<size_t> chosen;
    const size_t n = r.samples.size(), k = std::min(n, std::max<size_t>(max_grids, 1));
    for (size_t i = 0; i < k; ++i) chosen.push_back(k == 1 ? n - 1 : (i * (n - 1) + (k - 1) / 2) / (k - 1));
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    o += "<h3>Samples (fixed prompts and seeds; " + std::to_string(chosen.size()) + " of " + std::to_string(n) +
         " grids)</h3>\n<div class=\"grids\">\n";
    for (size_t i : chosen) o += figure_html(r.samples[i].second, "step " + std::to_string(r.samples[i].first));
    o += "</div>\n";
  }
  if (!r.config_yaml.empty())
    o += "<details><summary>config.yaml</summary><pre>" + html_escape(r.config_yaml) + "</pre></details>\n";
  return o + "</section>\n";
}

const char* kStyle =
    R"(body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1280px;color:#222;padding:0 16px}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.path{color:#666;font-family:monospace}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plots svg{border:1px solid #ddd}
.grids,.pair{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}figure{margin:0;max-width:100%}
img{max-width:100%;height:auto;image-rendering:pixelated;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}
pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:.85em})";

// Top of the page: records script errors (the end-of-page check reports them as data-errors).
const char* kErrorHook =
    "<script>window.varrlErrors=[];window.onerror=function(m,s,l){"
    "window.varrlErrors.push(String(m)+(l?' (line '+l+')':''));"
    "if(document.body)document.body.dataset.errors=window.varrlErrors.join(' | ');};</script>\n";
// End of the page: counts what rendered; after the load event also how many images decoded.
const char* kRenderCheck =
    "<script>(function(){var b=document.body;b.dataset.svg=String(document.getElementsByTagName('svg').length);"
    "b.dataset.img=String(document.images.length);"
    "if(window.varrlErrors.length)b.dataset.errors=window.varrlErrors.join(' | ');b.dataset.ok='1';"
    "window.addEventListener('load',function(){var n=0;for(var i=0;i<document.images.length;++i)"
    "if(document.images[i].naturalWidth>0)++n;b.dataset.imgLoaded=String(n);});})();</script>\n";

}  // namespace

void write_report(const std::vector<std::string>& run_dirs, const std::string& out_file, const ReportOptions& opt) {
  if (run_dirs.empty()) throw Error("report: no run directories given");
  std::vector<RunData> runs;
  std::map<std::string, int> label_uses;
  for (const auto& d : run_dirs) {
    runs.push_back(load_run(d));
    std::string label = run_label(d);
    if (++label_uses[label] > 1) label += " (" + std::to_string(label_uses[label]) + ")";
    runs.back().label = label;
  }
  const bool single = runs.size() == 1;

  char when[64] = "";
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>" +
      html_escape(opt.title) + "</title>\n" + kErrorHook + "<style>" + kStyle + "</style>\n</head>\n<body>\n";
  o += "<h1>" + html_escape(opt.title) + "</h1>\n<p>Generated " + when + " from " + std::to_string(runs.size()) +
       (single ? " run" : " runs") + ":</p>\n<ul>\n";
  for (const auto& r : runs)
    o += "<li><b>" + html_escape(r.label) + "</b> <span class=\"path\">" + html_escape(r.dir) + "</span> (" +
         std::to_string(r.records.size()) + " steps)</li>\n";
  o += "</ul>\n";
  if (!opt.lead_image.empty() || !opt.lead_rows.empty()) {  // the result that matters, before the training details
    o += "<h2>Result</h2>\n";
    if (!opt.lead_rows.empty()) o += table_html(opt.lead_header, opt.lead_rows);
    if (!opt.lead_image.empty()) o += figure_html(opt.lead_image, opt.lead_caption);
  }
  o += "<h2>Training</h2>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : runs) rows.push_back(summary_row(r));
  o += table_html({"run", "records", "last step", "reward, first 10%", "reward, last 10%", "\xce\x94 reward",
                   "max grad_norm", "mean kl", "skipped", "updates"},
                  rows);
  if (!single) {
    std::vector<std::vector<std::string>> eval_rows;
    for (const auto& r : runs)
      if (!r.eval.is_null())
        eval_rows.push_back({r.label, eval_value(r.eval, "before", "reward"), eval_value(r.eval, "after", "reward"),
                             eval_value(r.eval, "before", "word_accuracy"),
                             eval_value(r.eval, "after", "word_accuracy"), eval_value(r.eval, "before", "ned"),
                             eval_value(r.eval, "after", "ned")});
    if (!eval_rows.empty())
      o += "<h3>Held-out evaluation</h3>\n" + table_html({"run", "reward before", "reward after", "word acc. before",
                                                          "word acc. after", "NED before", "NED after"},
                                                         eval_rows);
  }
  o += "<h2>Training curves</h2>\n<div class=\"plots\">\n";
  for (const auto& p : single ? single_run_plots(runs[0]) : multi_run_plots(runs)) o += svg_line_plot(p) + "\n";
  o += "</div>\n";
  if (!opt.table_header.empty() || !opt.table_rows.empty())
    o += "<h2>Table</h2>\n" + table_html(opt.table_header, opt.table_rows);
  for (const auto& r : runs) o += run_section(r, single ? 12 : 4, single);
  o += std::string(kRenderCheck) + "</body>\n</html>\n";
  write_file_atomic(out_file, o);
}

}  // namespace varrl
