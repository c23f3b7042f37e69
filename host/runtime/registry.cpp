#include "host/runtime/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "host/common/error.h"

namespace dcoc::runtime {

void Registry::Add(BackendInfo info, DeviceFactory make, AvailabilityProbe probe) {
  if (info.name.empty()) throw UsageError("a backend needs a name");
  if (!make) throw UsageError(fmt::format("backend \"{}\" has no factory", info.name));
  if (Has(info.name)) throw UsageError(fmt::format("backend \"{}\" is registered twice", info.name));
  entries_.push_back({std::move(info), std::move(make), std::move(probe)});
}

bool Registry::Has(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.info.name == name) return true;
  return false;
}

std::vector<std::string> Registry::Names() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.info.name);
  return out;
}

const Registry::Entry& Registry::Find(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.info.name == name) return e;
  throw UsageError(fmt::format("unknown backend \"{}\" (this build has: {})", name, fmt::join(Names(), ", ")));
}

const BackendInfo& Registry::Info(std::string_view name) const { return Find(name).info; }

std::string Registry::Unavailable(std::string_view name) const {
  const Entry& e = Find(name);
  return e.probe ? e.probe() : std::string();
}

std::unique_ptr<Device> Registry::Create(std::string_view name, const spec::Spec& s, const DeviceOptions& opts) const {
  return Find(name).make(s, opts);
}

}  // namespace dcoc::runtime
