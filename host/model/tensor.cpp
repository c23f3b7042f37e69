#include "host/model/tensor.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "host/model/errors.h"

namespace dcoc::model {

int64_t NumElements(const Shape& s, std::string_view what) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) throw ModelError(fmt::format("{}: shape {} has a negative dimension", what, ToString(s)));
    if (d > 0 && n > kMaxElements / d)
      throw ModelError(fmt::format("{}: shape {} has more than {} elements", what, ToString(s), kMaxElements));
    n *= d;
  }
  return n;
}

std::string ToString(const Shape& s) { return fmt::format("[{}]", fmt::join(s, ",")); }

Tensor::Tensor(Shape s) : shape(std::move(s)), data(size_t(NumElements(shape, "tensor")), 0.0f) {}

Tensor::Tensor(Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {
  if (int64_t(data.size()) != NumElements(shape, "tensor"))
    throw ModelError(fmt::format("tensor of shape {} given {} values", ToString(shape), data.size()));
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  if (a.shape != b.shape) return std::numeric_limits<double>::infinity();
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double d = std::fabs(double(a.data[i]) - double(b.data[i]));
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    m = std::max(m, d);
  }
  return m;
}

}  // namespace dcoc::model
