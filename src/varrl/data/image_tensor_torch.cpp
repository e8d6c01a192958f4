#include "varrl/core/error.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/prompt_record.h"

namespace varrl {

torch::Tensor images_to_tensor(const std::vector<Image>& images) {
  if (images.empty()) throw Error("images_to_tensor: empty batch");
  const int H = images[0].height, W = images[0].width;
  auto out = torch::empty({static_cast<int64_t>(images.size()), H, W, 3}, torch::kUInt8);
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].height != H || images[i].width != W) throw Error("images_to_tensor: images differ in size");
    std::memcpy(out[i].data_ptr(), images[i].rgb.data(), images[i].rgb.size());
  }
  return out.permute({0, 3, 1, 2}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

std::vector<Image> tensor_to_images(const torch::Tensor& img) {
  auto u8 = img.detach().to(torch::kCPU).to(torch::kFloat32).clamp(-1, 1).add(1).mul(127.5).round().to(torch::kUInt8)
                .permute({0, 2, 3, 1}).contiguous();
  std::vector<Image> out;
  for (int64_t i = 0; i < u8.size(0); ++i) {
    Image im(static_cast<int>(u8.size(2)), static_cast<int>(u8.size(1)));
    std::memcpy(im.rgb.data(), u8[i].data_ptr(), im.rgb.size());
    out.push_back(std::move(im));
  }
  return out;
}

std::vector<Image> load_prompt_images(const std::string& prompts_file, int height, int width, int limit) {
  auto rows = read_prompts(prompts_file);
  std::vector<Image> out;
  for (const auto& r : rows) {
    if (limit >= 0 && static_cast<int>(out.size()) >= limit) break;
    if (r.image.empty()) throw Error(prompts_file + ": a row has no \"image\" field");
    std::string p = image_path(prompts_file, r);
    Image im = read_png(p);
    if (im.height != height || im.width != width)
      throw Error(p + ": image is " + std::to_string(im.width) + "x" + std::to_string(im.height) + ", expected " +
                  std::to_string(width) + "x" + std::to_string(height) + " (data.image_width x data.image_height)");
    out.push_back(std::move(im));
  }
  return out;
}

}  // namespace varrl
