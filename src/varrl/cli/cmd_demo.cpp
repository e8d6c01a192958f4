// `varrl demo [--words W1,W2,... | --words-file F] [--steps N] [--minutes M] [--out DIR]`: the README's main command.
// RL teaches the shipped model a small vocabulary it cannot write — by default a few held-out words, which
// pretraining never showed — with GRPO + VMR + PANW + MP on corpus prompts of those words, for a fixed number of
// steps. It evaluates the policy before and after on (a) fresh scenes of the vocabulary (prompts, colours and
// sampling seeds no rollout used) and (b) a control of other held-out words (transfer), with paired standard errors,
// and writes a report that opens with the before/after grid. Ends with a JSON summary (before.*, after.*, delta.*,
// control.*, words, report).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/cli/demo_eval.h"
#include "varrl/core/error.h"
#include "varrl/report/html_report.h"
#include "varrl/rl/rl_config_check.h"
#include "varrl/rl/trainer.h"
#include "varrl/rl/vocabulary.h"

namespace varrl::cli {

namespace {
// One step of configs/rl/demo.yaml (2 prompts x 16 images) on the idle 2-core machine with 2 threads: 17 s
// (docs/demo.md).
constexpr double kMinutesPerStep = 0.3;

struct Args {
  CommonOptions common;
  std::string out = "runs/demo", base = "models/default", words, words_file;
  int steps = 30, vocabulary = 4, scenes = 8, control = 32;
  double minutes = 0;
  uint64_t vocabulary_seed = 2026;
};

// What makes a run a demo, over configs/defaults.yaml and configs/rl/demo.yaml (the user's --config / --set come
// after): the step count, the sample and checkpoint cadence, its own prompts.
std::vector<std::string> demo_settings(const Args& a, const std::string& rl_prompts) {
  return {"rl.steps=" + std::to_string(a.steps), "rl.sample_every=10", "rl.ckpt_every=10",
          "rl.max_minutes=" + std::to_string(a.minutes), "rl.eval_prompts=0", "rl.prompts=" + rl_prompts,
          "rl.base=" + a.base};
}

std::vector<std::string> read_words(const Args& a) {
  std::vector<std::string> out;
  std::string text = a.words;
  if (!a.words_file.empty()) {
    std::ifstream in(a.words_file);
    if (!in) throw Error(a.words_file + ": cannot open the words file");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    for (auto& c : text)
      if (c == '\n' || c == '\r') c = ',';
  }
  std::stringstream ss(text);
  for (std::string w; std::getline(ss, w, ',');) {
    while (!w.empty() && w.back() == ' ') w.pop_back();
    while (!w.empty() && w.front() == ' ') w.erase(0, 1);
    if (!w.empty()) out.push_back(w);
  }
  return out;
}
}  // namespace

void add_demo_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("demo", "teach the shipped model a few words it cannot write with GRPO+VMR+PANW+MP, "
                                         "evaluate on fresh scenes of them and on other words, write an HTML report");
  add_common_options(cmd, a->common);
  auto* words = cmd->add_option("--words", a->words, "the vocabulary, comma-separated (default: held-out words)");
  cmd->add_option("--words-file", a->words_file, "the vocabulary, one word per line")->excludes(words);
  cmd->add_option("--vocabulary", a->vocabulary, "held-out words picked when no --words are given")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--steps", a->steps, "RL steps (fixed: the result depends on the seed, not the machine's speed)")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--minutes", a->minutes, "upper bound on the RL phase's wall time (0 = none)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--scenes", a->scenes, "fresh evaluation scenes per word (2 samples each)")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--control", a->control, "prompts of other held-out words evaluated as the control")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--out", a->out, "run folder (must not hold a run yet)")->capture_default_str();
  cmd->add_option("--base", a->base, "model folder to start from")->capture_default_str();
  cmd->callback([a] {
    namespace fs = std::filesystem;
    if (fs::exists(a->out + "/state/rl_state.json"))
      throw Error(a->out + ": holds a run already; pass another --out (or continue it with varrl rl --resume " +
                  a->out + ")");
    if (!fs::exists(a->base + "/policy.safetensors"))
      throw Error(a->base + ": no policy.safetensors (the shipped model is models/default; run from the repository "
                            "root, or train one with scripts/train-base.sh)");
    // Everything is checked before the run folder is written.
    const std::string rl_prompts_file = a->out + "/rl_prompts.jsonl";
    CommonOptions opts = a->common;
    opts.config_texts.insert(opts.config_texts.begin(), kDemoRlYaml);
    auto sets = demo_settings(*a, rl_prompts_file);
    sets.insert(sets.end(), opts.sets.begin(), opts.sets.end());
    opts.sets = sets;
    const Config cfg = resolve_rl_config(opts);  // rl.prompts is read by the trainer, once the file is written
    check_rl_config(cfg);
    auto vocab = read_words(*a);
    if (vocab.empty() && a->words.empty() && a->words_file.empty())
      vocab = heldout_vocabulary(cfg, a->vocabulary, a->vocabulary_seed);
    check_vocabulary(cfg, vocab);
    const auto rl_prompts = vocabulary_prompts(cfg, vocab, 8, 0);
    const auto scenes = vocabulary_prompts(cfg, vocab, a->scenes, 1u << 20, rl_prompts);
    const auto control = control_prompts(cfg, vocab, a->control, cfg.get<int64_t>("rl.eval_seed"));
    std::string listed;
    for (const auto& w : vocab) listed += (listed.empty() ? "" : ", ") + w;
    spdlog::info("demo: teaching {} ({} RL prompts; {} steps, about {:.0f} minutes of RL on 2 idle cores)", listed,
                 rl_prompts.size(), a->steps, a->steps * kMinutesPerStep);

    fs::create_directories(a->out);
    write_prompts(rl_prompts_file, rl_prompts);
    write_prompts(a->out + "/eval_prompts.jsonl", scenes);  // disjoint from the RL prompts (test Demo.*)
    write_prompts(a->out + "/control_prompts.jsonl", control);
    RLTrainer trainer(cfg, a->out, false);
    DemoEvaluation eval(cfg, a->out, scenes, a->scenes, control);
    eval.run("before", trainer);
    trainer.run();
    if (rl_stop_requested())
      throw ExitStatus{128 + rl_stop_signal(), "demo: stopped by a signal; the run is in " + a->out};
    eval.run("after", trainer);
    const std::string report = a->out + "/report.html";
    ReportOptions ropt;
    ropt.title = "varrl demo: GRPO + VMR + PANW + MP teaches " + listed;
    ropt.lead_image = a->out + "/vocabulary_before_after.png";
    ropt.lead_caption = "Fresh scenes of the vocabulary, before (left) and after (right) RL; same prompts and noise";
    ropt.lead_header = {"evaluated on", "OCR reward change (paired, \xc2\xb1 SE)", "word accuracy, before -> after"};
    ropt.lead_rows = eval.lead_rows();
    write_report({a->out}, report, ropt);
    auto summary = eval.summary();
    summary["out"] = a->out, summary["steps"] = trainer.current_step(), summary["report"] = report;
    summary["words"] = vocab;
    eval.print();
    std::fprintf(stderr, "report: %s\n", report.c_str());
    print_summary(summary);
  });
}

}  // namespace varrl::cli
