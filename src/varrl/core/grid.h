// Sample grids: rows of images with a caption strip under each row (cairo text), e.g. for `varrl sample`.
#pragma once
#include <string>
#include <vector>

#include "varrl/core/image.h"

namespace varrl {

struct GridRow {
  std::vector<Image> images;
  std::string caption;
};

// Lays out rows left to right with `pad` pixels between images, each image scaled up by `zoom` (nearest).
Image make_grid(const std::vector<GridRow>& rows, int zoom = 2, int pad = 4);

}  // namespace varrl
