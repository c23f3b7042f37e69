#include "boards/fit.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace dcoc::boards {

double Fit::Excess() const {
  double e = 0;
  for (const ResourceFit& r : resources)
    if (r.exceeded) e += std::isinf(r.of_cap) ? 1.0 + r.used : r.of_cap - 1.0;
  return e;
}

Fit FitsBoard(const Resources& used, const Board& board) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Fit f;
  double worst = -1;
  for (Resource r : kAllResources) {
    ResourceFit x;
    x.resource = r;
    x.used = used.Get(r);
    x.available = board.available.Get(r);
    x.cap = board.CapOf(r).max_utilization;
    const double limit = board.Limit(r);
    x.utilization = x.available > 0 ? x.used / x.available : (x.used > 0 ? kInf : 0.0);
    x.of_cap = limit > 0 ? x.used / limit : (x.used > 0 ? kInf : 0.0);
    x.exceeded = x.of_cap > 1.0;
    if (x.exceeded) {
      f.fits = false;
      f.exceeded.push_back(r);
    }
    if (x.of_cap > worst) {
      worst = x.of_cap;
      f.limiting = r;
    }
    f.resources.push_back(x);
  }
  return f;
}

nlohmann::ordered_json ToJson(const Fit& f) {
  auto num = [](double v) { return std::isinf(v) ? nlohmann::ordered_json("inf") : nlohmann::ordered_json(v); };
  nlohmann::ordered_json j;
  j["fits"] = f.fits;
  j["limiting"] = Name(f.limiting);
  j["exceeded"] = nlohmann::ordered_json::array();
  for (Resource r : f.exceeded) j["exceeded"].push_back(Name(r));
  j["excess"] = num(f.Excess());
  for (const ResourceFit& r : f.resources) {
    auto& e = j["resources"][std::string(Name(r.resource))];
    e["used"] = r.used;
    e["available"] = r.available;
    e["utilization"] = num(r.utilization);
    e["cap"] = r.cap;
    e["of_cap"] = num(r.of_cap);
    e["exceeded"] = r.exceeded;
  }
  return j;
}

}  // namespace dcoc::boards
