// Does a configuration's resource use fit a board under the board file's caps? Per resource: the
// utilization of the device, the cap, and by how much the cap is exceeded -- what the hardware agent
// turns into penalties and what `dcoc rtl resources --board` prints.
#pragma once

#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "boards/board.h"

namespace dcoc::boards {

struct ResourceFit {
  Resource resource = Resource::kLut;
  double used = 0, available = 0;
  double utilization = 0;  // used / available (infinite when the part has none of it and some is used)
  double cap = 0;          // the board's max_utilization
  double of_cap = 0;       // used / (available x cap): above 1 exceeds the cap (0 when nothing is used)
  bool exceeded = false;
};

struct Fit {
  bool fits = true;
  std::vector<ResourceFit> resources;  // one per resource, in kAllResources order
  std::vector<Resource> exceeded;      // the resources over their cap
  Resource limiting = Resource::kLut;  // the highest used / limit

  const ResourceFit& Of(Resource r) const { return resources[size_t(r)]; }
  // Sum over the exceeded resources of (used / limit - 1): 0 when it fits, growing with the overshoot;
  // a resource the board does not offer at all (limit 0) counts 1 + the amount used.
  double Excess() const;
};

Fit FitsBoard(const Resources& used, const Board& board);
nlohmann::ordered_json ToJson(const Fit& f);

}  // namespace dcoc::boards
