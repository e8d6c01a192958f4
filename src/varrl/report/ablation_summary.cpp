#include "varrl/report/ablation_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace varrl {

MeanStd mean_std(const std::vector<double>& xs) {
  MeanStd r;
  r.n = static_cast<int>(xs.size());
  if (xs.empty()) return r;
  for (double x : xs) r.mean += x;
  r.mean /= xs.size();
  if (xs.size() > 1) {
    double ss = 0;
    for (double x : xs) ss += (x - r.mean) * (x - r.mean);
    r.std = std::sqrt(ss / (xs.size() - 1));
  }
  return r;
}

long steps_to_level(const std::vector<nlohmann::json>& metrics, const std::string& key, double level, int window) {
  std::vector<double> ys;
  for (const auto& m : metrics) {
    ys.push_back(m.value(key, 0.0));
    const size_t n = std::min<size_t>(ys.size(), static_cast<size_t>(window));
    double sum = 0;
    for (size_t i = ys.size() - n; i < ys.size(); ++i) sum += ys[i];
    if (ys.size() >= static_cast<size_t>(window) && sum / n >= level) return m.value("step", 0L);
  }
  return -1;
}

static double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<AblationRow> summarize_ablation(const std::vector<AblationRun>& runs, double level) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const AblationRun*>> by;
  for (const auto& r : runs) {
    if (!by.count(r.variant)) order.push_back(r.variant);
    by[r.variant].push_back(&r);
  }
  std::vector<AblationRow> rows;
  for (const auto& v : order) {
    std::vector<double> rew, wacc, ned, change, rl_rew, rl_wacc, end, lvl, spikes, kl, peak;
    for (const auto* r : by[v]) {
      if (r->eval.is_object()) {
        rew.push_back(r->eval.value("reward", 0.0));
        wacc.push_back(r->eval.value("word_accuracy", 0.0));
        ned.push_back(r->eval.value("ned", 0.0));
        if (r->change_vs_base) change.push_back(*r->change_vs_base);
      }
      if (r->rl_prompts_eval.is_object()) {
        rl_rew.push_back(r->rl_prompts_eval.value("reward", 0.0));
        rl_wacc.push_back(r->rl_prompts_eval.value("word_accuracy", 0.0));
      }
      const size_t n = r->metrics.size(), q = std::max<size_t>(1, n / 4);
      double sum = 0, kl_sum = 0;
      std::vector<double> gn;
      std::optional<double> peak_kl;
      for (size_t i = 0; i < n; ++i) {
        const auto& m = r->metrics[i];
        if (i + q >= n) sum += m.value("reward/mean", 0.0);
        kl_sum += m.value("kl", 0.0);
        gn.push_back(m.value("grad_norm", 0.0));
        for (const auto& [key, val] : m.items())
          if (key.rfind("kl/scale", 0) == 0 && val.is_number())
            peak_kl = std::max(peak_kl.value_or(val.get<double>()), val.get<double>());
      }
      if (n) end.push_back(sum / static_cast<double>(std::min(q, n))), kl.push_back(kl_sum / n);
      if (peak_kl) peak.push_back(*peak_kl);
      const double med = median(gn);
      spikes.push_back(static_cast<double>(std::count_if(gn.begin(), gn.end(), [&](double g) { return g > 3 * med; })));
      const long s = steps_to_level(r->metrics, "reward/mean", level);
      if (s >= 0) lvl.push_back(static_cast<double>(s));
    }
    AblationRow row;
    row.variant = v;
    row.seeds = static_cast<int>(by[v].size());
    row.reward = mean_std(rew), row.word_accuracy = mean_std(wacc), row.ned = mean_std(ned);
    row.heldout_change = mean_std(change);
    row.rl_prompts_reward = mean_std(rl_rew), row.rl_prompts_word_accuracy = mean_std(rl_wacc);
    row.train_reward_end = mean_std(end), row.steps_to_level = mean_std(lvl);
    row.reached = static_cast<int>(lvl.size());
    row.grad_spikes = mean_std(spikes), row.kl = mean_std(kl), row.peak_scale_kl = mean_std(peak);
    rows.push_back(row);
  }
  return rows;
}

