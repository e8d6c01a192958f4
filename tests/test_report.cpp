// The HTML report: SVG line plots, write_report on a synthetic run folder, rendering in headless Chromium, and the
// `varrl report` command.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/image.h"
#include "varrl/report/ablation_summary.h"
#include "varrl/report/html_report.h"
#include "varrl/report/svg_plot.h"
#include "browser_check.h"
#include "temp_dir.h"

using namespace varrl;
using namespace varrl::test;
using varrl::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

// The number of "x,y" pairs in the `points` attribute of the k-th <polyline>.
size_t polyline_points(const std::string& svg, size_t k = 0) {
  size_t p = svg.find("<polyline");
  for (size_t i = 0; i < k && p != std::string::npos; ++i) p = svg.find("<polyline", p + 1);
  if (p == std::string::npos) return 0;
  const size_t a = svg.find("points=\"", p) + 8, b = svg.find('"', a);
  const std::string pts = svg.substr(a, b - a);
  return pts.empty() ? 0 : count_of(pts, " ") + 1;
}

Image test_image(int w, int h, int seed) {
  Image im(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = im.px(x, y);
      p[0] = static_cast<uint8_t>((x * 7 + seed * 40) % 256);
      p[1] = static_cast<uint8_t>((y * 5) % 256);
      p[2] = static_cast<uint8_t>(((x / 8 + y / 8) % 2) * 200);
    }
  return im;
}

// A synthetic RL run folder: `steps` metrics records (3 scales; one record lacks keys, one has a null kl), two
// sample grids, eval.json with eval_before/after.png, config.yaml.
fs::path write_run(const std::string& name, int steps = 20) {
  fs::path d = temp_dir(name);
  std::string lines;
  for (int s = 1; s <= steps; ++s) {
    nlohmann::json r{{"step", s},
                     {"reward/mean", 0.2 + 0.02 * s},
                     {"reward/std", 0.1},
                     {"reward/ocr_ned", 0.3 + 0.01 * s},
                     {"kl", 0.001 * s},
                     {"clip_ratio", 0.05},
                     {"ratio/mean", 1.0 + 0.001 * std::sin(s)},
                     {"grad_norm", 1.0 + 0.1 * s},
                     {"lr", 1e-5},
                     {"frac_reward_zero_std", 0.25},
                     {"time/sample", 2.0},
                     {"time/reward", 0.5},
                     {"time/update", 1.5},
                     {"vmr/value_mean", 0.4},
                     {"vmr/value_std", 0.05},
                     {"update", s % 3 == 0 ? "S" : "P"},
                     {"skipped", s == 7 ? "non-finite loss" : ""}};
    for (int t = 0; t < 3; ++t) {
      const std::string sfx = "/scale" + std::to_string(t);
      r["entropy" + sfx] = 3.0 - 0.5 * t - 0.01 * s;
      r["kl" + sfx] = 0.001 * (t + 1);
      r["loss_share" + sfx] = (t + 1) / 6.0;
      r["panw/weight" + sfx] = 1.0 / (t + 1);
      r["mp/live" + sfx] = 1.0 - 0.2 * t;
    }
    if (s == 4) r = {{"step", s}, {"reward/mean", 0.3}};             // keys may be missing
    if (s == 5) r["kl"] = std::numeric_limits<double>::quiet_NaN();  // dumped as null
    lines += r.dump() + "\n";
  }
  write_file_atomic((d / "metrics.jsonl").string(), lines);
  write_png((d / "samples" / "step_000000.png").string(), test_image(64, 32, 1));
  write_png((d / "samples" / "step_000010.png").string(), test_image(64, 32, 2));
  write_png((d / "eval_before.png").string(), test_image(48, 48, 3));
  write_png((d / "eval_after.png").string(), test_image(48, 48, 4));
  nlohmann::json eval{{"before", {{"reward", 0.1875}, {"word_accuracy", 0.125}, {"ned", 0.4375}, {"images", 16}}},
                      {"after", {{"reward", 0.8125}, {"word_accuracy", 0.625}, {"ned", 0.9375}, {"images", 16}}}};
  write_file_atomic((d / "eval.json").string(), eval.dump(2));
  write_file_atomic((d / "config.yaml").string(), "rl:\n  steps: 20  # <tag> & co\n");
  return d;
}

}  // namespace

