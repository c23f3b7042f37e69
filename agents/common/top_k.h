// The best `num` distinct points a model search has seen, outside an exclusion set (the heap of
// AutoTVM's model optimizers).
#pragma once

#include <algorithm>
#include <queue>
#include <utility>
#include <vector>

#include "agents/common/space_util.h"

namespace dcoc::agents {

class TopK {
 public:
  TopK(int num, const IndexSet& exclude) : num_(size_t(std::max(num, 0))), exclude_(exclude) {}
  // True when the point entered the set (a better score than the worst kept, or room left).
  bool Offer(float score, uint64_t index) {
    if (num_ == 0 || exclude_.count(index) || kept_.count(index)) return false;
    if (heap_.size() == num_) {
      if (!(score > heap_.top().first)) return false;
      kept_.erase(heap_.top().second);
      heap_.pop();
    }
    heap_.emplace(score, index);
    kept_.insert(index);
    return true;
  }
  // Best first (ties: smaller index first).
  std::vector<uint64_t> Sorted() const {
    auto items = heap_;
    std::vector<std::pair<float, uint64_t>> v;
    while (!items.empty()) v.push_back(items.top()), items.pop();
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<uint64_t> out;
    for (const auto& [s, i] : v) out.push_back(i);
    return out;
  }

 private:
  using Item = std::pair<float, uint64_t>;
  struct Worse {
    bool operator()(const Item& a, const Item& b) const {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    }
  };
  size_t num_;
  const IndexSet& exclude_;
  IndexSet kept_;
  std::priority_queue<Item, std::vector<Item>, Worse> heap_;
};

}  // namespace dcoc::agents
