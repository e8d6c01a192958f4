// Base64 (RFC 4648, with '=' padding): binary data inside JSON lines (images sent to OCR workers).
#pragma once
#include <string>
#include <string_view>

namespace varrl {

std::string base64_encode(std::string_view bytes);
// Throws varrl::Error on a character outside the alphabet or a bad length.
std::string base64_decode(std::string_view text);

}  // namespace varrl