TEST(SvgPlot, OnePolylinePointPerFinitePoint) {
  PlotSpec spec{"reward <mean>", "step", "reward", {}};
  spec.series.push_back({"a", {1, 2, 3, 4, 5, 6, 7}, {0.1, 0.2, 0.3, 0.2, 0.5, 0.4, 0.6}, {}});
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  spec.series.push_back({"b", {1, 2, 3, 4, 5}, {0.5, nan, 0.7, inf, 0.2}, {}});
  spec.series.push_back({"c", {1, nan, 3}, {0.1, 0.2, 0.3}, {}});
  const std::string svg = svg_line_plot(spec);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 40);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_EQ(count_of(svg, "<polyline"), 3u);
  EXPECT_EQ(count_of(svg, "</polyline>"), 3u);
  EXPECT_EQ(polyline_points(svg, 0), 7u);
  EXPECT_EQ(polyline_points(svg, 1), 3u);  // NaN and inf skipped
  EXPECT_EQ(polyline_points(svg, 2), 2u);  // NaN x skipped
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  EXPECT_NE(svg.find("reward &lt;mean&gt;"), std::string::npos);  // escaped title
  std::set<std::string> colours;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1))
    colours.insert(svg.substr(svg.find("stroke=\"", p) + 8, 7));
  EXPECT_EQ(colours.size(), 3u);
  EXPECT_EQ(count_of(svg, "<text"), count_of(svg, "</text>"));

  PlotSpec many{"many", "x", "y", {}};
  for (int k = 0; k < 14; ++k) many.series.push_back({"s" + std::to_string(k), {0, 1}, {double(k), k + 1.0}, {}});
  const std::string svg14 = svg_line_plot(many);
  colours.clear();
  for (size_t p = svg14.find("<polyline"); p != std::string::npos; p = svg14.find("<polyline", p + 1))
    colours.insert(svg14.substr(svg14.find("stroke=\"", p) + 8, 7));
  EXPECT_EQ(colours.size(), 14u);
}

TEST(SvgPlot, EmptyAndConstantSeries) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const PlotSpec& spec : {PlotSpec{"empty", "x", "y", {}}, PlotSpec{"none", "x", "y", {{"s", {}, {}, {}}}},
                               PlotSpec{"all nan", "x", "y", {{"s", {1, 2}, {nan, nan}, {}}}}}) {
    const std::string svg = svg_line_plot(spec);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
    EXPECT_NE(svg.find("no data"), std::string::npos) << spec.title;
  }
  const std::string one = svg_line_plot(PlotSpec{"one", "x", "y", {{"s", {3}, {2.5}, {}}}});
  EXPECT_EQ(polyline_points(one), 1u);
  EXPECT_NE(one.find("<circle"), std::string::npos);  // a lone point stays visible
  // Ticks of a narrow range keep enough digits to differ.
  const std::string narrow = svg_line_plot(PlotSpec{"narrow", "x", "y", {{"s", {1, 2}, {1.00001, 1.00002}, {}}}});
  EXPECT_NE(narrow.find(">1.00001<"), std::string::npos) << narrow;
  const std::string flat = svg_line_plot(PlotSpec{"flat", "x", "y", {{"s", {1, 2, 3}, {0, 0, 0}, {1, 1, 1}}}});
  EXPECT_EQ(polyline_points(flat), 3u);
  EXPECT_EQ(count_of(flat, "<polygon"), 1u);  // the ± band
  EXPECT_EQ(flat.find("nan"), std::string::npos);
}

