#include "varrl/cli/demo_eval.h"

#include <algorithm>

#include "varrl/core/atomic_file.h"
#include "varrl/core/grid.h"
#include "varrl/core/image.h"

namespace varrl::cli {

namespace {

constexpr int kScenesSamples = 2;

nlohmann::json with_rewards(const EvalResult& r) {
  auto j = r.to_json();
  j["rewards"] = r.rewards_N;
  return j;
}

std::string pm(double mean, double se) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.3f \xc2\xb1 %.3f", mean, se);
  return buf;
}

}  // namespace

DemoEvaluation::DemoEvaluation(const Config& cfg, std::string out_dir, std::vector<PromptRecord> scenes,
                               int scenes_per_word, std::vector<PromptRecord> control)
    : cfg_(cfg),
      out_(std::move(out_dir)),
      scenes_(std::move(scenes)),
      control_(std::move(control)),
      per_word_(std::max(1, scenes_per_word)) {
  reward_ = make_reward(cfg_, "ocr_ned");
}

void DemoEvaluation::run(const std::string& tag, RLTrainer& trainer) {
  const auto seed = static_cast<uint64_t>(cfg_.get<int64_t>("rl.eval_seed"));
  const auto params = SamplingParams::from_config(cfg_);
  EvalOptions opt;
  opt.batch_size = cfg_.get<int>("sampler.batch_size");
  opt.seed = seed + 500000;  // sampling seeds apart from every rollout's
  opt.samples_per_prompt = kScenesSamples;
  opt.grid_prompts = static_cast<int>(scenes_.size());
  opt.label = "demo eval " + tag + " (vocabulary)";
  auto scenes = evaluate(trainer.policy(), trainer.tokenizer(), *reward_, nullptr, scenes_, params, opt);
  opt.samples_per_prompt = 1, opt.grid_prompts = 8, opt.seed = seed;
  opt.label = "demo eval " + tag + " (control)";
  auto control = evaluate(trainer.policy(), trainer.tokenizer(), *reward_, nullptr, control_, params, opt);
  (tag == "before" ? scenes_before_ : scenes_after_) = scenes;
  (tag == "before" ? control_before_ : control_after_) = control;
  write_png(out_ + "/eval_" + tag + ".png", eval_grid(scenes, 8));
  nlohmann::json a{{"before", with_rewards(scenes_before_)}}, b{{"before", with_rewards(control_before_)}};
  if (tag == "after") {
    a["after"] = with_rewards(scenes_after_), b["after"] = with_rewards(control_after_);
    scenes_delta_ = paired_difference(scenes_before_.rewards_N, scenes_after_.rewards_N);
    control_delta_ = paired_difference(control_before_.rewards_N, control_after_.rewards_N);
    const auto &da = scenes_delta_, &db = control_delta_;
    a["delta"] = {{"reward", da.mean}, {"reward_se", da.se}, {"images", da.n}};
    b["delta"] = {{"reward", db.mean}, {"reward_se", db.se}, {"images", db.n}};
    // Two scenes per word (the scenes are word-major), first sample: before | after.
    std::vector<GridRow> rows;
    for (size_t i = 0; i < scenes_before_.grid_rows.size() && rows.size() < 16; ++i) {
      if (i % static_cast<size_t>(per_word_) >= 2) continue;
      const auto& before = scenes_before_.read_N[i * kScenesSamples];
      const auto& after = scenes_after_.read_N[i * kScenesSamples];
      rows.push_back({{scenes_before_.grid_rows[i][0], scenes_after_.grid_rows[i][0]},
                      first_text(scenes_[i]) + ": " + (before.empty() ? "(nothing)" : before) + " -> " +
                          (after.empty() ? "(nothing)" : after)});
    }
    write_png(out_ + "/vocabulary_before_after.png", make_grid(rows));
  }
  write_file_atomic(out_ + "/eval.json", a.dump(2));
  write_file_atomic(out_ + "/control_eval.json", b.dump(2));
}

nlohmann::json DemoEvaluation::summary() const {
  nlohmann::json s;
  for (const auto& [tag, r] : {std::pair{"before", &scenes_before_}, std::pair{"after", &scenes_after_}}) {
    s[std::string(tag) + ".reward"] = r->reward;
    s[std::string(tag) + ".word_accuracy"] = r->word_accuracy;
    s[std::string(tag) + ".ned"] = r->ned;
  }
  const auto& da = scenes_delta_;
  s["delta.reward"] = da.mean, s["delta.reward_se"] = da.se;
  s["delta.word_accuracy"] = scenes_after_.word_accuracy - scenes_before_.word_accuracy;
  const auto& db = control_delta_;
  s["control.before.reward"] = control_before_.reward, s["control.after.reward"] = control_after_.reward;
  s["control.delta.reward"] = db.mean, s["control.delta.reward_se"] = db.se;
  return s;
}

std::vector<std::vector<std::string>> DemoEvaluation::lead_rows() const {
  const auto &da = scenes_delta_, &db = control_delta_;
  char acc[64];
  std::snprintf(acc, sizeof acc, "%.3f -> %.3f", scenes_before_.word_accuracy, scenes_after_.word_accuracy);
  return {{"fresh scenes of the vocabulary (" + std::to_string(da.n) + " images)", pm(da.mean, da.se), acc},
          {"control: other held-out words (" + std::to_string(db.n) + " images)", pm(db.mean, db.se), ""}};
}

void DemoEvaluation::print() const {
  std::fprintf(stderr, "\n%-46s %-18s %s\n", "", "OCR reward change", "word accuracy");
  for (const auto& row : lead_rows())
    std::fprintf(stderr, "%-46s %-18s %s\n", row[0].c_str(), row[1].c_str(), row[2].c_str());
}

}  // namespace varrl::cli