// "mean ± std" with `fmt` for the mean (e.g. "%+.3f" for a signed change) and the same without a sign for the std.
static std::string pm(const MeanStd& m, const char* fmt = "%.3f") {
  if (m.n == 0) return "-";
  std::string std_fmt(fmt);
  std_fmt.erase(std::remove(std_fmt.begin(), std_fmt.end(), '+'), std_fmt.end());
  char a[32], b[32];
  std::snprintf(a, sizeof a, fmt, m.mean);
  std::snprintf(b, sizeof b, std_fmt.c_str(), m.std);
  return std::string(a) + " ± " + b;
}

std::vector<std::string> ablation_header() {
  return {"variant", "seeds", "held-out reward", "held-out change vs base", "word accuracy", "NED",
          "RL-prompt reward", "RL-prompt word acc.", "train reward (last 25%)", "steps to level (reached)",
          "grad-norm spikes", "mean KL", "peak per-scale KL"};
}

std::vector<std::vector<std::string>> ablation_cells(const std::vector<AblationRow>& rows) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : rows)
    out.push_back(
        {r.variant, std::to_string(r.seeds), pm(r.reward), pm(r.heldout_change, "%+.3f"), pm(r.word_accuracy),
         pm(r.ned), pm(r.rl_prompts_reward), pm(r.rl_prompts_word_accuracy), pm(r.train_reward_end),
         pm(r.steps_to_level, "%.1f") + " (" + std::to_string(r.reached) + "/" + std::to_string(r.seeds) + ")",
         pm(r.grad_spikes, "%.1f"), pm(r.kl, "%.4f"), pm(r.peak_scale_kl, "%.4f")});
  return out;
}

std::string ablation_markdown(const std::vector<AblationRow>& rows, double level, const nlohmann::json& base_eval,
                              const nlohmann::json& base_rl_prompts) {
  std::string md;
  char line[256];
  std::snprintf(line, sizeof line, "Reward level for 'steps to level': %.3f (training reward, 5-step mean).\n", level);
  md += line;
  if (base_eval.is_object()) {
    std::snprintf(line, sizeof line, "Base model, held out: reward %.3f, word accuracy %.3f, NED %.3f.\n",
                  base_eval.value("reward", 0.0), base_eval.value("word_accuracy", 0.0), base_eval.value("ned", 0.0));
    md += line;
  }
  if (base_rl_prompts.is_object()) {
    std::snprintf(line, sizeof line, "Base model, RL prompts: reward %.3f, word accuracy %.3f, NED %.3f.\n",
                  base_rl_prompts.value("reward", 0.0), base_rl_prompts.value("word_accuracy", 0.0),
                  base_rl_prompts.value("ned", 0.0));
    md += line;
  }
  md += "\n";
  auto row = [](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) s += " " + c + " |";
    return s + "\n";
  };
  auto header = ablation_header();
  md += row(header);
  md += row(std::vector<std::string>(header.size(), "---"));
  for (const auto& cells : ablation_cells(rows)) md += row(cells);
  return md;
}

std::vector<nlohmann::json> mean_curve(const std::vector<std::vector<nlohmann::json>>& runs,
                                       const std::vector<std::string>& keys) {
  std::map<long, std::map<std::string, std::pair<double, int>>> acc;
  for (const auto& run : runs)
    for (const auto& rec : run) {
      auto& slot = acc[rec.value("step", 0L)];
      for (const auto& k : keys)
        if (rec.contains(k) && rec[k].is_number()) {
          slot[k].first += rec[k].get<double>();
          slot[k].second += 1;
        }
    }
  std::vector<nlohmann::json> out;
  for (const auto& [step, vals] : acc) {
    nlohmann::json rec{{"step", step}};
    for (const auto& [k, sc] : vals) rec[k] = sc.first / sc.second;
    out.push_back(rec);
  }
  return out;
}

}  // namespace varrl
