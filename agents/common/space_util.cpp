#include "agents/common/space_util.h"

#include <fmt/format.h>

#include <sstream>

#include "host/common/error.h"

namespace dcoc::agents {

std::string Rng::State() const {
  std::ostringstream out;
  out << gen_;
  return out.str();
}

void Rng::SetState(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 g;
  in >> g;
  if (!in) throw UsageError("random generator state: not a saved mt19937_64 state");
  gen_ = g;
}

Indexer::Indexer(const Space& space) {
  for (const KnobDesc& k : space.Knobs()) {
    if (k.values.empty()) throw UsageError(fmt::format("knob {} has no values", k.name));
    if (k.values.size() > uint64_t(INT32_MAX)) throw UsageError(fmt::format("knob {} has too many values", k.name));
    const uint64_t d = k.values.size();
    if (size_ > (uint64_t(1) << 63) / d)
      throw UsageError(fmt::format("the space has more than 2^63 points (at knob {} with {} values)", k.name, d));
    size_ *= d;
    dims_.push_back(int32_t(d));
    names_.push_back(k.name);
  }
  if (dims_.empty()) throw UsageError("the space has no knobs");
}

uint64_t Indexer::Index(const Point& p) const {
  uint64_t index = 0;
  for (size_t i = dims_.size(); i-- > 0;) index = index * uint64_t(dims_[i]) + uint64_t(p[i]);
  return index;
}

Point Indexer::At(uint64_t index) const {
  Point p(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    p[i] = int32_t(index % uint64_t(dims_[i]));
    index /= uint64_t(dims_[i]);
  }
  return p;
}

void Indexer::CheckPoint(const Point& p) const {
  if (p.size() != dims_.size())
    throw UsageError(fmt::format("point has {} knob values, the space has {} knobs", p.size(), dims_.size()));
  for (size_t i = 0; i < dims_.size(); ++i)
    if (p[i] < 0 || p[i] >= dims_[i])
      throw UsageError(fmt::format("point: knob {} value index {} is outside [0, {})", names_[i], p[i], dims_[i]));
}

std::optional<uint64_t> PointSampler::Sample(Rng& rng, const IndexSet& exclude) {
  if (!all_valid_) {
    // Rejection sampling; gives up after enough misses that enumerating is the cheaper way.
    constexpr int kTries = 4096;
    for (int t = 0; t < kTries; ++t) {
      const uint64_t i = rng.Below(indexer_.Size());
      if (exclude.count(i)) continue;
      if (space_.Valid(indexer_.At(i))) return i;
    }
  }
  const std::vector<uint64_t>& all = AllValid();
  if (all.size() <= exclude.size()) {
    // Possibly exhausted: count the valid points left.
    size_t left = 0;
    for (uint64_t i : all) left += !exclude.count(i);
    if (left == 0) return std::nullopt;
  }
  // Rejection over the valid list while it pays, then a pass over the remaining ones.
  for (int t = 0; t < 64; ++t) {
    const uint64_t i = all[rng.Below(all.size())];
    if (!exclude.count(i)) return i;
  }
  std::vector<uint64_t> left;
  for (uint64_t i : all)
    if (!exclude.count(i)) left.push_back(i);
  if (left.empty()) return std::nullopt;
  return left[rng.Below(left.size())];
}

const std::vector<uint64_t>& PointSampler::AllValid() {
  if (!all_valid_) {
    all_valid_.emplace();
    for (uint64_t i = 0; i < indexer_.Size(); ++i)
      if (space_.Valid(indexer_.At(i))) all_valid_->push_back(i);
  }
  return *all_valid_;
}

std::optional<Point> RandomValidMove(const Space& space, const Indexer& indexer, const Point& p, Rng& rng, int tries) {
  const std::vector<int32_t>& dims = indexer.Dims();
  std::vector<int> free;
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] > 1) free.push_back(int(i));
  if (free.empty()) return std::nullopt;
  for (int t = 0; t < tries; ++t) {
    Point q = p;
    const int k = free[rng.Below(free.size())];
    // Another value of knob k, uniformly.
    const int32_t v = int32_t(rng.Below(uint64_t(dims[k] - 1)));
    q[k] = v >= p[k] ? v + 1 : v;
    if (space.Valid(q)) return q;
  }
  return std::nullopt;
}

void KnobFeatures(const Indexer& indexer, const Point& p, std::span<float> out) {
  const std::vector<int32_t>& dims = indexer.Dims();
  for (size_t i = 0; i < dims.size(); ++i) out[i] = float(p[i]) / float(dims[i]);
}

double Score(const Result& r) { return r.ok && r.cost > 0 ? 1.0 / r.cost : 0.0; }

}  // namespace dcoc::agents
