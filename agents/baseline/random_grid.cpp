// Random and grid search.
#include "agents/baseline/baseline.h"
#include "agents/common/params.h"
#include "agents/common/space_util.h"

namespace dcoc::agents::baseline {

namespace {

class RandomTuner : public Tuner {
 public:
  RandomTuner(const Space& space, uint64_t seed) : indexer_(space), sampler_(space, indexer_), rng_(seed) {}
  std::string_view Name() const override { return "random"; }
  std::vector<Point> Propose(int n) override {
    std::vector<Point> out;
    while (int(out.size()) < n) {
      const std::optional<uint64_t> i = sampler_.Sample(rng_, visited_);
      if (!i) break;
      visited_.insert(*i);
      out.push_back(indexer_.At(*i));
    }
    return out;
  }
  void Observe(std::span<const Result>) override {}
  TunerTiming Timing() const override { return {}; }

 private:
  Indexer indexer_;
  PointSampler sampler_;
  Rng rng_;
  IndexSet visited_;
};

class GridTuner : public Tuner {
 public:
  explicit GridTuner(const Space& space) : space_(space), indexer_(space) {}
  std::string_view Name() const override { return "grid"; }
  std::vector<Point> Propose(int n) override {
    std::vector<Point> out;
    for (; next_ < indexer_.Size() && int(out.size()) < n; ++next_) {
      Point p = indexer_.At(next_);
      if (space_.Valid(p)) out.push_back(std::move(p));
    }
    return out;
  }
  void Observe(std::span<const Result>) override {}
  TunerTiming Timing() const override { return {}; }

 private:
  const Space& space_;
  Indexer indexer_;
  uint64_t next_ = 0;
};

}  // namespace

std::unique_ptr<Tuner> CreateRandom(const Space& space, const TunerOptions& opts) {
  ParamReader("random", opts.params).Finish();
  return std::make_unique<RandomTuner>(space, opts.seed);
}

std::unique_ptr<Tuner> CreateGrid(const Space& space, const TunerOptions& opts) {
  ParamReader("grid", opts.params).Finish();
  return std::make_unique<GridTuner>(space);
}

}  // namespace dcoc::agents::baseline
