#include "varrl/reward/reward.h"

#include <sstream>

#include "varrl/core/error.h"
#include "varrl/reward/external_reward.h"
#include "varrl/reward/image_rewards.h"
#include "varrl/reward/ocr_reward.h"
#include "varrl/reward/render_match.h"

namespace varrl {

RewardFn::~RewardFn() = default;

void check_batch(const std::string& who, const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) {
  if (images.size() != prompts.size())
    throw Error("reward '" + who + "': " + std::to_string(images.size()) + " images but " +
                std::to_string(prompts.size()) + " prompts");
}

const std::vector<std::string>& reward_names() {
  static const std::vector<std::string> names = {"ocr_ned", "ocr_paper", "brightness", "color_fraction", "external",
                                                  "render_match"};
  return names;
}

std::string reward_names_list() {
  std::string list;
  for (const auto& n : reward_names()) list += (list.empty() ? "" : ", ") + n;
  return list;
}

namespace {

// Components with their weights; OCR words (if any component reads text) are the attribution, otherwise every
// component's boxes are.
class WeightedSum : public RewardFn {
 public:
  void add(std::unique_ptr<RewardFn> fn, double weight, const std::string& label) {
    parts_.push_back({std::move(fn), weight});
    name_ += (name_.empty() ? "" : "+") + label;
  }
  std::string name() const override { return name_; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) override {
    check_batch(name(), images, prompts);
    std::vector<RewardResult> out(images.size());
    for (auto& part : parts_) {
      auto res = part.fn->score(images, prompts);
      for (size_t i = 0; i < out.size(); ++i) {
        out[i].reward += part.weight * res[i].reward;
        for (const auto& kv : res[i].parts) out[i].parts[kv.first] = kv.second;
        if (res[i].ocr && !out[i].ocr) {
          out[i].words = std::move(res[i].words);
          out[i].ocr = true;
        } else if (!out[i].ocr) {
          out[i].words.insert(out[i].words.end(), res[i].words.begin(), res[i].words.end());
        }
      }
    }
    return out;
  }

 private:
  struct Part {
    std::unique_ptr<RewardFn> fn;
    double weight;
  };
  std::vector<Part> parts_;
  std::string name_;
};

std::unique_ptr<OcrReward> make_ocr(const Config& cfg, double ned_w, double paper_w) {
  return std::make_unique<OcrReward>(OcrPoolOptions::from_config(cfg), ned_w, paper_w,
                                     cfg.get<double>("reward.ocr_paper.penalty"),
                                     cfg.get<double>("reward.ocr_paper.eps"));
}

std::string weight_label(const std::string& name, double w) {
  if (w == 1.0) return name;
  std::ostringstream s;
  s << w << "*" << name;
  return s.str();
}

}  // namespace

std::unique_ptr<RewardFn> make_reward(const Config& cfg, const std::string& name) {
  if (name == "ocr_ned") return make_ocr(cfg, 1.0, 0.0);
  if (name == "ocr_paper") return make_ocr(cfg, 0.0, 1.0);
  if (name == "brightness") return std::make_unique<BrightnessReward>();
  if (name == "color_fraction") return ColorFractionReward::from_config(cfg);
  if (name == "external") return std::make_unique<ExternalReward>(ExternalOptions::from_config(cfg));
  if (name == "render_match") return RenderMatchReward::from_config(cfg);
  throw Error("unknown reward '" + name + "' (known: " + reward_names_list() + ")");
}

std::unique_ptr<RewardFn> make_reward(const Config& cfg) {
  std::map<std::string, double> w;
  for (const auto& n : reward_names()) w[n] = cfg.get<double>("reward.weights." + n);
  auto sum = std::make_unique<WeightedSum>();
  bool any = false;
  if (w["ocr_ned"] != 0 || w["ocr_paper"] != 0) {  // one OCR pass serves both forms
    std::string label = w["ocr_paper"] == 0   ? weight_label("ocr_ned", w["ocr_ned"])
                        : w["ocr_ned"] == 0 ? weight_label("ocr_paper", w["ocr_paper"])
                                            : weight_label("ocr_ned", w["ocr_ned"]) + "+" +
                                                  weight_label("ocr_paper", w["ocr_paper"]);
    sum->add(make_ocr(cfg, w["ocr_ned"], w["ocr_paper"]), 1.0, label);
    any = true;
  }
  for (const auto& n : reward_names()) {
    if (w[n] == 0 || n == "ocr_ned" || n == "ocr_paper") continue;  // the OCR pair is built above
    sum->add(make_reward(cfg, n), w[n], weight_label(n, w[n]));
    any = true;
  }
  if (!any) throw Error("every reward weight is 0: set reward.weights.<name> (e.g. reward.weights.ocr_ned=1)");
  return sum;
}

}  // namespace varrl
