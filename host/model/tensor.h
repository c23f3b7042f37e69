// Dense float tensors of any rank (row-major, ONNX's layout) for the float executor and the importer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dcoc::model {

using Shape = std::vector<int64_t>;

// Largest tensor dcoc accepts (elements): bad input cannot make it allocate more.
inline constexpr int64_t kMaxElements = int64_t(1) << 28;

// Elements of a shape; throws ModelError when a dimension is negative or the count exceeds kMaxElements.
int64_t NumElements(const Shape& s, std::string_view what);
std::string ToString(const Shape& s);

struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s);  // zero-filled; checked with NumElements
  Tensor(Shape s, std::vector<float> d);
  int64_t Size() const { return int64_t(data.size()); }
  int Rank() const { return int(shape.size()); }
};

// Largest absolute difference between two tensors of the same shape (infinity when shapes differ).
double MaxAbsDiff(const Tensor& a, const Tensor& b);

}  // namespace dcoc::model
