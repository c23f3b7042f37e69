// The ask/tell contract between tuners and whatever measures their proposals (Timeloop's shape).
// A tuner sees a discrete space of knobs and the outcomes of the points it proposed; it knows nothing
// of compilers, devices or databases. The schedule space of a layer is adapted to `Space` in
// agents/common; tests drive tuners with synthetic spaces of known optimum.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dcoc::agents {

// One value index per knob.
using Point = std::vector<int32_t>;

struct KnobDesc {
  std::string name;
  std::vector<std::string> values;  // printable values; a point holds indices into this list
};

// The space a tuner searches. Cheap to query: tuners call Valid and Features thousands of times per
// plan. A space need not materialize its valid points.
class Space {
 public:
  virtual ~Space() = default;
  virtual const std::vector<KnobDesc>& Knobs() const = 0;
  // Cheap legality (the compiler's checker for schedules); invalid points are never measured.
  virtual bool Valid(const Point& p) const = 0;
  // Cost-model features of a point, FeatureSize() floats.
  virtual size_t FeatureSize() const = 0;
  virtual void Features(const Point& p, std::span<float> out) const = 0;
};

// The outcome of measuring one proposed point, reported in the order the points were proposed.
struct Result {
  Point point;
  bool ok = false;           // measured and bit-exact; otherwise a failure (invalid, crash, wrong answer)
  double cost = 0;           // cycles when ok (lower is better)
  bool lower_bound = false;  // stopped at a cycle bound: the true cost is at least `cost`
};

// Wall time spent inside a tuner, for the benchmark's split of optimization time.
struct TunerTiming {
  double fit_seconds = 0;     // cost-model training
  double search_seconds = 0;  // searching the model / the policy for the next plan
};

class Tuner {
 public:
  virtual ~Tuner() = default;
  virtual std::string_view Name() const = 0;
  // Calls alternate: Propose, then Observe with the outcomes of every point it returned, in order.
  // Up to n valid points never proposed before; fewer than n at the end of a plan or a generation
  // (the tuner needs those outcomes before it can go on); none only when every valid point has been
  // proposed. Deterministic for a given seed and sequence of calls.
  virtual std::vector<Point> Propose(int n) = 0;
  virtual void Observe(std::span<const Result> results) = 0;
  virtual TunerTiming Timing() const = 0;
};

// A measured point of another task (same feature layout), for cost models that transfer knowledge.
struct PriorRecord {
  std::vector<float> features;
  double throughput = 0;  // higher is better and comparable across tasks (operations per cycle); 0: failed
};

struct TunerOptions {
  uint64_t seed = 1;
  std::vector<PriorRecord> prior;
  nlohmann::json params = nlohmann::json::object();  // tuner-specific overrides, validated by name
};

// Explicit registry (no static initializers): "random", "grid", "ga", "autotvm", "chameleon".
// Throws UsageError naming the known tuners for an unknown name, and naming the known parameters for
// an unknown or out-of-range parameter.
std::unique_ptr<Tuner> CreateTuner(std::string_view name, const Space& space, const TunerOptions& opts);
std::vector<std::string> TunerNames();
// One line per tuner: name, what it does, its parameters with defaults (for --help and docs).
std::string DescribeTuners();

}  // namespace dcoc::agents