TEST(Report, SyntheticRunIsSelfContained) {
  const fs::path run = write_run("single");
  const fs::path out = run / "report.html";
  write_report({run.string()}, out.string());
  ASSERT_TRUE(fs::exists(out));
  const std::string html = read_file(out.string());
  EXPECT_EQ(html.find("http://"), std::string::npos);  // nothing external: no URL at all
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(count_of(html, "data:image/png;base64,"), 4u);  // 2 sample grids + eval before/after
  EXPECT_EQ(count_of(html, "<img"), 4u);
  for (const char* v : {"0.1875", "0.8125", "0.125", "0.625", "0.4375", "0.9375"})
    EXPECT_NE(html.find(v), std::string::npos) << v;
  EXPECT_NE(html.find("step 10"), std::string::npos);
  EXPECT_NE(html.find("&lt;tag&gt; &amp; co"), std::string::npos);  // config.yaml, escaped
  EXPECT_NE(html.find("<details>"), std::string::npos);
  EXPECT_NE(html.find("Entropy per scale"), std::string::npos);
  EXPECT_NE(html.find("Mask propagation"), std::string::npos);
  EXPECT_NE(html.find("scale 2"), std::string::npos);
  EXPECT_GE(count_of(html, "<svg"), 10u);
  EXPECT_EQ(count_of(html, "<svg"), count_of(html, "</svg>"));
  EXPECT_NE(html.find("window.onerror"), std::string::npos);
  EXPECT_NE(html.find("dataset.ok"), std::string::npos);
  EXPECT_EQ(html.find("nan"), std::string::npos);
}

TEST(Report, SeveralRunsAndExtraTable) {
  const fs::path a = write_run("multi_a", 12), b = write_run("multi_b", 30);
  const fs::path out = temp_dir("multi_out") / "sub" / "r.html";
  ReportOptions opt;
  opt.title = "ablation <test>";
  opt.table_header = {"variant", "word accuracy"};
  opt.table_rows = {{"grpo", "0.51"}, {"all", "0.77"}};
  write_report({a.string(), b.string()}, out.string(), opt);
  const std::string html = read_file(out.string());
  EXPECT_NE(html.find("<title>ablation &lt;test&gt;</title>"), std::string::npos);
  const std::string la = a.filename().string(), lb = b.filename().string();
  EXPECT_GE(count_of(html, "<title>" + la + "</title>"), 5u);  // one series per run in each scalar plot
  EXPECT_GE(count_of(html, "<title>" + lb + "</title>"), 5u);
  for (const std::string& l : {la, lb})  // legends keep the distinctive end of a long name
    EXPECT_NE(html.find(l.substr(l.size() - 12) + "</text>"), std::string::npos) << l;
  EXPECT_NE(html.find("<td>0.77</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>12</td>"), std::string::npos);  // records per run in the summary table
  EXPECT_NE(html.find("<td>30</td>"), std::string::npos);
  EXPECT_GE(count_of(html, "data:image/png;base64,"), 8u);
}

