// Image classification data in the IDX format of MNIST and Fashion-MNIST (gzip-compressed or not), as
// Debian's dataset-fashion-mnist ships it in /usr/share/datasets/fashion-mnist:
//   <split>-images-idx3-ubyte.gz  magic 0x00000803, count, rows, cols, then count*rows*cols bytes
//   <split>-labels-idx1-ubyte.gz  magic 0x00000801, count, then count bytes
// with split "train" (60,000) or "t10k" (10,000). Integers are big-endian.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "host/model/tensor.h"

namespace dcoc::model {

inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct ImageSet {
  int64_t count = 0;
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count x rows x cols
  std::vector<uint8_t> labels;  // count
};

// Loads `<dir>/<split>-images-idx3-ubyte[.gz]` and the matching labels. Throws UsageError for a missing
// file, FormatError for a malformed one (naming the file, the field and the value).
ImageSet LoadIdx(const std::filesystem::path& dir, std::string_view split);

// Images [first, first + n) as a [n, 1, rows, cols] float tensor of pixel / 255 (n may run past the end:
// the missing images are zero).
Tensor ImageBatch(const ImageSet& s, int64_t first, int64_t n);

}  // namespace dcoc::model
