// The IDX reader: plain and gzip files, batches, and malformed files named with the field and value.
#include "host/model/dataset.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "host/common/error.h"
#include "host/spec/program.h"

namespace dcoc::model {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<uint8_t> Be(std::initializer_list<uint32_t> v) {
  std::vector<uint8_t> b;
  for (uint32_t x : v)
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(x >> s));
  return b;
}

fs::path Dir(const std::string& name) {
  const fs::path d = fs::path(::testing::TempDir()) / name;
  fs::create_directories(d);
  return d;
}

void Gz(const fs::path& p, const std::vector<uint8_t>& b) {
  gzFile f = gzopen(p.string().c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, b.data(), unsigned(b.size()));
  gzclose(f);
}

TEST(Dataset, ReadsPlainAndGzip) {
  std::vector<uint8_t> img = Be({0x803, 2, 2, 3}), lab = Be({0x801, 2});
  for (int i = 0; i < 12; ++i) img.push_back(uint8_t(i * 20));
  lab.push_back(7);
  lab.push_back(3);
  const fs::path plain = Dir("plain"), gz = Dir("gz");
  spec::WriteFile(plain / "t10k-images-idx3-ubyte", img);
  spec::WriteFile(plain / "t10k-labels-idx1-ubyte", lab);
  Gz(gz / "t10k-images-idx3-ubyte.gz", img);
  Gz(gz / "t10k-labels-idx1-ubyte.gz", lab);
  for (const fs::path& d : {plain, gz}) {
    const ImageSet s = LoadIdx(d, "t10k");
    EXPECT_EQ(s.count, 2);
    EXPECT_EQ(s.rows, 2);
    EXPECT_EQ(s.cols, 3);
    EXPECT_EQ(s.labels, (std::vector<uint8_t>{7, 3}));
    const Tensor t = ImageBatch(s, 1, 2);  // the second image and one past the end
    EXPECT_EQ(t.shape, (Shape{2, 1, 2, 3}));
    EXPECT_FLOAT_EQ(t.data[0], 120.0f / 255.0f);
    EXPECT_EQ(t.data[6], 0.0f);
  }
}

TEST(Dataset, MalformedFiles) {
  const fs::path d = Dir("bad");
  spec::WriteFile(d / "train-images-idx3-ubyte", Be({0x803, 5, 2, 2}));  // 5 images of 2x2, no pixels
  spec::WriteFile(d / "train-labels-idx1-ubyte", Be({0x801, 5}));
  try {
    (void)LoadIdx(d, "train");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("5 images of 2x2 need 20 bytes"), HasSubstr("holds 0")));
  }
  spec::WriteFile(d / "train-images-idx3-ubyte", Be({0x802, 0, 1, 1}));
  EXPECT_THROW((void)LoadIdx(d, "train"), FormatError);
  EXPECT_THROW((void)LoadIdx(Dir("empty"), "train"), UsageError);
}

TEST(Dataset, FashionMnistIsWhereDebianPutsIt) {
  if (!fs::is_directory(std::string(kFashionMnistDir))) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const ImageSet s = LoadIdx(std::string(kFashionMnistDir), "t10k");
  EXPECT_EQ(s.count, 10000);
  EXPECT_EQ(s.rows, 28);
  std::array<int, 10> per{};
  for (uint8_t l : s.labels) ++per[l];
  for (int n : per) EXPECT_EQ(n, 1000);  // the test set is balanced
}

}  // namespace
}  // namespace dcoc::model
