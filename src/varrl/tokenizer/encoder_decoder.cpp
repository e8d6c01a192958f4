#include "varrl/tokenizer/encoder_decoder.h"

#include "varrl/tokenizer/conv_blocks.h"

namespace varrl {

namespace F = torch::nn::functional;

torch::Tensor LevelImpl::forward(torch::Tensor h) {
  for (size_t i = 0; i < block->size(); ++i) {
    h = block[i]->as<ResnetBlockImpl>()->forward(h);
    if (i < attn->size()) h = attn[i]->as<AttnBlockImpl>()->forward(h);
  }
  if (!resample.is_empty()) h = resample.forward(h);
  return h;
}

MidImpl::MidImpl(int64_t ch, bool attn) {
  block_1 = torch::nn::AnyModule(ResnetBlock(ch, ch));
  register_module("block_1", block_1.ptr());
  if (attn) {
    attn_1 = torch::nn::AnyModule(AttnBlock(ch));
    register_module("attn_1", attn_1.ptr());
  }
  block_2 = torch::nn::AnyModule(ResnetBlock(ch, ch));
  register_module("block_2", block_2.ptr());
}

torch::Tensor MidImpl::forward(torch::Tensor h) {
  h = block_1.forward(h);
  if (!attn_1.is_empty()) h = attn_1.forward(h);
  return block_2.forward(h);
}

static torch::nn::Conv2d conv3(int64_t in, int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
}

EncoderImpl::EncoderImpl(const TokenizerConfig& cfg) {
  const int nr = static_cast<int>(cfg.ch_mult.size());
  conv_in = register_module("conv_in", conv3(3, cfg.ch));
  down = register_module("down", torch::nn::ModuleList());
  int64_t block_in = cfg.ch;
  for (int lvl = 0; lvl < nr; ++lvl) {
    auto level = Level();
    level->block = level->register_module("block", torch::nn::ModuleList());
    level->attn = level->register_module("attn", torch::nn::ModuleList());
    const int64_t block_out = cfg.ch * cfg.ch_mult[lvl];
    for (int b = 0; b < cfg.num_res_blocks; ++b) {
      level->block->push_back(ResnetBlock(block_in, block_out));
      block_in = block_out;
      if (lvl == nr - 1 && cfg.attn_lowest) level->attn->push_back(AttnBlock(block_in));
    }
    if (lvl != nr - 1) {
      level->resample = torch::nn::AnyModule(Downsample2x(block_in));
      level->register_module("downsample", level->resample.ptr());
    }
    down->push_back(level);
  }
  mid = register_module("mid", Mid(block_in, cfg.attn_lowest));
  norm_out = register_module("norm_out", make_group_norm(block_in));
  conv_out = register_module("conv_out", conv3(block_in, cfg.Cvae));
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& img) {
  auto h = conv_in(img);
  for (size_t i = 0; i < down->size(); ++i) h = down[i]->as<LevelImpl>()->forward(h);
  h = mid(h);
  return conv_out(F::silu(norm_out(h)));
}

DecoderImpl::DecoderImpl(const TokenizerConfig& cfg) {
  const int nr = static_cast<int>(cfg.ch_mult.size());
  int64_t block_in = cfg.ch * cfg.ch_mult[nr - 1];
  conv_in = register_module("conv_in", conv3(cfg.Cvae, block_in));
  mid = register_module("mid", Mid(block_in, cfg.attn_lowest));
  std::vector<Level> levels(nr, nullptr);
  for (int lvl = nr - 1; lvl >= 0; --lvl) {
    auto level = Level();
    level->block = level->register_module("block", torch::nn::ModuleList());
    level->attn = level->register_module("attn", torch::nn::ModuleList());
    const int64_t block_out = cfg.ch * cfg.ch_mult[lvl];
    for (int b = 0; b < cfg.num_res_blocks + 1; ++b) {
      level->block->push_back(ResnetBlock(block_in, block_out));
      block_in = block_out;
      if (lvl == nr - 1 && cfg.attn_lowest) level->attn->push_back(AttnBlock(block_in));
    }
    if (lvl != 0) {
      level->resample = torch::nn::AnyModule(Upsample2x(block_in));
      level->register_module("upsample", level->resample.ptr());
    }
    levels[lvl] = level;
  }
  up = register_module("up", torch::nn::ModuleList());
  for (auto& l : levels) up->push_back(l);
  norm_out = register_module("norm_out", make_group_norm(block_in));
  conv_out = register_module("conv_out", conv3(block_in, 3));
}

torch::Tensor DecoderImpl::forward(const torch::Tensor& z) {
  auto h = mid(conv_in(z));
  for (int i = static_cast<int>(up->size()) - 1; i >= 0; --i) h = up[i]->as<LevelImpl>()->forward(h);
  return conv_out(F::silu(norm_out(h)));
}

}  // namespace varrl
