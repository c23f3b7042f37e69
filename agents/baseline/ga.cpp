// AutoTVM's genetic algorithm (GATuner), on valid points only.
//
// A generation of pop_size genes (knob-index vectors) is measured; then the elite_num best of the
// generation and the previous elites survive, and pop_size children are bred from that pool: two
// distinct parents drawn with probability proportional to throughput, one-point crossover, each knob
// replaced by a random value with probability mutation_prob. A child that was proposed before or is
// invalid keeps mutating one random knob at a time; after 64 failed repairs it is replaced by a random
// valid point never proposed. The first generation is random.
#include <algorithm>
#include <numeric>

#include "agents/baseline/baseline.h"
#include "agents/common/params.h"
#include "agents/common/space_util.h"

namespace dcoc::agents::baseline {

namespace {

struct GaParams {
  int pop_size = 50;
  int elite_num = 3;
  double mutation_prob = 0.1;
};

class GaTuner : public Tuner {
 public:
  GaTuner(const Space& space, const GaParams& p, uint64_t seed)
      : space_(space), indexer_(space), sampler_(space, indexer_), rng_(seed), p_(p) {
    for (int i = 0; i < p_.pop_size; ++i) {
      const std::optional<uint64_t> idx = sampler_.Sample(rng_, visited_);
      if (!idx) break;
      visited_.insert(*idx);
      genes_.push_back(indexer_.At(*idx));
    }
  }

  std::string_view Name() const override { return "ga"; }

  std::vector<Point> Propose(int n) override {
    std::vector<Point> out;
    while (int(out.size()) < n && next_ < genes_.size()) out.push_back(genes_[next_++]);
    return out;
  }

  void Observe(std::span<const Result> results) override {
    for (const Result& r : results) scores_.push_back(Score(r));
    if (scores_.size() >= genes_.size() && next_ >= genes_.size() && !genes_.empty()) NextGeneration();
  }

  TunerTiming Timing() const override { return timing_; }

 private:
  void NextGeneration() {
    std::vector<Point> pool = genes_;
    std::vector<double> scores(scores_.begin(), scores_.begin() + ptrdiff_t(genes_.size()));
    pool.insert(pool.end(), elites_.begin(), elites_.end());
    scores.insert(scores.end(), elite_scores_.begin(), elite_scores_.end());
    scores_.erase(scores_.begin(), scores_.begin() + ptrdiff_t(genes_.size()));

    // Elites: the best of the pool (ties: the earlier one).
    std::vector<size_t> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    elites_.clear();
    elite_scores_.clear();
    for (size_t i = 0; i < order.size() && int(i) < p_.elite_num; ++i) {
      elites_.push_back(pool[order[i]]);
      elite_scores_.push_back(scores[order[i]]);
    }

    const int knobs = indexer_.NumKnobs();
    const std::vector<int32_t>& dims = indexer_.Dims();
    std::vector<Point> next;
    for (int i = 0; i < p_.pop_size; ++i) {
      Point child;
      if (pool.size() >= 2) {
        const auto [a, b] = DrawParents(scores);
        const int cut = int(rng_.Below(uint64_t(knobs)));
        child = pool[a];
        std::copy(pool[b].begin() + cut, pool[b].end(), child.begin() + cut);
      } else {
        child = pool[0];
      }
      for (int k = 0; k < knobs; ++k)
        if (rng_.Uniform() < p_.mutation_prob) child[k] = int32_t(rng_.Below(uint64_t(dims[k])));
      bool placed = false;
      for (int repair = 0; repair < 64; ++repair) {
        if (!visited_.count(indexer_.Index(child)) && space_.Valid(child)) {
          placed = true;
          break;
        }
        const int k = int(rng_.Below(uint64_t(knobs)));
        child[k] = int32_t(rng_.Below(uint64_t(dims[k])));
      }
      if (!placed) {
        const std::optional<uint64_t> idx = sampler_.Sample(rng_, visited_);
        if (!idx) break;  // every valid point was proposed
        child = indexer_.At(*idx);
      }
      visited_.insert(indexer_.Index(child));
      next.push_back(std::move(child));
    }
    genes_ = std::move(next);
    next_ = 0;
  }

  // Two distinct indices, the first drawn in proportion to score, the second likewise among the rest
  // (numpy's choice without replacement); uniform where every remaining score is zero.
  std::pair<size_t, size_t> DrawParents(const std::vector<double>& scores) {
    const auto draw = [&](size_t skip) {
      double total = 0;
      for (size_t i = 0; i < scores.size(); ++i)
        if (i != skip) total += scores[i];
      if (total <= 0) {
        size_t j = size_t(rng_.Below(scores.size() - (skip < scores.size() ? 1 : 0)));
        return skip < scores.size() && j >= skip ? j + 1 : j;
      }
      double x = rng_.Uniform() * total;
      size_t last = 0;
      for (size_t i = 0; i < scores.size(); ++i) {
        if (i == skip || scores[i] <= 0) continue;
        last = i;
        if (x < scores[i]) return i;
        x -= scores[i];
      }
      return last;
    };
    const size_t a = draw(scores.size());
    return {a, draw(a)};
  }

  const Space& space_;
  Indexer indexer_;
  PointSampler sampler_;
  Rng rng_;
  GaParams p_;
  IndexSet visited_;
  std::vector<Point> genes_, elites_;
  std::vector<double> scores_, elite_scores_;
  size_t next_ = 0;
  TunerTiming timing_;
};

}  // namespace

std::unique_ptr<Tuner> CreateGa(const Space& space, const TunerOptions& opts) {
  ParamReader r("ga", opts.params);
  GaParams p;
  p.pop_size = r.Int("pop_size", p.pop_size, 2, 100000);
  p.elite_num = r.Int("elite_num", p.elite_num, 0, p.pop_size);
  p.mutation_prob = r.Real("mutation_prob", p.mutation_prob, 0.0, 1.0);
  r.Finish();
  return std::make_unique<GaTuner>(space, p, opts.seed);
}

}  // namespace dcoc::agents::baseline