TEST(Report, ClearErrorsNamingThePath) {
  const fs::path empty = temp_dir("no_metrics");
  const std::string out = (temp_dir("err_out") / "r.html").string();
  auto e = error_of([&] { write_report({empty.string()}, out); });
  EXPECT_NE(e.find(empty.string()), std::string::npos) << e;
  EXPECT_NE(e.find("metrics.jsonl"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_NE(error_of([&] { write_report({(empty / "nope").string()}, out); }).find("nope"), std::string::npos);

  const fs::path bad = write_run("bad_line", 3);
  write_file_atomic((bad / "metrics.jsonl").string(), "{\"step\": 1}\n{\"step\": 2,\n");
  e = error_of([&] { write_report({bad.string()}, out); });
  EXPECT_NE(e.find((bad / "metrics.jsonl").string() + ":2"), std::string::npos) << e;

  const fs::path bad_eval = write_run("bad_eval", 3);
  write_file_atomic((bad_eval / "eval.json").string(), "{\"before\": ");
  e = error_of([&] { write_report({bad_eval.string()}, out); });
  EXPECT_NE(e.find((bad_eval / "eval.json").string()), std::string::npos) << e;

  const fs::path bad_png = write_run("bad_png", 3);
  write_file_atomic((bad_png / "samples" / "step_000005.png").string(), "not a png");
  e = error_of([&] { write_report({bad_png.string()}, out); });
  EXPECT_NE(e.find("step_000005.png"), std::string::npos) << e;
  write_file_atomic((bad / "metrics.jsonl").string(), "[1, 2]\n");
  e = error_of([&] { write_report({bad.string()}, out); });
  EXPECT_NE(e.find((bad / "metrics.jsonl").string()), std::string::npos) << e;
  EXPECT_THROW(write_report({}, out), Error);

  const fs::path fresh = temp_dir("fresh_run");  // a run that has not logged a step yet still gets a page
  write_file_atomic((fresh / "metrics.jsonl").string(), "");
  write_report({fresh.string()}, out);
  EXPECT_NE(read_file(out).find("dataset.ok"), std::string::npos);
}

TEST(ReportBrowser, RendersInHeadlessChromium) {
  const std::string chromium = find_chromium();
  ASSERT_FALSE(chromium.empty()) << "chromium not found (tried chromium, chromium-browser): run scripts/setup.sh, "
                                    "which installs Debian's chromium package";
  const fs::path run = write_run("browser");
  const fs::path work = temp_dir("browser_work");
  const fs::path html = run / "report.html";
  write_report({run.string()}, html.string());
  const std::string page = read_file(html.string());
  const long plots = static_cast<long>(count_of(page, "<svg"));

  const fs::path dom_file = work / "dom.html";
  ASSERT_EQ(run_chromium(chromium, "--dump-dom > " + dom_file.string(), html, work), 0)
      << read_file((work / "chromium.err").string());
  const std::string dom = read_file(dom_file.string());
  EXPECT_EQ(body_attr(dom, "data-ok"), 1) << dom.substr(0, 2000);
  EXPECT_GE(plots, 10);
  EXPECT_GE(body_attr(dom, "data-svg"), plots);
  EXPECT_GE(body_attr(dom, "data-img"), 4);
  EXPECT_EQ(dom.find("data-errors"), std::string::npos) << dom.substr(dom.find("data-errors"), 300);
  const long loaded = body_attr(dom, "data-img-loaded");
  if (loaded >= 0) {
    EXPECT_EQ(loaded, body_attr(dom, "data-img"));  // every data-URI PNG decoded
  }

  const fs::path shot = work / "shot.png";
  ASSERT_EQ(run_chromium(chromium, "--screenshot=" + shot.string() + " --window-size=1200,2000", html, work), 0)
      << read_file((work / "chromium.err").string());
  ASSERT_TRUE(fs::exists(shot));
  const Image im = read_png(shot.string());
  ASSERT_GT(im.width, 0);
  std::set<uint32_t> colours;
  size_t non_white = 0;
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) {
      const uint8_t* p = im.px(x, y);
      colours.insert(uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]);
      non_white += p[0] < 250 || p[1] < 250 || p[2] < 250;
    }
  EXPECT_GT(colours.size(), 16u);
  EXPECT_GT(non_white, static_cast<size_t>(im.width) * im.height / 100);  // text, plots and images, not a blank page
}

