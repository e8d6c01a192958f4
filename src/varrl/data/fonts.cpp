#include "varrl/data/fonts.h"

#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <memory>
#include <mutex>

#include "varrl/core/error.h"

namespace varrl {

const std::vector<FontInfo>& font_list() {
  static const std::string dir = "/usr/share/fonts/truetype/dejavu/";
  static const std::vector<FontInfo> fonts = {
      {dir + "DejaVuSans.ttf", "", false},
      {dir + "DejaVuSans-Bold.ttf", "bold", true},
      {dir + "DejaVuSerif.ttf", "serif", false},
      {dir + "DejaVuSerif-Bold.ttf", "bold serif", true},
      {dir + "DejaVuSansMono.ttf", "monospaced", false},
      {dir + "DejaVuSansMono-Bold.ttf", "bold monospaced", true},
  };
  return fonts;
}

namespace {

// FreeType library and faces, created on first use. cairo serialises its own access to each FT_Face; creating faces
// touches the shared FT_Library, so creation happens under one mutex.
struct FontCache {
  std::mutex mu;
  FT_Library lib = nullptr;
  std::vector<cairo_font_face_t*> faces;
};

FontCache& cache() {
  static FontCache* c = new FontCache();  // never destroyed: faces must outlive every cairo object using them
  return *c;
}

void release_ft_face(void* face) { FT_Done_Face(static_cast<FT_Face>(face)); }

}  // namespace

cairo_font_face_t* font_face(size_t index) {
  const auto& fonts = font_list();
  if (index >= fonts.size()) throw Error("font index " + std::to_string(index) + " out of range");
  FontCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.faces.empty()) c.faces.assign(fonts.size(), nullptr);
  if (c.faces[index]) return c.faces[index];
  if (!c.lib && FT_Init_FreeType(&c.lib) != 0) throw Error("FreeType initialisation failed");
  FT_Face face = nullptr;
  if (FT_New_Face(c.lib, fonts[index].path.c_str(), 0, &face) != 0)
    throw Error(fonts[index].path + ": cannot load font (install the Debian package fonts-dejavu-core)");
  cairo_font_face_t* cf = cairo_ft_font_face_create_for_ft_face(face, 0);
  static const cairo_user_data_key_t key{};
  if (cairo_font_face_status(cf) != CAIRO_STATUS_SUCCESS ||
      cairo_font_face_set_user_data(cf, &key, face, release_ft_face) != CAIRO_STATUS_SUCCESS) {
    cairo_font_face_destroy(cf);
    FT_Done_Face(face);
    throw Error(fonts[index].path + ": cairo cannot use this font");
  }
  c.faces[index] = cf;
  return cf;
}

}  // namespace varrl
