// The fonts of the synthetic corpus: the six TrueType faces of Debian's fonts-dejavu-core, opened by absolute path
// through FreeType and wrapped as cairo font faces. Loaded once per process and kept for its lifetime.
#pragma once
#include <string>
#include <vector>

typedef struct _cairo_font_face cairo_font_face_t;

namespace varrl {

struct FontInfo {
  std::string path;
  std::string style;  // the word a prompt may use for it ("bold", "serif", "monospaced", ...); "" for plain
  bool bold = false;
};

// The shipped font list (paths under /usr/share/fonts/truetype/dejavu/).
const std::vector<FontInfo>& font_list();
// The cairo face of font `index` of font_list(); throws varrl::Error naming the file when it cannot be loaded
// (install fonts-dejavu-core). Thread-safe; the face lives until the process ends.
cairo_font_face_t* font_face(size_t index);

}  // namespace varrl