TEST(ReportBinary, WritesReportHtmlIntoTheRunFolder) {
  const fs::path run = write_run("cli");
  const fs::path out = run / "stdout.txt";
  const std::string cmd = std::string(VARRL_BINARY) + " report " + run.string() + " > " + out.string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(out.string());
  EXPECT_TRUE(fs::exists(run / "report.html"));
  const std::string summary = read_file(out.string());
  EXPECT_NE(summary.find("\"runs\":1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("report.html"), std::string::npos) << summary;
  EXPECT_NE(
      std::system((std::string(VARRL_BINARY) + " report " + (run / "nope").string() + " >/dev/null 2>&1").c_str()), 0);
}

// ---- the ablation table ----------------------------------------------------------------------------------------

namespace {
std::vector<nlohmann::json> reward_curve(const std::vector<double>& r, double grad = 1.0) {
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < r.size(); ++i)
    out.push_back({{"step", i + 1}, {"reward/mean", r[i]}, {"kl", 0.01 * i}, {"grad_norm", grad}});
  return out;
}
}  // namespace

TEST(Ablation, StepsToLevelUsesTheTrailingMean) {
  // 5-step trailing means: steps 5..8 -> 0.2, 0.28, 0.36, 0.44.
  auto m = reward_curve({0.2, 0.2, 0.2, 0.2, 0.2, 0.6, 0.6, 0.6});
  EXPECT_EQ(steps_to_level(m, "reward/mean", 0.35), 7);
  EXPECT_EQ(steps_to_level(m, "reward/mean", 0.2), 5);
  EXPECT_EQ(steps_to_level(m, "reward/mean", 0.9), -1);
}

TEST(Ablation, MeanStdOverSeedsAndSpikes) {
  auto a = reward_curve({0.1, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5});
  auto b = reward_curve({0.1, 0.1, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3});
  b[3]["grad_norm"] = 10.0;  // one spike (> 3x the median of 1)
  a[2]["kl/scale0"] = 0.5, a[2]["kl/scale3"] = 0.7, a[6]["kl/scale1"] = 0.2;  // peak of run a: 0.7
  b[1]["kl/scale2"] = 0.3, b[5]["kl/scale2"] = nullptr;                        // of b: 0.3 (null skipped)
  std::vector<AblationRun> runs = {{"grpo", 0, a, {{"reward", 0.4}, {"word_accuracy", 0.2}, {"ned", 0.5}},
                                    {{"reward", 0.9}, {"word_accuracy", 0.75}}, 0.02},
                                   {"grpo", 1, b, {{"reward", 0.2}, {"word_accuracy", 0.4}, {"ned", 0.7}},
                                    {{"reward", 0.7}, {"word_accuracy", 0.25}}, -0.04},
                                   {"all", 0, a, {{"reward", 0.6}, {"word_accuracy", 0.6}, {"ned", 0.9}}}};
  auto rows = summarize_ablation(runs, 0.25);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].variant, "grpo");
  EXPECT_EQ(rows[0].seeds, 2);
  EXPECT_NEAR(rows[0].reward.mean, 0.3, 1e-12);
  EXPECT_NEAR(rows[0].reward.std, std::sqrt(0.02), 1e-12);  // sample std of {0.4, 0.2}
  EXPECT_NEAR(rows[0].word_accuracy.mean, 0.3, 1e-12);
  EXPECT_NEAR(rows[0].train_reward_end.mean, 0.4, 1e-12);  // last quarter (2 steps): 0.5 and 0.3
  EXPECT_NEAR(rows[0].grad_spikes.mean, 0.5, 1e-12);
  EXPECT_NEAR(rows[0].peak_scale_kl.mean, 0.5, 1e-12);  // peak per-scale KL: mean of {0.7, 0.3}
  EXPECT_NEAR(rows[0].peak_scale_kl.std, std::sqrt(0.08), 1e-12);
  EXPECT_EQ(rows[1].peak_scale_kl.n, 1);
  // Trailing 5-step means reach 0.25 at step 6 for a ((0.1*3 + 0.5*2)/5 = 0.26) and at step 8 for b (0.26).
  EXPECT_EQ(rows[0].reached, 2);
  EXPECT_NEAR(rows[0].steps_to_level.mean, (6 + 8) / 2.0, 1e-12);
  EXPECT_EQ(rows[1].seeds, 1);
  EXPECT_EQ(rows[1].reward.std, 0.0);
  // On the RL prompts (`varrl ablate --eval-rl-prompts`): mean ± std over the runs that have it; "-" where none has.
  EXPECT_NEAR(rows[0].rl_prompts_reward.mean, 0.8, 1e-12);
  EXPECT_NEAR(rows[0].rl_prompts_word_accuracy.mean, 0.5, 1e-12);
  EXPECT_EQ(rows[1].rl_prompts_reward.n, 0);
  const std::string md = ablation_markdown(rows, 0.25, nlohmann::json{{"reward", 0.1}},
                                           nlohmann::json{{"reward", 0.55}, {"word_accuracy", 0.125}, {"ned", 0.6}});
  // The paired held-out change against the base, signed: mean of {+0.02, -0.04}, sample std 0.042.
  EXPECT_NE(md.find("| grpo | 2 | 0.300 ± 0.141 | -0.010 ± 0.042 | 0.300 ± 0.141 | 0.600 ± 0.141 | 0.800 ± 0.141 | "
                    "0.500 ± 0.354 |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| all | 1 | 0.600 ± 0.000 | - | 0.600 ± 0.000 | 0.900 ± 0.000 | - | - |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("Base model, RL prompts: reward 0.550, word accuracy 0.125, NED 0.600.\n\n|"), std::string::npos)
      << md;
}

TEST(Ablation, MeanCurveAlignsSteps) {
  auto curve = mean_curve({reward_curve({0.0, 1.0}), reward_curve({1.0, 3.0, 5.0})}, {"reward/mean"});
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_DOUBLE_EQ(curve[0]["reward/mean"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(curve[1]["reward/mean"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(curve[2]["reward/mean"].get<double>(), 5.0);
}
