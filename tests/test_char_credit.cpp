// Character credit (rl/char_credit.h): the OCR alignment per letter, the letter columns' overlap with every scale's
// cells, per-letter group advantages, and the per-token blend inside collect_rollouts.
#include <gtest/gtest.h>

#include "varrl/core/error.h"
#include "varrl/model/policy_io.h"
#include "varrl/reward/reward.h"
#include "varrl/rl/char_credit.h"
#include "varrl/rl/rollout.h"
#include "varrl/tokenizer/tokenizer_io.h"
#include "tiny_base.h"

using namespace varrl;

static std::vector<double> v(std::initializer_list<double> x) { return x; }

TEST(CharCredit, MatchedSymbolsFollowTheAlignment) {
  EXPECT_EQ(matched_symbols("CASTLE", "castlf"), v({1, 1, 1, 1, 1, 0}));  // substitution
  EXPECT_EQ(matched_symbols("castle", "CASTLE"), v({1, 1, 1, 1, 1, 1}));  // case does not matter
  EXPECT_EQ(matched_symbols("castle", "cstle"), v({1, 0, 1, 1, 1, 1}));   // deletion of the A
  EXPECT_EQ(matched_symbols("castle", "caxstle"), v({1, 1, 1, 1, 1, 1})); // an inserted symbol costs no letter
  EXPECT_EQ(matched_symbols("castle", ""), v({0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(matched_symbols("open late", "OPENLATE"), v({1, 1, 1, 1, 1, 1, 1, 1}));  // spaces are dropped
  EXPECT_EQ(matched_symbols("abc", "xyz"), v({0, 0, 0}));
}

TEST(CharCredit, OverlapSplitsTheBoxIntoEqualColumns) {
  // Image 4 × 8, a box over the top half [0, 8) × [0, 2) holding two letters: columns [0, 4) and [4, 8).
  std::vector<Scale> pn{{1, 1}, {1, 2}, {2, 4}};
  auto M = symbol_overlap_LK({0, 0, 8, 2}, 2, 4, 8, pn);
  ASSERT_EQ(M.sizes(), (std::vector<int64_t>{1 + 2 + 8, 2}));
  auto want = torch::tensor({{0.25f, 0.25f},                                    // 1 × 1: each letter 8 of 32 px
                             {0.5f, 0.f}, {0.f, 0.5f},                          // 1 × 2: 8 of 16 px
                             {1.f, 0.f}, {1.f, 0.f}, {0.f, 1.f}, {0.f, 1.f},    // 2 × 4, top row: whole cells
                             {0.f, 0.f}, {0.f, 0.f}, {0.f, 0.f}, {0.f, 0.f}});  // bottom row: outside the box
  EXPECT_TRUE(torch::allclose(M, want)) << M;
  EXPECT_THROW(symbol_overlap_LK({0, 0, 8, 2}, 0, 4, 8, pn), Error);
}

TEST(CharCredit, SymbolAdvantagesAreCentredPerLetterAndScaledPerGroup) {
  auto a = symbol_advantages(torch::tensor({{1.f, 0.f}, {0.f, 0.f}}), 0.0, 0.0);
  // Centred: ±0.5 on letter 0, 0 on letter 1; pooled std sqrt(0.5 / ((2 − 1) · 2)) = 0.5 → ±1.
  EXPECT_TRUE(torch::allclose(a, torch::tensor({{1.f, 0.f}, {-1.f, 0.f}}))) << a;
  EXPECT_TRUE(torch::equal(symbol_advantages(torch::ones({4, 3}), 1e-4, 5.0), torch::zeros({4, 3})));
  auto clipped = symbol_advantages(torch::tensor({{1.f}, {0.f}, {0.f}, {0.f}, {0.f}, {0.f}, {0.f}, {0.f}}), 0.0, 2.0);
  EXPECT_FLOAT_EQ(clipped[0][0].item<float>(), 2.f);  // (7/8) / sqrt(0.875 / 7) ≈ 2.47 before the clip
}

TEST(CharCredit, BlendPutsEachLettersCreditOnItsTokensAndKeepsTheBackground) {
  std::vector<Scale> pn{{1, 1}, {1, 2}, {2, 4}};
  auto M = symbol_overlap_LK({0, 0, 8, 2}, 2, 4, 8, pn);
  auto A_G = torch::tensor({0.3, -0.3}, torch::kDouble);
  auto a_GK = torch::tensor({{1.f, 0.f}, {-1.f, 0.f}});
  EXPECT_TRUE(torch::equal(char_credit_advantages(A_G, a_GK, M, 0.0), A_G.view({2, 1}).expand({2, 11})));
  auto A = char_credit_advantages(A_G, a_GK, M, 1.0);
  EXPECT_EQ(A.scalar_type(), torch::kDouble);
  EXPECT_NEAR(A[0][3].item<double>(), 1.0, 1e-6);    // fine cell over letter 0: its credit only
  EXPECT_NEAR(A[1][3].item<double>(), -1.0, 1e-6);
  EXPECT_NEAR(A[0][5].item<double>(), 0.0, 1e-6);    // over letter 1, which both got equally right
  EXPECT_NEAR(A[0][7].item<double>(), 0.3, 1e-6);    // outside the box: the image's own advantage
  EXPECT_NEAR(A[1][0].item<double>(), -0.3 * 0.5 - 0.25, 1e-6);  // 1 × 1 cell: half box, half background
  auto H = char_credit_advantages(A_G, a_GK, M, 0.5);
  EXPECT_NEAR(H[0][3].item<double>(), 0.5 * 0.3 + 0.5 * 1.0, 1e-6);
}

// An OCR-like reward for prompts "AB": even images read "ab" (reward 1), odd ones "ax" (reward 0.5).
class ReadsAbOrAx : public RewardFn {
 public:
  bool ocr = true;
  std::string name() const override { return "reads_ab"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>&) override {
    std::vector<RewardResult> out(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      out[i].reward = i % 2 == 0 ? 1.0 : 0.5;
      out[i].words.push_back({i % 2 == 0 ? "ab" : "ax", 1.f, {0, 0, 4, 4}});
      out[i].ocr = ocr;
    }
    return out;
  }
};

TEST(CharCredit, RolloutsCarryPerLetterAdvantagesOnTheLettersTokens) {
  const std::string base = varrl::testing::make_tiny_base();
  Config c = load_model_config(base);
  VAR policy = load_policy(base, c);
  VQVAE vae = load_tokenizer(base, c);
  const int H = vae->cfg.image_height, W = vae->cfg.image_width;
  std::vector<PromptRecord> prompts(1);
  prompts[0].prompt = "a sign that says \"AB\"";
  prompts[0].texts = {"AB"};
  prompts[0].boxes = {{0, 0, W, H}};  // the whole image: letter A the left half, B the right half
  ReadsAbOrAx reward;
  RolloutOptions opt;
  opt.group_size = 4;
  opt.sampling.cfg = 0;
  auto plain = collect_rollouts(policy, vae, reward, prompts, opt, 3);
  EXPECT_LT(plain.char_matched, 0);
  opt.char_credit = 1.0;
  auto rb = collect_rollouts(policy, vae, reward, prompts, opt, 3);
  EXPECT_DOUBLE_EQ(rb.char_matched, 0.75);  // A always right, B in half the images
  const auto& pn = policy->cfg.patch_nums;
  const int64_t fine = tokens_before(pn, static_cast<int>(pn.size()) - 1), L = policy->cfg.L();
  const int fw = pn.back().w;
  for (int i = 0; i < 4; ++i) {
    // Plain GRPO: every token carries the image's advantage (rewards 1 / 0.5 in a group of 4: ±0.25 / 0.2887).
    EXPECT_NEAR(plain.A_prefix_BL[i][L - 1].item<double>(), i % 2 == 0 ? 0.866 : -0.866, 1e-3);
    // Char credit (λ = 1): the left half (letter A, right in every image) carries nothing, the right half (B)
    // ±0.5 / sqrt(1 / 6) = ±1.2247.
    EXPECT_NEAR(rb.A_prefix_BL[i][fine].item<double>(), 0.0, 1e-6) << i;
    EXPECT_NEAR(rb.A_prefix_BL[i][fine + fw - 1].item<double>(), i % 2 == 0 ? 1.2247 : -1.2247, 1e-3) << i;
  }
  reward.ocr = false;
  EXPECT_THROW(collect_rollouts(policy, vae, reward, prompts, opt, 3), Error);
  reward.ocr = true;
  prompts[0].boxes.clear();
  EXPECT_THROW(collect_rollouts(policy, vae, reward, prompts, opt, 3), Error);
}
