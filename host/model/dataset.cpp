#include "host/model/dataset.h"

#include <fmt/format.h>
#include <zlib.h>

#include "host/common/error.h"

namespace dcoc::model {

namespace {

// The whole file, decompressed when it is gzip (zlib's gz reader passes plain files through).
std::vector<uint8_t> ReadMaybeGz(const std::filesystem::path& p) {
  gzFile f = gzopen(p.string().c_str(), "rb");
  if (!f) throw UsageError(fmt::format("{}: cannot open", p.string()));
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw FormatError(fmt::format("{}: corrupt gzip data: {}", p.string(), msg));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > (size_t(1) << 31)) {
      gzclose(f);
      throw FormatError(fmt::format("{}: larger than 2 GiB decompressed", p.string()));
    }
  }
  gzclose(f);
  return out;
}

std::filesystem::path Find(const std::filesystem::path& dir, const std::string& base) {
  for (const char* ext : {".gz", ""}) {
    const std::filesystem::path p = dir / (base + ext);
    if (std::filesystem::is_regular_file(p)) return p;
  }
  throw UsageError(fmt::format("{}: no {}[.gz] (install dataset-fashion-mnist, or give the directory with --data)",
                               dir.string(), base));
}

uint32_t Be32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | uint32_t(b[at + 3]);
}

}  // namespace

ImageSet LoadIdx(const std::filesystem::path& dir, std::string_view split) {
  const std::filesystem::path ip = Find(dir, fmt::format("{}-images-idx3-ubyte", split));
  const std::filesystem::path lp = Find(dir, fmt::format("{}-labels-idx1-ubyte", split));
  const std::vector<uint8_t> img = ReadMaybeGz(ip), lab = ReadMaybeGz(lp);
  if (img.size() < 16 || Be32(img, 0) != 0x803)
    throw FormatError(fmt::format("{}: not an IDX image file (magic {:#x}, expected 0x803)", ip.string(),
                                  img.size() >= 4 ? Be32(img, 0) : 0));
  if (lab.size() < 8 || Be32(lab, 0) != 0x801)
    throw FormatError(fmt::format("{}: not an IDX label file (magic {:#x}, expected 0x801)", lp.string(),
                                  lab.size() >= 4 ? Be32(lab, 0) : 0));
  ImageSet s;
  s.count = Be32(img, 4);
  s.rows = int(Be32(img, 8));
  s.cols = int(Be32(img, 12));
  if (s.rows < 1 || s.cols < 1 || s.rows > 4096 || s.cols > 4096)
    throw FormatError(fmt::format("{}: image size {}x{} out of range", ip.string(), s.rows, s.cols));
  const uint64_t need = uint64_t(s.count) * uint64_t(s.rows) * uint64_t(s.cols);
  if (img.size() - 16 != need)
    throw FormatError(fmt::format("{}: {} images of {}x{} need {} bytes, the file holds {}", ip.string(), s.count,
                                  s.rows, s.cols, need, img.size() - 16));
  if (Be32(lab, 4) != uint32_t(s.count) || lab.size() - 8 != uint64_t(s.count))
    throw FormatError(fmt::format("{}: {} labels for {} images", lp.string(), lab.size() - 8, s.count));
  s.pixels.assign(img.begin() + 16, img.end());
  s.labels.assign(lab.begin() + 8, lab.end());
  for (uint8_t l : s.labels)
    if (l > 9) throw FormatError(fmt::format("{}: label {} out of range [0, 9]", lp.string(), l));
  return s;
}

Tensor ImageBatch(const ImageSet& s, int64_t first, int64_t n) {
  Tensor t({n, 1, s.rows, s.cols});
  const int64_t px = int64_t(s.rows) * s.cols;
  for (int64_t i = 0; i < n && first + i < s.count; ++i)
    for (int64_t p = 0; p < px; ++p)
      t.data[size_t(i * px + p)] = float(s.pixels[size_t((first + i) * px + p)]) / 255.0f;
  return t;
}

}  // namespace dcoc::model
