#pragma once
/// A fixed, portable content hash (std::hash may differ between builds), used to tell whether
/// student files or the course tree changed since an earlier result was recorded.

#include <string>
#include <string_view>

namespace interleave {

/// 64-bit FNV-1a of the bytes, as 16 hex digits. Stable across runs and machines.
std::string content_hash(std::string_view bytes);

}  // namespace interleave
